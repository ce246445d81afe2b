"""What a donor viewer sees of their donors' work: the projects their donors fund, with
the funding (committed, disbursed by date), the counts of the activities behind each
(drafts of their donors' work included, as in every statistic they see: counting rule
8), and where to read the results and the activities.

A donor viewer's donors are their DonorViewer links (`access.viewer_donor_ids`). Only
their own donors' funding lines are listed: what another donor committed to the same
project is that donor's business.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import Prefetch
from django.urls import reverse
from django.utils.http import urlencode

from . import access, counting, stats
from .models import Activity, Disbursement, Donor, Funding, Project

if TYPE_CHECKING:
    from .counting import AnyUser


@dataclass
class FundingLine:
    donor: Donor
    currency: str
    committed: Decimal | None
    committed_on: datetime.date | None
    note: str
    disbursements: list[Disbursement] = field(default_factory=list)

    @property
    def disbursed(self) -> Decimal:
        return sum((d.amount for d in self.disbursements), Decimal(0))


@dataclass
class DonorProject:
    project: Project
    fundings: list[FundingLine]
    counts: dict[str, Any]  # the stats engine's totals: activities, participants
    includes_drafts: bool

    @property
    def results_href(self) -> str:
        return reverse("pages:project_results", args=[self.project.code])

    @property
    def activities_href(self) -> str:
        return counting_activities_href(project=self.project.code)


def counting_activities_href(**params: str) -> str:
    """The activity list filtered by `params` (it lists the records the reader may read)."""
    return f"{reverse('pages:activity_list')}?{urlencode(params)}"


def donors_of(user: AnyUser) -> list[Donor]:
    return list(Donor.objects.filter(pk__in=access.viewer_donor_ids(user)).order_by("name"))


def projects_of(user: AnyUser) -> list[DonorProject]:
    """The projects the user's donors fund, each with their donors' funding lines and the
    counts of its activities as the user's statistics count them."""
    donor_ids = access.viewer_donor_ids(user)
    if not donor_ids:
        return []
    own_fundings = (
        Funding.objects.filter(donor_id__in=donor_ids)
        .select_related("donor")
        .prefetch_related(Prefetch("disbursements", queryset=Disbursement.objects.order_by("date")))
        .order_by("donor__name", "currency")
    )
    projects = (
        Project.objects.filter(fundings__donor_id__in=donor_ids)
        .distinct()
        .prefetch_related(Prefetch("fundings", queryset=own_fundings, to_attr="own_fundings"))
        .order_by("code")
    )
    listed = []
    for project in projects:
        activities = counting.countable(
            Activity.objects.filter(projects=project).delivered_as(), user
        )
        answer = stats.compute(activities, measures=["activities", "participants"])
        listed.append(
            DonorProject(
                project=project,
                fundings=[
                    FundingLine(
                        donor=funding.donor,
                        currency=funding.currency,
                        committed=funding.committed_amount,
                        committed_on=funding.committed_on,
                        note=funding.note,
                        disbursements=list(funding.disbursements.all()),
                    )
                    for funding in project.own_fundings
                ],
                counts=answer["totals"],
                includes_drafts=answer["includes_drafts"],
            )
        )
    return listed


def tagged_activities_hrefs(donors: list[Donor]) -> list[tuple[Donor, str]]:
    """The activity list of each donor (`donor=`: tagged with it, or in a project it
    funds)."""
    return [(donor, counting_activities_href(donor=str(donor.pk))) for donor in donors]
