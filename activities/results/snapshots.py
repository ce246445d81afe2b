"""Freezing what a closing period reports: its PeriodSnapshot and SnapshotFigure rows.

What is frozen
- Every indicator value of the project (of every project, for a programme-wide period)
  for the periods (years, quarters) that lie wholly within the closing period: one
  SnapshotFigure per cell of activities.results.compute (its value and qualifier, its
  target, the part in `key`: "" for the whole, a sex, or a country's alpha-2 code).
- The headline figures of the activities dated in the period (of the project, for a
  project's period): activities, participations ("participants") and named people,
  from the stats engine with the same filters as /api/v1/stats/?date_from=…&date_to=…
  (&project=…), so that they are the figures anyone could have asked for that day.
- Both as the public sees them (published activities only): a report states published
  figures, and its snapshot can be shown to everyone.
- The data version they were read at, who took it, when, for which report.

Written once, in the transaction that closes the period; nothing changes it afterwards.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import AnonymousUser

from .. import counting, stats
from ..filters import ActivityFilterSet
from ..models import (
    Activity,
    Country,
    DataVersion,
    Indicator,
    PeriodSnapshot,
    Qualifier,
    ReportingPeriod,
    SnapshotFigure,
)
from ..models.results import SEX_PARTS
from . import compute

if TYPE_CHECKING:
    from django.contrib.auth.models import User

#: The headline figures, by key, with their labels (stored as written, in English).
HEADLINES = {
    "activities": "activities",
    "participants": "participations (a person at two activities counts twice)",
    "people": "people (distinct named persons)",
}


def quarter_bounds(year: int, quarter: int) -> tuple[datetime.date, datetime.date]:
    first_month = 3 * (quarter - 1) + 1
    return (
        counting.month_bounds(year, first_month)[0],
        counting.month_bounds(year, first_month + 2)[1],
    )


def cell_bounds(year: int, quarter: int | None) -> tuple[datetime.date, datetime.date]:
    """The first and last day of a year, or of one quarter of it."""
    return quarter_bounds(year, quarter) if quarter else counting.year_bounds(year)


def within(period: ReportingPeriod, year: int, quarter: int | None) -> bool:
    """Whether the year (or quarter) lies wholly within the period."""
    start, end = cell_bounds(year, quarter)
    return period.start_date <= start and end <= period.end_date


def indicators_of(period: ReportingPeriod) -> list[Indicator]:
    indicators = Indicator.objects.select_related("project", "outcome").order_by(
        "project__code", "code"
    )
    if period.project_id:
        indicators = indicators.filter(project_id=period.project_id)
    return list(indicators)


def indicator_results(
    indicators: Sequence[Indicator], *, user: Any
) -> list[compute.IndicatorResult]:
    """compute.indicator_results: the same cells as the results pages and API."""
    return list(compute.indicator_results(indicators, user=user))


def indicator_figures(period: ReportingPeriod, *, user: Any) -> list[SnapshotFigure]:
    """One unsaved SnapshotFigure per cell of the period's indicators within it."""
    indicators = indicators_of(period)
    if not indicators:
        return []
    results = indicator_results(indicators, user=user)
    codes = {
        cell.part
        for result in results
        for cell in result.cells
        if cell.part and cell.part not in dict(SEX_PARTS)
    }
    countries = {country.iso2: country for country in Country.objects.filter(iso2__in=codes)}
    figures = []
    for result in results:
        indicator = result.indicator
        for cell in result.cells:
            if not within(period, cell.year, cell.quarter):
                continue
            actual = cell.actual or compute.Figure(None, "")
            is_sex = cell.part in dict(SEX_PARTS)
            label = " ".join(
                filter(None, [indicator.code, indicator.title, cell.period_label, cell.part_label])
            )
            figures.append(
                SnapshotFigure(
                    indicator=indicator,
                    key=cell.part,
                    label=label[:400],
                    year=cell.year,
                    quarter=cell.quarter,
                    sex=cell.part if is_sex else "",
                    country=countries.get(cell.part) if cell.part and not is_sex else None,
                    value=actual.value,
                    qualifier=actual.qualifier if actual.value is not None else "",
                    target=cell.target,
                    detail={
                        # A person-level count too small to show the public ("<5").
                        "suppressed": actual.suppressed,
                        "period_label": cell.period_label,
                        "part_label": cell.part_label,
                        "percent": cell.percent,
                        "status": cell.status,
                        "status_text": str(cell.status_text),
                    },
                )
            )
    return figures


def headline_question(period: ReportingPeriod) -> dict[str, str]:
    """The stats filters of the period's headline figures."""
    question = {
        "date_from": period.start_date.isoformat(),
        "date_to": period.end_date.isoformat(),
    }
    if period.project is not None:
        question["project"] = period.project.code
    return question


def headline_figures(period: ReportingPeriod) -> list[SnapshotFigure]:
    """Activities, participations and people of the activities dated in the period."""
    public = AnonymousUser()
    question = headline_question(period)
    filterset = ActivityFilterSet(question, queryset=Activity.objects.aggregated_for(public))
    if not filterset.is_valid():  # the period's own dates and project: always valid
        raise ValueError(filterset.errors)
    answer = stats.compute(
        filterset.qs,
        measures=list(HEADLINES),
        restriction=stats.restriction_from_filters(filterset.form.cleaned_data),
    )
    totals = answer["totals"]
    values = {
        "activities": (totals["activities"], Qualifier.EXACT),
        "participants": (totals["participants"]["total"], totals["participants"]["qualifier"]),
        "people": (totals["people"]["total"], Qualifier.EXACT),
    }
    return [
        SnapshotFigure(
            key=key,
            label=label,
            value=values[key][0],
            qualifier=str(values[key][1]),
            detail={"filters": question},
        )
        for key, label in HEADLINES.items()
    ]


def freeze(
    period: ReportingPeriod, *, user: User, report: str, note: str, taken_at: datetime.datetime
) -> PeriodSnapshot:
    """Take the period's snapshot (call inside the closing transaction)."""
    data_version = DataVersion.objects.values_list("version", flat=True).first()
    public = AnonymousUser()
    figures = [*indicator_figures(period, user=public), *headline_figures(period)]
    snapshot = PeriodSnapshot.objects.create(
        period=period,
        taken_at=taken_at,
        taken_by=user,
        report=report,
        data_version=data_version,
        note=note,
    )
    for figure in figures:
        figure.snapshot = snapshot
    SnapshotFigure.objects.bulk_create(figures)
    return snapshot
