"""Read paths of projects, shared by the pages and the API (selectors.py's sibling):
a project with its money, scope and results framework, in a fixed number of queries.

A project itself is public (it has no draft state); what it counts comes from the
activities the asking user may see or count, through `visible_to` / `aggregated_for`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import (
    Count,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from .models import (
    Activity,
    Disbursement,
    Funding,
    Indicator,
    IndicatorValue,
    Outcome,
    Project,
    Target,
)

if TYPE_CHECKING:
    from .counting import AnyUser


@dataclass(frozen=True)
class Committed:
    """What donors committed to a project in one currency: the known amounts added up,
    and how many fundings in it give no amount (then the sum is a lower bound)."""

    currency: str
    amount: Decimal
    not_known: int


def _visible_activity_count(user: AnyUser) -> Coalesce:
    """The number of the project's activities `user` may read: exactly those that its
    link to the activity list (/activities/?project=CODE) shows."""
    links = (
        Activity.projects.through.objects.filter(
            project_id=OuterRef("pk"),
            # As the list counts them: what took place (counting rule 10).
            activity__in=Activity.objects.visible_to(user).delivered_as(),
        )
        .order_by()
        .values("project_id")
        .annotate(n=Count("activity_id"))
        .values("n")
    )
    return Coalesce(Subquery(links, output_field=IntegerField()), Value(0))


def _fundings() -> Prefetch[str, QuerySet[Funding], str]:
    return Prefetch(
        "fundings",
        queryset=Funding.objects.select_related("donor").order_by("donor__name", "currency"),
    )


def project_list(user: AnyUser) -> QuerySet[Project]:
    """Projects with their themes and fundings (donor included) prefetched and the
    number of their activities `user` may read (`activity_count`)."""
    return (
        Project.objects.annotate(activity_count=_visible_activity_count(user))
        .prefetch_related("themes", _fundings())
        .order_by("code")
    )


def committed_by_currency(projects: Iterable[Project]) -> dict[int, list[Committed]]:
    """{project id: what its donors committed, per currency} in one aggregate query.
    Amounts in different currencies are never added together."""
    rows = (
        Funding.objects.filter(project__in=[project.pk for project in projects])
        .order_by()
        .values("project_id", "currency")
        .annotate(
            amount=Coalesce(Sum("committed_amount"), Value(Decimal(0))),
            not_known=Count("pk", filter=Q(committed_amount__isnull=True)),
        )
        .order_by("project_id", "currency")
    )
    committed: dict[int, list[Committed]] = {}
    for row in rows:
        committed.setdefault(row["project_id"], []).append(
            Committed(row["currency"], row["amount"], row["not_known"])
        )
    return committed


def project_detail(user: AnyUser) -> QuerySet[Project]:
    """Projects with everything their page and API record show: scope, themes, source,
    fundings with their disbursements (and the sum disbursed), outcomes, indicators with
    their targets and entered values."""
    fundings = Funding.objects.select_related("donor").annotate(
        disbursed=Sum("disbursements__amount")
    )
    indicators = Indicator.objects.select_related("outcome").order_by("code")
    return (
        Project.objects.annotate(activity_count=_visible_activity_count(user))
        .select_related("source_document")
        .prefetch_related(
            "countries",
            "regions",
            "themes",
            Prefetch("fundings", queryset=fundings.order_by("donor__name", "currency")),
            Prefetch("fundings__disbursements", queryset=Disbursement.objects.order_by("date")),
            Prefetch("outcomes", queryset=Outcome.objects.order_by("code")),
            Prefetch("indicators", queryset=indicators),
            Prefetch("indicators__targets", queryset=Target.objects.select_related("country")),
            Prefetch(
                "indicators__values", queryset=IndicatorValue.objects.select_related("country")
            ),
        )
    )
