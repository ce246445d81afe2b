"""Projects: the list (filtered like the API), one project with its money, scope,
outcomes and headline counts, and its results, planned against achieved.

Counts come from the counting engine (`stats_for`, `person_answer`) over the project's
activities the user may count; indicator actuals from activities/results/compute.py,
which asks the same engine. A project itself is public.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from .. import project_selectors
from ..answer_cache import cached_page
from ..filters import linked_to
from ..models import Activity, Indicator, Outcome, Project
from ..results import compute
from ..results.as_reported import as_reported
from .common import activities_url, page_totals, person_answer, stats_for
from .filter_forms import filtered_projects


@cached_page
def project_list(request: HttpRequest) -> HttpResponse:
    """Projects with their period, donors, what was committed per currency and the
    number of their activities; filtered by donor, theme, place and year."""
    filterset = filtered_projects(request)
    valid = filterset.is_valid()
    projects = list(filterset.qs) if valid else []
    committed = project_selectors.committed_by_currency(projects)
    rows = [
        {
            "project": project,
            "donors": _donors(project),
            "committed": committed.get(project.pk, []),
            "activities_url": activities_url(project=project.code),
        }
        for project in projects
    ]
    context = {"filterset": filterset, "rows": rows}
    return render(request, "projects/project_list.html", context, status=200 if valid else 400)


def _donors(project: Project) -> list[Any]:
    """The project's donors, once each, from its prefetched fundings (one per currency)."""
    seen: dict[int, Any] = {}
    for funding in project.fundings.all():
        seen.setdefault(funding.donor_id, funding.donor)
    return list(seen.values())


def _project(request: HttpRequest, code: str) -> Project:
    return get_object_or_404(project_selectors.project_detail(request.user), code=code)


def _by_outcome(outcomes: list[Outcome], indicators: list[Any], outcome_of) -> list[dict]:
    """[{"outcome": outcome or None, "items": [...]}]: each outcome with what measures
    it, then the project-level items (no outcome), in code order."""
    groups: list[dict] = [{"outcome": outcome, "items": []} for outcome in outcomes]
    by_pk = {group["outcome"].pk: group for group in groups}
    loose: list[Any] = []
    for item in indicators:
        outcome_id = outcome_of(item)
        (by_pk[outcome_id]["items"] if outcome_id in by_pk else loose).append(item)
    if loose:
        groups.append({"outcome": None, "items": loose})
    return groups


@cached_page
def project_detail(request: HttpRequest, code: str) -> HttpResponse:
    """One project: description, period, scope, themes, donors with what they committed
    and disbursed, outcomes with their indicators, and its headline counts."""
    project = _project(request, code)
    counted = (
        Activity.objects.aggregated_for(request.user)
        .delivered_as()
        .filter(linked_to(Activity, "projects", project))
    )
    overall = stats_for(request.user, counted)
    people = person_answer(counted, user=request.user)
    indicators: list[Indicator] = list(project.indicators.all())
    context = {
        "project": project,
        "committed": project_selectors.committed_by_currency([project]).get(project.pk, []),
        "fundings": list(project.fundings.all()),
        "outcomes": _by_outcome(
            list(project.outcomes.all()), indicators, lambda indicator: indicator.outcome_id
        ),
        "totals": page_totals(overall, request.user, people),
        "drafts_in_counts": overall["includes_drafts"],
        "list_url": activities_url(project=project.code),
    }
    return render(request, "projects/project_detail.html", context)


@cached_page
def project_results(request: HttpRequest, code: str) -> HttpResponse:
    """Planned against achieved: per outcome and indicator, a table by period with the
    target, the actual with its qualifier (linking to the activities behind it), the
    percentage of the target and its status; the disaggregated parts below each period."""
    project = get_object_or_404(Project, code=code)
    results = compute.project_results(project, user=request.user)
    reported = as_reported(project)
    for result in results:
        for cell in result.cells:
            key = (result.indicator.pk, cell.year, cell.quarter, cell.part)
            cell.reported = reported.get(key)  # type: ignore[attr-defined]
    outcomes = list(Outcome.objects.filter(project=project).order_by("code"))
    context = {
        "project": project,
        "groups": _by_outcome(outcomes, results, lambda result: result.indicator.outcome_id),
        "has_results": bool(results),
    }
    return render(request, "projects/project_results.html", context)
