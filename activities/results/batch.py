"""Many indicator questions answered by the stats engine in a few statements.

A results page asks one question per computed indicator and period: "participations in
the project's activities for judges in 2021". Asked one by one, that is a full engine
answer each, and the page's statements grow with its indicators and periods. Here they
are asked together: the engine groups the activities of all the questions by a
dimension of our own, `QuestionDimension`, whose keys are the sets of activities the
questions ask about (an activity of 2020 and 2021 is in the 2020 and the 2021 set;
questions that differ only by their disaggregation share a set). Such a dimension tags
the whole activity (like a theme), so each question's cell counts all the people of its
activities, exactly as a filtered answer does. Its keys are computed once per answer,
into a temporary table its statements join, one pass per set of filters whatever the
periods; the IATI file asks all its projects' questions in one batch this way.

What a restriction changes (a country, region or audience filter: which people certainly
belong) cannot differ inside one answer, so the questions are batched by restriction;
a disaggregated question is asked once more, grouped by its disaggregation too. The
page's statements then depend on how many different places and audiences its
indicators ask about, not on how many indicators, periods or targets it has.

Each question's part of a batched answer is cut out as the answer the engine gives to
that question alone (`tests/test_results_properties.py` checks they are equal), and
small person-level counts are suppressed in it as they would be there.
"""

from __future__ import annotations

import datetime
import functools
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import Case, Exists, F, OuterRef, Q, QuerySet, Value, When

from .. import counting, stats
from ..filters import ActivityFilterSet
from ..models import Activity, Project
from ..people import suppression
from ..stats import results as shapes

if TYPE_CHECKING:
    from ..counting import AnyUser


@dataclass(frozen=True)
class Period:
    """A year, or one quarter of it."""

    year: int
    quarter: int | None = None

    @property
    def label(self) -> str:
        return f"{self.year} Q{self.quarter}" if self.quarter else str(self.year)

    @property
    def bounds(self) -> tuple[datetime.date, datetime.date]:
        if self.quarter:
            return counting.quarter_bounds(self.year, self.quarter)
        return counting.year_bounds(self.year)

    def params(self) -> dict[str, str]:
        """The filter that asks the stats for this period (the `year` or `quarter` of
        ActivityFilterSet)."""
        if self.quarter:
            return {"quarter": f"{self.year}-Q{self.quarter}"}
        return {"year": str(self.year)}

    def condition(self) -> Q:
        """The activities in this period, as a condition: what the `year` and `quarter`
        filters keep (ActivityQuerySet.in_year and within_quarter filter by these same
        counting rules: counting rule 5)."""
        if self.quarter:
            return counting.within_quarter(self.year, self.quarter)
        return counting.overlapping(*counting.year_bounds(self.year))

    def sort_key(self) -> tuple[int, int]:
        return (self.year, self.quarter or 0)


@dataclass(frozen=True)
class Question:
    """One computed indicator's question for one period: the stats filters that ask it
    (its project and its own filters; `params`), the period and its disaggregation."""

    params: tuple[tuple[str, str], ...]
    period: Period
    disaggregation: str = ""
    measures: frozenset[str] = field(default_factory=frozenset)

    def key(self) -> tuple[Any, ...]:
        return (self.params, self.period, self.disaggregation)

    def stats_params(self) -> dict[str, str]:
        """The query parameters of /api/v1/stats/ that ask the same question."""
        return {**dict(self.params), **self.period.params()}


class QuestionDimension(stats.Dimension):
    """Groups activities by the sets of activities the questions ask about: key `i`
    for the i-th set, a set being a question's filters and period.

    `bases` are the sets by their filters: the filtered activities, and the periods
    asked of them with the key of each (None: the base's activities whatever their
    dates, as a report draft's questions are). The keys are computed in one pass over each
    base's activities, which says the periods each activity is in (Period.condition),
    not one pass per period: for a whole programme's projects (twenty projects, five
    sets of filters each, three years) a hundred passes rather than three hundred. An
    answer computes them once, into a temporary table that each of its statements joins
    (`prepared`), instead of once in every statement."""

    name = "question"
    param = ""

    def __init__(
        self,
        bases: Sequence[tuple[QuerySet[Activity], Sequence[tuple[Period | None, int]]]],
        *,
        stored_in: str = "",
    ):
        self.bases = list(bases)
        self.stored_in = stored_in

    @functools.cached_property
    def _keys(self) -> stats.Relation:
        """(a_id, k): each base's activities with a column per period (its key, or NULL
        when the activity is not in that period), then one row per key that is not
        NULL. MATERIALIZED: a base read by several periods is computed once."""
        bases: list[str] = []
        rows: list[str] = []
        params: list[Any] = []
        for number, (activities, periods) in enumerate(self.bases):
            columns = {
                f"p{column}": (
                    Value(key)  # no period: every activity of the base
                    if period is None
                    else Case(When(period.condition(), then=Value(key)), default=None)
                )
                for column, (period, key) in enumerate(periods)
            }
            base = stats.relation(activities.values(a_id=F("pk"), **columns))
            bases.append(f"b{number} AS MATERIALIZED ({base.sql})")
            params += base.params
            rows += [
                f"SELECT a_id, p{column} AS k FROM b{number} WHERE p{column} IS NOT NULL"
                for column in range(len(periods))
            ]
        return stats.Relation(f"WITH {', '.join(bases)} {' UNION ALL '.join(rows)}", params)

    def activity_keys(self, restriction: stats.Restriction) -> stats.Relation:
        if self.stored_in:
            return stats.Relation(f"SELECT a_id, k FROM {self.stored_in}")
        return self._keys

    @contextmanager
    def prepared(self) -> Iterator[stats.Dimension]:
        # Inside the answer's transaction (engine._compute): no savepoint of its own.
        with stats.stored(self._keys, "results_questions", savepoint=False) as name:
            yield QuestionDimension(self.bases, stored_in=name)

    def cache_key(self) -> Any:
        # The questions themselves (their SQL), never the name of a temporary table.
        return (self.name, self._keys.sql, tuple(self._keys.params))


@dataclass
class _Asked:
    """A question's activities before its period (its filters'), and the restriction."""

    activities: QuerySet[Activity]
    restriction: stats.Restriction


def answer_all(
    questions: Sequence[Question], *, user: AnyUser
) -> dict[tuple[Any, ...], dict[str, Any]]:
    """Each question's answer, as `stats.compute` would give it to `user` for the
    question's filters and grouped by its disaggregation (suppressed for them). A
    question whose filters are not valid gets no answer."""
    asked: dict[tuple[Any, ...], _Asked] = {}
    measures: dict[tuple[Any, ...], set[str]] = defaultdict(set)
    # One FilterSet per set of filters, whatever the periods: its lookups (a theme's
    # slug, the project's code) are made once.
    filtered: dict[tuple[tuple[str, str], ...], _Asked | None] = {}
    for question in questions:
        key = question.key()
        measures[key] |= question.measures
        if key in asked:
            continue
        if question.params not in filtered:
            filtered[question.params] = _filtered(question.params, user)
        base = filtered[question.params]
        if base is not None:
            asked[key] = base
    batches: dict[tuple[Any, ...], list[tuple[Any, ...]]] = defaultdict(list)
    for key, item in asked.items():
        batches[item.restriction.cache_key()].append(key)
    answers: dict[tuple[Any, ...], dict[str, Any]] = {}
    for keys in batches.values():
        answers.update(_answer_batch(keys, asked, measures, user))
    return answers


def _filtered(params: tuple[tuple[str, str], ...], user: AnyUser) -> _Asked | None:
    filterset = ActivityFilterSet(
        dict(params),
        queryset=Activity.objects.aggregated_for(user),
        request=_UserOnly(user),  # type: ignore[arg-type]
    )
    if not filterset.is_valid():
        return None
    restriction = stats.restriction_from_filters(filterset.form.cleaned_data)
    return _Asked(filterset.qs, _belonging(restriction))


def _belonging(restriction: stats.Restriction) -> stats.Restriction:
    """The part of a restriction that decides which people certainly belong (counting
    rule 4): the place and the audience. The rest (theme, partner, language, years) only
    narrows the keys of a grouping by that same dimension, which a batch never uses."""
    return stats.Restriction(place=restriction.place, audience=restriction.audience)


@dataclass(frozen=True)
class _UserOnly:
    """What ActivityFilterSet reads of a request: who asks (the text filter)."""

    user: AnyUser


def _answer_batch(
    keys: list[tuple[Any, ...]],
    asked: Mapping[tuple[Any, ...], _Asked],
    measures: Mapping[tuple[Any, ...], set[str]],
    user: AnyUser,
) -> dict[tuple[Any, ...], dict[str, Any]]:
    """The batch's questions answered by one grouping by question for their totals, and
    one more per disaggregation for their parts. A question dimension's key is a set of
    activities (the filters and the period): the questions that differ only by their
    disaggregation ask about the same activities and share it, and a disaggregation's
    grouping holds only the sets of its own questions and only the measures they ask."""
    restriction = asked[keys[0]].restriction
    activities = _union(user, keys)
    sets = _sets_of(keys)
    whole = stats.compute_by(
        activities,
        [_dimension(sets, asked)],
        measures=_measures_of(keys, measures),
        restriction=restriction,
        totals=False,  # each question's totals are its row
    )
    wholes = {row["question"]["code"]: row for row in whole["rows"] if row["question"]}
    set_of = {key: index for index, questions in enumerate(sets) for key in questions}
    parts: dict[tuple[Any, ...], list[dict[str, Any]]] = defaultdict(list)
    for disaggregation in sorted({key[2] for key in keys} - {""}):
        own = [key for key in keys if key[2] == disaggregation]
        own_sets = _sets_of(own)
        answer = stats.compute_by(
            activities,
            [_dimension(own_sets, asked), stats.DIMENSIONS[disaggregation]],
            measures=_measures_of(own, measures),
            restriction=restriction,
            totals=False,
        )
        for row in answer["rows"]:
            if row["question"] is None:
                continue
            for key in own_sets[row["question"]["code"]]:
                parts[key].append(_row_of(row, sorted(measures[key], key=_measure_order)))
    answers = {}
    for key in keys:
        wanted = sorted(measures[key], key=_measure_order)
        totals = _totals(wholes.get(set_of[key]), wanted)
        disaggregation = key[2]
        answer = {
            "group_by": [disaggregation] if disaggregation else [],
            "measures": wanted,
            "rows": parts.get(key, []) if disaggregation else [],
            "totals": totals,
            "includes_drafts": whole["includes_drafts"],
        }
        answers[key] = suppression.for_user(answer, user)
    return answers


def _sets_of(keys: Sequence[tuple[Any, ...]]) -> list[list[tuple[Any, ...]]]:
    """The questions grouped by the set of activities they ask about (their filters and
    period, `key[:2]`), in the order first asked."""
    sets: dict[tuple[Any, ...], list[tuple[Any, ...]]] = {}
    for key in keys:
        sets.setdefault(key[:2], []).append(key)
    return list(sets.values())


def _dimension(
    sets: Sequence[Sequence[tuple[Any, ...]]], asked: Mapping[tuple[Any, ...], _Asked]
) -> QuestionDimension:
    """The question dimension whose key `i` is `sets[i]`, its sets grouped by their
    filters (`key[0]`)."""
    bases: dict[tuple[Any, ...], tuple[QuerySet[Activity], list[tuple[Period, int]]]] = {}
    for index, questions in enumerate(sets):
        params, period = questions[0][0], questions[0][1]
        base = bases.setdefault(params, (asked[questions[0]].activities, []))
        base[1].append((period, index))
    return QuestionDimension(list(bases.values()))


def _measures_of(
    keys: Sequence[tuple[Any, ...]], measures: Mapping[tuple[Any, ...], set[str]]
) -> list[str]:
    return sorted(set().union(*(measures[key] for key in keys)), key=_measure_order)


def _row_of(row: Mapping[str, Any], wanted: Sequence[str]) -> dict[str, Any]:
    """A question's row of a batched grouping, as the engine gives it to that question
    alone: its part and the measures it asks (the grouping may hold more, for others)."""
    kept = {k: v for k, v in row.items() if k != "question" and k not in stats.MEASURES}
    if "participants" not in wanted:
        kept.pop(shapes.NAMED, None)
    return {**kept, **{measure: row[measure] for measure in wanted if measure in row}}


def _measure_order(measure: str) -> int:
    return stats.MEASURES.index(measure)


def _totals(row: Mapping[str, Any] | None, measures: Sequence[str]) -> dict[str, Any]:
    """A question's totals: its row of the batch (none when no activity answers it)."""
    empty = {
        "activities": 0,
        "participants": shapes.no_people(),
        "countries": shapes.no_countries(),
        "people": shapes.no_persons(),
        "learning": shapes.no_learning(),
    }
    totals: dict[str, Any] = {"unattributed": None}
    for measure in measures:
        totals[measure] = row[measure] if row is not None and measure in row else empty[measure]
    if row is not None and shapes.NAMED in row:
        totals[shapes.NAMED] = row[shapes.NAMED]
    return totals


def _union(user: AnyUser, keys: Sequence[tuple[Any, ...]]) -> QuerySet[Activity]:
    """The activities of the batch's projects the user's statistics count that overlap
    the batch's periods: a superset of every question's (a question's period keeps
    activities overlapping it, or within it), which the question dimension narrows."""
    codes = {value for key in keys for name, value in key[0] if name == "project"}
    through = Activity.projects.through
    in_projects = through.objects.filter(
        activity_id=OuterRef("pk"),
        project_id__in=Project.objects.filter(code__in=codes).values("pk"),
    )
    bounds = [key[1].bounds for key in keys]
    span = (min(first for first, _last in bounds), max(last for _first, last in bounds))
    return Activity.objects.aggregated_for(user).filter(Exists(in_projects)).overlapping(*span)
