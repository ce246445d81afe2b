"""The engine: one stats question in, one answer out, computed in one snapshot and kept
by the answer cache under the data version."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import ExitStack
from typing import Any

from django.conf import settings
from django.db.models import QuerySet

from tacbapp.replicas import read_alias

from .. import answer_cache, rollups
from ..answer_cache.version import in_snapshot
from ..models import Activity, Country, Region
from . import results
from .cells import activity_measures
from .dimensions import DIMENSIONS, SEXES, Dimension, MonthDimension, SexDimension, YearDimension
from .hours import hour_measures, hours_total, person_hours_total
from .matched import Matched, includes_drafts, matched_once
from .participants import inside_and_outside, participant_measures, unattributed
from .people import person_measures
from .request import MEASURES, Restriction, StatsError, parse_group_by, parse_measures
from .sessions import session_measures, sessions_total
from .sql import ids_sql


def compute(
    activities: QuerySet[Activity],
    *,
    group_by: Sequence[str] = (),
    place: Country | Region | None = None,
    measures: Sequence[str] | None = None,
    restriction: Restriction | None = None,
) -> dict[str, Any]:
    """Counts of the given (already filtered, `counting.countable`) activities.

    Returns {"group_by", "measures", "rows", "totals", "additive", "includes_drafts"}
    as the package docstring describes; `place` (or a full `restriction`) limits the
    people counted to those who certainly belong to it.
    """
    group_by = parse_group_by(",".join(group_by))
    measures = parse_measures(",".join(measures) if measures else None, group_by)
    if restriction is None:
        restriction = Restriction(place=place)
    # The same matched set (its SQL holds the filters and who may count what), grouping,
    # measures and restriction at the same data version give the same answer.
    sql, params = ids_sql(activities)
    parts = (sql, params, tuple(group_by), tuple(measures), restriction.cache_key())
    dimensions = [DIMENSIONS[name] for name in group_by]
    answer: dict[str, Any] = answer_cache.cached(
        "stats",
        parts,
        lambda: _compute(activities, dimensions, measures, restriction),
        before=lambda: _catch_up(dimensions, measures, restriction),
    )
    return answer


def compute_by(
    activities: QuerySet[Activity],
    dimensions: Sequence[Dimension],
    *,
    measures: Sequence[str],
    restriction: Restriction,
    totals: bool = True,
) -> dict[str, Any]:
    """`compute` grouped by dimensions of the caller's own (a results batch groups by
    the question each activity answers, activities/results/batch.py), with the same
    rules and the same cache: each dimension's `cache_key()` is part of the question.
    The measures must be ones each dimension splits (`Dimension.splits_measures`).
    `totals=False` leaves out the totals over all the activities (their statements
    too), for a caller that reads only the rows: the answer's `totals` and `additive`
    are then empty."""
    for dimension in dimensions:
        refused = [m for m in measures if m not in dimension.splits_measures]
        if refused or any(m not in MEASURES for m in measures):
            raise StatsError(f"{dimension.name} cannot split {', '.join(refused or measures)}")
    sql, params = ids_sql(activities)
    keys = tuple(dimension.cache_key() for dimension in dimensions)
    parts = (sql, params, keys, tuple(measures), restriction.cache_key(), totals)
    answer: dict[str, Any] = answer_cache.cached(
        "stats",
        parts,
        lambda: _compute(
            activities, list(dimensions), list(measures), restriction, with_totals=totals
        ),
        before=lambda: _catch_up(dimensions, measures, restriction),
    )
    return answer


def _catch_up(
    dimensions: Sequence[Dimension], measures: Sequence[str], restriction: Restriction
) -> None:
    """Before an answer is computed (its snapshot opened): the writes not yet rolled up,
    when the rollups hold the question and this request reads from the primary. Not
    inside the snapshot of a page or response that holds this answer: that one rolled
    up before it opened (rollups.before_reading), and in it a refresh conflicts with a
    writer's committed meanwhile."""
    # before_reading asks whether any write waits (one query), so it is not asked here.
    if _readers_roll_up() and rollups.needs_catch_up(dimensions, measures, restriction):
        rollups.before_reading()


def _readers_roll_up() -> bool:
    """Readers roll up (the setting), on the primary, outside an answer's snapshot."""
    return bool(
        settings.ROLLUPS_READERS_CATCH_UP and read_alias() == "default" and not in_snapshot()
    )


def roll_up_first(
    group_by: str | None, measures: str | None, restriction: Callable[[], Restriction]
) -> None:
    """For a response about to compute `compute()`'s answer to this question (its
    parameters; `restriction()` validates the filters, only if needed): what the answer
    reads of the rollups, rolled up before the response's snapshot opens. A question of
    people only does not wait for a write of beneficiary rows alone: one query then."""
    if not _readers_roll_up():
        return
    names = parse_group_by(group_by)
    measured = parse_measures(measures, names)
    if all(measure in rollups.PERSON_MEASURES for measure in measured):
        if rollups.persons_current():
            return
    elif not rollups.pending():
        return
    dimensions = [DIMENSIONS[name] for name in names]
    if rollups.needs_catch_up(dimensions, measured, restriction()):
        rollups.before_reading()


def _compute(
    activities: QuerySet[Activity],
    dimensions: list[Dimension],
    measures: list[str],
    restriction: Restriction,
    *,
    with_totals: bool = True,
) -> dict[str, Any]:
    group_by = [dimension.name for dimension in dimensions]
    with ExitStack() as stack:
        prepared = [stack.enter_context(dimension.prepared()) for dimension in dimensions]
        # The rollups first (activities/rollups/): the public activities' kept sums, then
        # the matched activities' cells; the base tables when neither holds the question.
        rolled = rollups.public_answer(
            activities, prepared, measures, restriction, with_totals=with_totals
        )
        rolled = rolled or rollups.home_answer(
            activities, prepared, measures, restriction, with_totals=with_totals
        )
        rolled = rolled or rollups.theme_answer(
            activities, prepared, measures, restriction, with_totals=with_totals
        )
        rolled = rolled or rollups.place_answer(
            activities, prepared, measures, restriction, with_totals=with_totals
        )
        counted = activities
        kept_sums = rolled is not None
        if kept_sums:
            rollups.note_path(rollups.PUBLIC_TOTALS)
        else:
            counted = stack.enter_context(matched_once(activities))
            rolled = rollups.answer(
                counted, prepared, measures, restriction, with_totals=with_totals
            )
            rollups.note_path(rollups.ROLLUPS if rolled is not None else rollups.BASE_TABLES)
        if rolled is None:
            matched = Matched.of(counted, restriction)
            groups = _groups(matched, prepared, measures) if group_by else {}
            totals = _totals(matched, measures) if with_totals else {}
        else:
            groups, totals = rolled
        rows = _rows(groups, prepared, measures) if group_by else []
        # The kept sums are of public activities, which hold no draft (counting rule 8).
        drafts = False if kept_sums else includes_drafts(counted)
    additive = {
        measure: results.adds_up(measure, rows, totals[measure])
        for measure in measures
        if group_by and with_totals
    }
    return {
        "group_by": list(group_by),
        "measures": measures,
        "rows": rows,
        "totals": totals,
        "additive": additive,
        "includes_drafts": drafts,
    }


def _groups(
    matched: Matched, dimensions: Sequence[Dimension], measures: Sequence[str]
) -> dict[tuple[Any, ...], dict[str, Any]]:
    """{cell: its measures}, from the base tables."""
    groups: dict[tuple[Any, ...], dict[str, Any]] = {}
    if "activities" in measures or "countries" in measures:
        countries = "countries" in measures  # the costlier part of the statement
        for key, values in activity_measures(matched, dimensions, countries=countries).items():
            groups.setdefault(key, {}).update(values)
    if "participants" in measures or "person_hours" in measures:
        with_hours = "person_hours" in measures
        for key, values in participant_measures(matched, dimensions, with_hours=with_hours).items():
            groups.setdefault(key, {}).update(values)
    if "hours" in measures:
        for key, values in hour_measures(matched, dimensions).items():
            groups.setdefault(key, {}).update(values)
    if "sessions" in measures:
        for key, values in session_measures(matched, dimensions).items():
            groups.setdefault(key, {}).update(values)
    for key, values in person_measures(matched, dimensions, measures).items():
        groups.setdefault(key, {}).update(values)
    return groups


def _rows(
    groups: dict[tuple[Any, ...], dict[str, Any]],
    dimensions: Sequence[Dimension],
    measures: Sequence[str],
) -> list[dict[str, Any]]:
    labels = _labels(dimensions, groups)
    answer = []
    for key in sorted(groups, key=lambda k: _sort_key(dimensions, k, labels)):
        values = groups[key]
        row: dict[str, Any] = {}
        for dimension, part in zip(dimensions, key, strict=True):
            row[dimension.name] = None if part is None else labels[dimension.name][part]
        row["unattributed"] = any(part is None for part in key)
        if "activities" in measures:
            row["activities"] = values.get("activities", 0)
        if "participants" in measures:
            row["participants"] = values.get("participants", results.no_people())
        if "participants" in measures or "person_hours" in measures:
            row[results.NAMED] = values.get(results.NAMED, False)
        if "countries" in measures:
            row["countries"] = values.get("countries", results.no_countries())
        if "people" in measures:
            row["people"] = values.get("people", results.no_persons())
        if "learning" in measures:
            row["learning"] = values.get("learning", results.no_learning())
        if "hours" in measures:
            row["hours"] = values.get("hours", results.no_hours())
        if "person_hours" in measures:
            row["person_hours"] = values.get("person_hours", results.no_person_hours())
        if "sessions" in measures:
            row["sessions"] = values.get("sessions", 0)
        if "session_attendances" in measures:
            row["session_attendances"] = values.get(
                "session_attendances", results.no_session_attendances()
            )
        answer.append(row)
    return answer


def _totals(matched: Matched, measures: Sequence[str]) -> dict[str, Any]:
    """Over the whole matched set, never a sum of rows (counting rule 7)."""
    totals: dict[str, Any] = {}
    if "activities" in measures or "countries" in measures:
        overall = activity_measures(matched, [], countries="countries" in measures).get((), {})
        if "activities" in measures:
            totals["activities"] = overall.get("activities", 0)
        if "countries" in measures:
            totals["countries"] = overall.get("countries", results.no_countries())
    if "participants" in measures or "person_hours" in measures:
        inside, outside = inside_and_outside(matched)
        totals[results.NAMED] = inside.pop(results.NAMED)
    if "participants" in measures:
        totals["participants"] = inside
        totals["unattributed"] = unattributed(matched, outside) if matched.restricted else None
    if "hours" in measures:
        totals["hours"] = hours_total(matched)
    if "person_hours" in measures:
        totals["person_hours"] = person_hours_total(matched)
    if "sessions" in measures:
        totals["sessions"] = sessions_total(matched)
    overall_people = person_measures(matched, [], measures).get((), {})
    if "people" in measures:
        totals["people"] = overall_people.get("people", results.no_persons())
    if "learning" in measures:
        totals["learning"] = overall_people.get("learning", results.no_learning())
    if "session_attendances" in measures:
        totals["session_attendances"] = overall_people.get(
            "session_attendances", results.no_session_attendances()
        )
    return totals


def _labels(
    dimensions: Sequence[Dimension], groups: dict[tuple[Any, ...], Any]
) -> dict[str, dict[Any, dict[str, Any]]]:
    labels = {}
    for index, dimension in enumerate(dimensions):
        keys = {key[index] for key in groups if key[index] is not None}
        labels[dimension.name] = dimension.labels(keys) if keys else {}
    return labels


def _sort_key(
    dimensions: Sequence[Dimension], key: tuple[Any, ...], labels: dict[str, Any]
) -> tuple[tuple[int, str], ...]:
    parts = []
    for dimension, part in zip(dimensions, key, strict=True):
        if part is None:
            parts.append((1, ""))
        elif isinstance(dimension, YearDimension | MonthDimension):
            parts.append((0, f"{int(part):08d}"))
        elif isinstance(dimension, SexDimension):
            parts.append((0, str(SEXES.index(part))))
        else:
            parts.append((0, str(labels[dimension.name][part]["name"]).lower()))
    return tuple(parts)
