"""Planned against achieved: each indicator's actual per period and part, beside its
target, with the qualifier carried and the status said in words.

A COMPUTED indicator's actual is the stats engine's answer to its question: its
`measure` over the activities of its project that match its `filters` and the period
(`year=`, or `quarter=`), split by its disaggregation. It is exactly what
`/api/v1/stats/?project=CODE&year=2020&…&measures=…` answers, computed live (the answer
cache keeps it until the next write) and never stored. An ENTERED indicator reads its
IndicatorValue rows.

Statuses (`Cell.status`):
- "met": the actual reaches the target ("at least 5,600 against a target of 5,000").
- "not_met": an exact (or "about") actual below the target, in a period that has ended.
- "in_progress": below the target in a period still running.
- "not_shown_met": a lower bound ("at least 4,000") below the target: the true number
  may reach it, the data do not show it.
- "no_target": an actual and no target set (the 2020 report set none).
- "no_value": a target and nothing entered or counted yet; or a question the engine
  refused.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import F, Prefetch, Q, QuerySet
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from .. import counting
from ..filters import ActivityFilterSet
from ..models import Activity, Country, Indicator, IndicatorValue, Project, Target
from ..models.results import SEX_PARTS
from ..people import suppression
from . import batch
from .batch import Period

if TYPE_CHECKING:
    from ..counting import AnyUser

MEASURES = ("activities", "participants", "people", "countries")
SEXES = tuple(code for code, _label in SEX_PARTS)
# Query parameters an indicator's filters may not set: the project and the period are
# the indicator's own, and the rest are not filters.
RESERVED = frozenset({"project", "year", "quarter", "month", "date_from", "date_to"})


@dataclass(frozen=True)
class Figure:
    """A number with its qualifier: "exact", "at_least", "more_than", "about"; a
    suppressed person-level count (fewer people than the threshold, for a user who may
    not see them exactly) has no value and `suppressed` set to its shown form ("<5")."""

    value: int | None
    qualifier: str = counting.QUALIFIER_EXACT
    suppressed: str = ""

    def text(self) -> str:
        if self.suppressed:
            return self.suppressed
        if self.value is None:
            return "—"
        shown = number_format(self.value, force_grouping=True)
        if self.qualifier == "at_least":
            return _("at least %(value)s") % {"value": shown}
        if self.qualifier == "more_than":
            return _("more than %(value)s") % {"value": shown}
        if self.qualifier == "about":
            return _("about %(value)s") % {"value": shown}
        return shown

    @property
    def lower_bound(self) -> bool:
        return self.qualifier in ("at_least", "more_than")


@dataclass
class Cell:
    year: int
    quarter: int | None
    period_label: str
    part: str
    part_label: str
    target: int | None
    actual: Figure | None
    percent: int | None
    status: str
    status_text: str
    activities_href: str | None
    evidence: str = ""
    comment: str = ""


@dataclass
class IndicatorResult:
    indicator: Indicator
    baseline: Figure | None
    cells: list[Cell] = field(default_factory=list)
    error: str = ""

    def periods(self) -> list[tuple[int, int | None, str]]:
        seen: dict[tuple[int, int | None], str] = {}
        for cell in self.cells:
            seen.setdefault((cell.year, cell.quarter), cell.period_label)
        return [(year, quarter, label) for (year, quarter), label in seen.items()]

    def cell(self, year: int, quarter: int | None = None, part: str = "") -> Cell | None:
        for cell in self.cells:
            if (cell.year, cell.quarter, cell.part) == (year, quarter, part):
                return cell
        return None

    def as_dict(self) -> dict[str, Any]:
        indicator = self.indicator
        return {
            "indicator": {
                "id": indicator.pk,
                "code": indicator.code,
                "title": indicator.title,
                "kind": indicator.kind,
                "unit": indicator.unit,
                "measure": indicator.measure or None,
                "filters": indicator.filters or {},
                "disaggregation": indicator.disaggregation or None,
                "outcome": indicator.outcome.code if indicator.outcome is not None else None,
            },
            "baseline": _figure_dict(self.baseline),
            "error": self.error or None,
            "cells": [{**asdict(cell), "actual": _figure_dict(cell.actual)} for cell in self.cells],
        }


def _figure_dict(figure: Figure | None) -> dict[str, Any] | None:
    if figure is None:
        return None
    return {
        "value": figure.value,
        "qualifier": figure.qualifier or None,
        "suppressed": figure.suppressed or None,
        "text": figure.text(),
    }


# --- The entry points -------------------------------------------------------------------


def indicators_of(project: Project | QuerySet[Project]) -> QuerySet[Indicator]:
    """The indicators of a project (or of several) with everything the results read, in
    three queries."""
    chosen = Q(project__in=project) if isinstance(project, QuerySet) else Q(project=project)
    return (
        Indicator.objects.filter(chosen)
        .select_related("project", "outcome")
        .prefetch_related(
            Prefetch("targets", queryset=Target.objects.select_related("country")),
            Prefetch("values", queryset=IndicatorValue.objects.select_related("country")),
        )
        # Indicators on no outcome first, on every database (NULLs sort last on
        # PostgreSQL and first on SQLite unless told).
        .order_by(F("outcome__code").asc(nulls_first=True), "code")
    )


def project_results(project: Project, *, user: AnyUser) -> list[IndicatorResult]:
    return indicator_results(list(indicators_of(project)), user=user)


def projects_results(
    projects: QuerySet[Project], *, user: AnyUser
) -> dict[int, list[IndicatorResult]]:
    """The results of many projects (an IATI file's), by project id, computed together:
    the engine answers all their questions in one batch per restriction, so the
    statements do not grow with the number of projects. Each project's list is what
    `project_results` gives it."""
    by_project: dict[int, list[IndicatorResult]] = {}
    for result in indicator_results(list(indicators_of(projects)), user=user):
        by_project.setdefault(result.indicator.project_id, []).append(result)
    return by_project


def indicator_results(
    indicators: Sequence[Indicator], *, user: AnyUser, today: datetime.date | None = None
) -> list[IndicatorResult]:
    """Each indicator's cells. The engine answers each distinct question once: computed
    indicators that share their filters, period and disaggregation share one answer."""
    today = today or datetime.date.today()
    spans = _activity_years(indicators, user)
    questions: list[batch.Question] = []
    checked: dict[tuple[str, str, str], str] = {}  # each distinct question checked once
    plans: list[tuple[Indicator, list[Period], str]] = []
    for indicator in indicators:
        periods = periods_of(indicator, spans.get(indicator.project_id))
        error = ""
        if indicator.kind == Indicator.Kind.COMPUTED:
            asked = (
                repr(sorted(indicator.filters.items())),
                indicator.measure,
                indicator.disaggregation,
            )
            if asked not in checked:
                checked[asked] = question_error(indicator)
            error = checked[asked]
        plans.append((indicator, periods, error))
        if indicator.kind == Indicator.Kind.COMPUTED and not error:
            questions += [question_of(indicator, period) for period in periods]
    answers = batch.answer_all(questions, user=user)
    countries = _countries_named(indicators, answers)
    return [
        _result(indicator, periods, error, answers, countries, today)
        for indicator, periods, error in plans
    ]


# --- The question -------------------------------------------------------------------------


def question_error(indicator: Indicator) -> str:
    """Why the engine cannot answer a computed indicator's question; "" when it can."""
    if indicator.measure not in MEASURES:
        return _("Unknown measure %(measure)s: use %(measures)s.") % {
            "measure": indicator.measure or "—",
            "measures": ", ".join(MEASURES),
        }
    filters = indicator.filters if isinstance(indicator.filters, Mapping) else None
    if filters is None:
        return _("The filters must be an object of query parameters.")
    reserved = sorted(RESERVED & set(filters))
    if reserved:
        return _(
            "The filters may not set %(names)s: the project and period are the indicator's."
        ) % {"names": ", ".join(reserved)}
    unknown = sorted(set(filters) - set(ActivityFilterSet.base_filters))
    if unknown:
        return _("Unknown filter %(names)s.") % {"names": ", ".join(unknown)}
    if indicator.disaggregation == "sex" and indicator.measure not in ("participants", "people"):
        return _("Only participations and people can be split by sex.")
    filterset = ActivityFilterSet(
        {name: str(value) for name, value in filters.items()}, queryset=Activity.objects.none()
    )
    if not filterset.is_valid():
        return "; ".join(
            f"{name}: {' '.join(str(message) for message in messages)}"
            for name, messages in filterset.errors.items()
        )
    return ""


def question_of(indicator: Indicator, period: Period) -> batch.Question:
    """The stats question a computed indicator asks for a period: the query parameters
    of `/api/v1/stats/` that give the same answer."""
    params = {name: str(value) for name, value in indicator.filters.items()}
    params["project"] = indicator.project.code
    return batch.Question(
        tuple(sorted(params.items())),
        period,
        indicator.disaggregation,
        frozenset({indicator.measure}),
    )


def _figure(measure: str, value: Any) -> Figure:
    """One measure's value in an engine answer as a Figure; a count suppressed for this
    user (people, or participations resting on named people) has no value."""
    if measure == "activities":
        return Figure(int(value))
    if measure == "countries":
        return Figure(int(value["at_least"]), value["qualifier"])
    total = value["total"]
    if not isinstance(total, int):
        return Figure(None, "", suppressed=str(total))
    if measure == "participants":
        return Figure(total, value["qualifier"])
    return Figure(total)  # people: exact


def _actuals(indicator: Indicator, answer: Mapping[str, Any]) -> dict[str, Figure]:
    """The actual of each part ("" the whole) in the engine's answer."""
    if not answer:
        return {}
    measure = indicator.measure
    totals = answer["totals"][measure]
    parts = {"": _figure(measure, totals)}
    if indicator.disaggregation == "sex":
        for row in answer["rows"]:
            sex = row["sex"]["code"]
            parts[sex] = _figure(measure, row[measure])
    elif indicator.disaggregation == "country":
        for row in answer["rows"]:
            if row.get("country"):
                parts[row["country"]["code"]] = _figure(measure, row[measure])
    return parts


# --- Periods ------------------------------------------------------------------------------


def _activity_years(indicators: Iterable[Indicator], user: AnyUser) -> dict[int, tuple[int, int]]:
    """For projects without dates, the years their activities span, in one query."""
    undated = {
        indicator.project_id
        for indicator in indicators
        if indicator.kind == Indicator.Kind.COMPUTED
        and (indicator.project.start_date is None or indicator.project.end_date is None)
    }
    if not undated:
        return {}
    spans: dict[int, tuple[int, int]] = {}
    through = Activity.projects.through
    rows = through.objects.filter(
        project_id__in=undated,
        activity__in=Activity.objects.aggregated_for(user).delivered_as().order_by().values("pk"),
    ).values_list("project_id", "activity__start_date", "activity__end_date")
    for project_id, start, end in rows:
        first, last = spans.get(project_id, (start.year, end.year))
        spans[project_id] = (min(first, start.year), max(last, end.year))
    return spans


def periods_of(indicator: Indicator, activity_span: tuple[int, int] | None) -> list[Period]:
    """Every period with a target or a value, and every year of the project (of its
    activities when the project has no dates), oldest first."""
    periods = {Period(row.year, row.quarter) for row in indicator.targets.all()}
    periods |= {Period(row.year, row.quarter) for row in indicator.values.all()}
    project = indicator.project
    if project.start_date and project.end_date:
        span: tuple[int, int] | None = (project.start_date.year, project.end_date.year)
    else:
        span = activity_span if indicator.kind == Indicator.Kind.COMPUTED else None
    if span:
        periods |= {Period(year) for year in range(span[0], span[1] + 1)}
    return sorted(periods, key=Period.sort_key)


# --- Cells --------------------------------------------------------------------------------


def _countries_named(
    indicators: Sequence[Indicator], answers: Mapping[tuple[Any, ...], dict[str, Any]]
) -> dict[str, Country]:
    """The countries targets and answers name, by alpha-2 code, in at most one query."""
    by_code: dict[str, Country] = {}
    for indicator in indicators:
        for row in [*indicator.targets.all(), *indicator.values.all()]:
            if row.country is not None:
                by_code[row.country.iso2] = row.country
    wanted = {
        row["country"]["code"]
        for answer in answers.values()
        for row in answer.get("rows", [])
        if row.get("country")
    } - set(by_code)
    if wanted:
        by_code.update(
            {country.iso2: country for country in Country.objects.filter(iso2__in=wanted)}
        )
    return by_code


def _part_of(row: Target | IndicatorValue) -> str:
    return row.sex or (row.country.iso2 if row.country is not None else "")


def _result(
    indicator: Indicator,
    periods: list[Period],
    error: str,
    answers: Mapping[tuple[Any, ...], dict[str, Any]],
    countries: Mapping[str, Country],
    today: datetime.date,
) -> IndicatorResult:
    baseline = (
        Figure(indicator.baseline_value, indicator.baseline_qualifier)
        if indicator.baseline_value is not None
        else None
    )
    result = IndicatorResult(indicator, baseline, error=error)
    targets = {(Period(t.year, t.quarter), _part_of(t)): t.value for t in indicator.targets.all()}
    values = {(Period(v.year, v.quarter), _part_of(v)): v for v in indicator.values.all()}
    for period in periods:
        if indicator.kind == Indicator.Kind.COMPUTED:
            answer = {} if error else answers.get(question_of(indicator, period).key(), {})
            actuals = _actuals(indicator, answer)
            entered: dict[str, IndicatorValue] = {}
        else:
            entered = {part: value for (p, part), value in values.items() if p == period}
            actuals = {
                part: Figure(value.value, _entered_qualifier(value.qualifier))
                for part, value in entered.items()
            }
        parts = {""} | {part for (p, part) in targets if p == period}
        parts |= {part for part, figure in actuals.items() if figure.value or figure.suppressed}
        for part in sorted(parts, key=lambda code: (code != "", _part_order(code))):
            result.cells.append(
                _cell(
                    indicator,
                    period,
                    part,
                    targets.get((period, part)),
                    actuals.get(part),
                    entered.get(part),
                    countries,
                    today,
                    error,
                )
            )
    return result


def _part_order(part: str) -> tuple[int, str]:
    return (SEXES.index(part), "") if part in SEXES else (len(SEXES), part)


def _entered_qualifier(qualifier: str) -> str:
    """An entered value keeps the source's words: "more than" stays "more than"."""
    return qualifier or counting.QUALIFIER_EXACT


def _part_label(part: str, countries: Mapping[str, Country]) -> str:
    if not part:
        return ""
    if part in SEXES:
        return str(dict(SEX_PARTS)[part])
    country = countries.get(part)
    return country.name if country else part


def _cell(
    indicator: Indicator,
    period: Period,
    part: str,
    target: int | None,
    actual: Figure | None,
    entered: IndicatorValue | None,
    countries: Mapping[str, Country],
    today: datetime.date,
    error: str,
) -> Cell:
    status, text = judge(actual, target, ended=period.bounds[1] < today)
    if error:
        status, text = "no_value", error
    percent = None
    if target and actual is not None and actual.value is not None:
        percent = actual.value * 100 // target
    return Cell(
        year=period.year,
        quarter=period.quarter,
        period_label=period.label,
        part=part,
        part_label=_part_label(part, countries),
        target=target,
        actual=actual,
        percent=percent,
        status=status,
        status_text=text,
        activities_href=_drill_down(indicator, period, part, countries, error),
        evidence=entered.evidence if entered else "",
        comment=entered.comment if entered else "",
    )


def judge(actual: Figure | None, target: int | None, *, ended: bool) -> tuple[str, str]:
    """The status of an actual against a target, and the sentence that says it."""
    if target is None:
        if actual is None:
            return "no_value", _("no value and no target set")
        return "no_target", _("%(actual)s: no target set") % {"actual": actual.text()}
    shown_target = number_format(target, force_grouping=True)
    if actual is None or (actual.value is None and not actual.suppressed):
        return "no_value", _("no value yet against a target of %(target)s") % {
            "target": shown_target
        }
    words = {"actual": actual.text(), "target": shown_target}
    if actual.value is None:  # suppressed: fewer than the threshold
        if target >= suppression.threshold():
            status = "not_met" if ended else "in_progress"
            return status, _("%(actual)s against a target of %(target)s: not met") % words
        return "no_value", _("%(actual)s against a target of %(target)s") % words
    if actual.value >= target:
        return "met", _("%(actual)s against a target of %(target)s: met") % words
    if actual.lower_bound:
        return "not_shown_met", _(
            "%(actual)s against a target of %(target)s: not shown met (the count is a lower bound)"
        ) % words
    if not ended:
        return "in_progress", _("%(actual)s against a target of %(target)s: so far") % words
    return "not_met", _("%(actual)s against a target of %(target)s: not met") % words


def _drill_down(
    indicator: Indicator,
    period: Period,
    part: str,
    countries: Mapping[str, Country],
    error: str,
) -> str | None:
    """The activity list behind a computed actual: the project, the indicator's filters,
    the period, and the country of a country part (a sex part has the same activities)."""
    if indicator.kind != Indicator.Kind.COMPUTED or error:
        return None
    params = {**{k: str(v) for k, v in indicator.filters.items()}, **period.params()}
    params["project"] = indicator.project.code
    if part and part not in SEXES:
        params["country"] = part
    return f"{reverse('pages:activity_list')}?{urlencode(sorted(params.items()))}"
