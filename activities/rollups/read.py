"""Answers from the rollups.

- The public activities (universe.py), unfiltered: the kept sums (`RollupTotal`), one
  row per cell, a few hundred rows whatever the number of activities.
- Any other set of matched activities: the sums of their cells (`RollupCell`).
- A thematic area's public activities (`theme_answer`) and a country's public people
  (`home_answer`): a few rows of the kept sums, the question recognised by the SQL of
  the same FilterSet (universe.is_public_with).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import connections
from django.db.models import QuerySet

from tacbapp.replicas import read_alias

from ..models import (
    Activity,
    Country,
    PersonTotal,
    RollupCell,
    RollupChange,
    RollupTotal,
    Theme,
)
from ..models.rollups import NO_KEY
from ..stats import results
from ..stats.dimensions import DIMENSIONS, Dimension
from ..stats.matched import ids_of
from ..stats.request import Restriction
from ..stats.sql import fetch
from . import places, universe
from .shapes import (
    HOME_SHAPES,
    LAYOUT_SHAPE,
    PERSON_MEASURES,
    home_shape_name,
    kept,
    layout,
    persons_kept,
    places_kept,
    shape_name,
)
from .shapes import MEASURES as ACTIVITY_MEASURES

Cells = dict[tuple[Any, ...], dict[str, Any]]
Answer = tuple[Cells, dict[str, Any]]

ROLLUPS = "rollups"
PUBLIC_TOTALS = "rollups (public totals)"
BASE_TABLES = "base tables"
_last = threading.local()


def path() -> str | None:
    """Which way this thread's last computed answer went: PUBLIC_TOTALS, ROLLUPS or
    BASE_TABLES ("" before any)."""
    return getattr(_last, "path", None)


def note_path(value: str) -> None:
    _last.path = value


def answerable(
    dimensions: Sequence[Dimension], measures: Sequence[str], restriction: Restriction
) -> bool:
    """Whether the rollups may hold this question (not whether they are current): the
    activities' rollups for any matched set, the persons' for the public one only. The
    cells are computed without a restriction: they hold a question whose restriction
    moves no row (a year, a theme, a partner, a language) and no key of its groupings
    (a theme filter grouped by year, not by theme)."""
    if not getattr(settings, "ROLLUPS", True):
        return False
    given = restriction.given()
    if any(name in given for dimension in dimensions for name in dimension.reads):
        return False
    if restriction.restricts_rows():  # a place: the cells by place, for some groupings
        return places_kept(dimensions, measures, restriction)
    activity, person = _split(measures)
    if len(activity) + len(person) < len(measures):
        return False
    return (not activity or kept(dimensions, activity)) and (
        not person or persons_kept(dimensions, person)
    )


def _split(measures: Sequence[str]) -> tuple[list[str], list[str]]:
    return (
        [m for m in measures if m in (*ACTIVITY_MEASURES, "countries")],
        [m for m in measures if m in PERSON_MEASURES],
    )


def needs_catch_up(
    dimensions: Sequence[Dimension], measures: Sequence[str], restriction: Restriction
) -> bool:
    """Whether a reader about to compute this answer should first roll up the writes
    noted: when the rollups may hold the question and a note waits that moves its cells
    (a question of people only: not a note of beneficiary rows alone). Besides the
    questions `answerable` says, those of one country's people (`home_answer`) and of
    one thematic area's activities (`theme_answer`)."""
    if theme_question(dimensions, measures, restriction) is not None:
        return True  # catch_up() itself returns at once when nothing is noted
    home = home_question(dimensions, measures, restriction) is not None
    if not home and not answerable(dimensions, measures, restriction):
        return False
    if _split(measures)[0]:
        return True
    return not _persons_current(read_alias())


def persons_current() -> bool:
    """Whether the persons' rollups hold every write this reader's database shows."""
    return _persons_current(read_alias())


def _persons_current(using: str) -> bool:
    """The persons' rollups hold every write of this snapshot that moves their cells,
    and were built with the groupings this code reads. A note of beneficiary rows alone
    (`people` false: no row's country came or went, rollups/triggers.py) moves none."""
    with connections[using].cursor() as cursor:
        cursor.execute(
            f"SELECT EXISTS (SELECT 1 FROM {RollupChange._meta.db_table} "
            "WHERE people OR activity_id IS NULL), "
            f"EXISTS (SELECT 1 FROM {RollupTotal._meta.db_table} WHERE shape = %s AND k0 = %s)",
            [LAYOUT_SHAPE, layout()],
        )
        pending, built = cursor.fetchone()
    return not pending and bool(built)


def home_question(
    dimensions: Sequence[Dimension], measures: Sequence[str], restriction: Restriction
) -> tuple[Country, int | None] | None:
    """(the country, the year or None) of a question the home cells may hold: people or
    learning, ungrouped, in one country, in at most one year. None for any other."""
    if not getattr(settings, "ROLLUPS", True) or dimensions or not measures:
        return None
    if any(measure not in PERSON_MEASURES for measure in measures):
        return None
    country = restriction.place
    if not isinstance(country, Country) or restriction.given() - _HOME_GIVEN:
        return None
    year_from, year_to = restriction.year_from, restriction.year_to
    if year_from is None and year_to is None:
        return country, None
    first, last = settings.PLAUSIBLE_YEARS
    if year_from != year_to or year_from is None or not first <= year_from <= last:
        return None  # the home cells' years are those of the activities' calendar
    return country, year_from


_HOME_GIVEN = frozenset({"place", "year_from", "year_to"})


def home_answer(
    activities: QuerySet[Activity],
    dimensions: Sequence[Dimension],
    measures: Sequence[str],
    restriction: Restriction,
    *,
    with_totals: bool,
) -> Answer | None:
    """A country's people (and a year's) over the public activities in it, from the
    persons' kept sums by home country: one row read. None when the question is not
    exactly that one (`universe.is_public_in`), or a write that moves it waits."""
    question = home_question(dimensions, measures, restriction)
    if question is None:
        return None
    country, year = question
    if not universe.is_public_in(activities, country, year):
        return None
    if not _persons_current(activities.db):
        return None
    shape = home_shape_name(HOME_SHAPES[1] if year is not None else HOME_SHAPES[0])
    keys = {0: str(country.pk), 1: NO_KEY if year is None else str(year)}
    cell = _person_sums(activities.db, shape, 0, keys).get((), {})
    totals = {measure: cell.get(measure, _NONE[measure]()) for measure in measures}
    return {}, totals if with_totals else {}


# The groupings a question of one theme (the `theme` filter) may have, and the kept
# grouping with theme that holds each: its cells of that theme are the answer's rows.
_BY_THEME = {(): "theme", ("year",): "year,theme", ("theme",): "theme"}


def theme_question(
    dimensions: Sequence[Dimension], measures: Sequence[str], restriction: Restriction
) -> Theme | None:
    """The theme of a question the public sums by theme may hold: activities and
    participants of one thematic area (not a topic: the cells' key is the area),
    ungrouped, by year or by theme, and no other restriction. None for any other."""
    theme = restriction.theme
    if not getattr(settings, "ROLLUPS", True) or theme is None or theme.parent_id is not None:
        return None
    if restriction.given() != {"theme"} or not measures:
        return None
    if any(measure not in ACTIVITY_MEASURES for measure in measures):
        return None
    names = tuple(d.name for d in dimensions)
    if names not in _BY_THEME or any(DIMENSIONS.get(d.name) is not d for d in dimensions):
        return None
    return theme


def theme_answer(
    activities: QuerySet[Activity],
    dimensions: Sequence[Dimension],
    measures: Sequence[str],
    restriction: Restriction,
    *,
    with_totals: bool,
) -> Answer | None:
    """The public activities of one theme (what an anonymous "theme=<area>" matches)
    from the kept sums of the groupings by theme: an activity is in a theme's cell when
    it is tagged with the area or one of its topics, as the filter finds it, and its
    people count there. A few rows read, where the activities' cells are thousands."""
    theme = theme_question(dimensions, measures, restriction)
    if theme is None:
        return None
    if not universe.is_public_with(activities, {"theme": theme.slug}, theme.pk):
        return None
    if not _current(activities):
        return None
    names = tuple(d.name for d in dimensions)
    key = str(theme.pk)
    shape = _BY_THEME[names]
    if names == ("year",):  # (year, theme) cells of the theme, keyed by their year
        rows = _public_sums(activities.db, shape, 1, {1: key})
    else:
        rows = _public_sums(activities.db, shape, len(names), {0: key})
    overall = rows if not names else _public_sums(activities.db, "theme", 0, {0: key})
    return _measured(rows, measures), _totals(overall, measures, with_totals)


def _current(activities: QuerySet[Activity]) -> bool:
    """No write left to roll up, in this snapshot, and the rollups built with the
    groupings this code reads (not yet, when it is served before its `migrate`)."""
    with connections[activities.db].cursor() as cursor:
        cursor.execute(
            f"SELECT EXISTS (SELECT 1 FROM {RollupChange._meta.db_table}), "
            f"EXISTS (SELECT 1 FROM {RollupTotal._meta.db_table} WHERE shape = %s AND k0 = %s)",
            [LAYOUT_SHAPE, layout()],
        )
        pending, built = cursor.fetchone()
    return not pending and bool(built)


def public_answer(
    activities: QuerySet[Activity],
    dimensions: Sequence[Dimension],
    measures: Sequence[str],
    restriction: Restriction,
    *,
    with_totals: bool,
) -> Answer | None:
    """The answer over the public activities from their kept sums, or None when the
    question is not theirs (other activities, a restriction, a grouping not kept) or a
    write is not rolled up yet. Their sums count every row's people: a place (which
    rows count) is answered from the activities' cells by place (`answer`)."""
    if not answerable(dimensions, measures, restriction) or restriction.restricts_rows():
        return None
    if not universe.is_public(activities):
        return None
    activity, person = _split(measures)
    if not (_current(activities) if activity else _persons_current(activities.db)):
        return None
    using, width = activities.db, len(dimensions)
    shape = shape_name([d.name for d in dimensions])
    rows: Cells = {}
    totals: dict[str, Any] = {}
    if activity:
        rows = _public_sums(using, shape, width)
        overall = rows if not width else _public_sums(using, "", 0)  # ungrouped: one read
        totals = _totals(overall, activity, with_totals)
        if with_totals and "countries" in measures:
            totals["countries"] = _countries(using, ("c.public", []), public=True)
    if person:
        people = _person_sums(using, shape, width)
        for key, cell in people.items():
            rows.setdefault(key, {}).update(cell)
        if with_totals:
            everyone = (people if not width else _person_sums(using, "", 0)).get((), {})
            for measure in person:
                totals[measure] = everyone.get(measure, _NONE[measure]())
    return _measured(rows, measures), totals


def public_count(activities: QuerySet[Activity]) -> int | None:
    """How many activities `activities` holds, from the kept sums, when it is exactly the
    public set and no write waits to be rolled up (a list's page count, without a
    COUNT(*) over every activity); None otherwise: count them."""
    if not getattr(settings, "ROLLUPS", True) or activities.model is not Activity:
        return None
    if not universe.is_public(activities) or not _current(activities):
        return None
    note_path(PUBLIC_TOTALS)
    cell = _public_sums(activities.db, "", 0).get((), {})
    return int(cell.get("activities", 0))


_NONE = {"people": results.no_persons, "learning": results.no_learning}


def answer(
    activities: QuerySet[Activity],
    dimensions: Sequence[Dimension],
    measures: Sequence[str],
    restriction: Restriction,
    *,
    with_totals: bool,
) -> Answer | None:
    """(the cells of the rows, the totals) as the engine's base-table statements give
    them, summed over the matched `activities`' cells; None when the rollups do not hold
    the question or, in this snapshot, a write is not rolled up yet."""
    if not answerable(dimensions, measures, restriction) or _split(measures)[1]:
        return None  # people are kept for the public activities only
    if not _current(activities):
        return None
    width = len(dimensions)
    # Groups that split the activities (by kind): their sums are the totals.
    adding = bool(dimensions) and all(d.one_group_per_activity for d in dimensions)
    records = _sum_records(activities, shape_name([d.name for d in dimensions]), width)
    rows = _cells(records, width)
    if not dimensions:
        overall = rows  # ungrouped: one read
    elif adding:  # no record: no cell, as the ungrouped read gives none
        sums = [record[width:] for record in records]
        overall = {(): _cell(*places.added(sums, counts=5))} if sums else {}
    else:
        overall = _sums(activities, "", 0)
    among, place = _among(activities), restriction.place
    if place is not None:
        # The activities of each cell are the grouping's own (PLACE_SHAPES); the people,
        # those of the cells by place under it.
        names = [d.name for d in dimensions]
        people, everyone = places.participants(among, place, names, with_overall=adding)
        rows = _people_under(rows, people)
        if not dimensions:
            overall = rows
        elif with_totals:
            if not adding:
                everyone = places.participants(among, place, [])[0]
            overall = _people_under(overall, everyone)
    totals = _totals(overall, measures, with_totals)
    if with_totals and "countries" in measures:
        totals["countries"] = _countries(activities.db, among)
    if with_totals and place is not None and "participants" in measures:
        totals["unattributed"] = places.unattributed(among, place)
    return _measured(rows, measures), totals


def _measured(cells: Cells, measures: Sequence[str]) -> Cells:
    """The cells the base tables answer: without `activities`, only those where a
    measure asked for counts someone (the cells of activities without anyone counted
    come from `activity_measures` alone)."""
    if "activities" in measures or "countries" in measures:
        return cells
    counted = {"participants", "people", "learning"}.intersection(measures)
    return {key: cell for key, cell in cells.items() if counted.intersection(cell)}


def _people_under(cells: Cells, people: Cells) -> Cells:
    """The cells' activities with the participations of `people` (none where it has no
    cell): each cell as the base tables give it under a restriction."""
    under: Cells = {}
    for key, cell in cells.items():
        under[key] = {"activities": cell.get("activities", 0), **people.get(key, {})}
    for key, cell in people.items():
        under.setdefault(key, {"activities": 0, **cell})
    return under


def _totals(overall: Cells, measures: Sequence[str], with_totals: bool) -> dict[str, Any]:
    totals: dict[str, Any] = {}
    if not with_totals:
        return totals
    cell = overall.get((), {})
    if "activities" in measures:
        totals["activities"] = cell.get("activities", 0)
    if "participants" in measures:
        totals["participants"] = cell.get("participants", results.no_people())
        totals[results.NAMED] = cell.get(results.NAMED, False)
        totals["unattributed"] = None  # without a place (answer() adds it with one)
    return totals


def _cell(
    n: Any,
    total: Any,
    female: Any,
    male: Any,
    not_recorded: Any,
    people: Any,
    rank: Any,
    named: Any,
) -> dict[str, Any]:
    cell: dict[str, Any] = {"activities": int(n or 0)}
    if people:
        cell["participants"] = results.people(total, female, male, not_recorded, rank)
        cell[results.NAMED] = bool(named)
    return cell


def _key(parts: Sequence[Any]) -> tuple[Any, ...]:
    return tuple(json.loads(part) for part in parts)


def _among(activities: QuerySet[Activity]) -> tuple[str, list[Any]]:
    """The condition on cells `c` of being the activities', and its parameters."""
    matched = ids_of(activities)
    return f"c.activity_id IN ({matched.sql})", matched.params


def _countries(using: str, among: tuple[str, list[Any]], *, public: bool = False) -> dict[str, Any]:
    """Counting rule 3 over the activities' cells: the distinct countries they are in
    (for the public activities, their kept sums by country), the largest "from N
    countries", and whether every activity's are known exactly."""
    condition, params = among
    if public:
        named = fetch(
            f"SELECT COUNT(*) FROM {RollupTotal._meta.db_table} "
            "WHERE shape = 'country' AND activities > 0 AND k0 <> %s",
            [NO_KEY],
        )[0][0]
    else:
        named = fetch(
            f"SELECT COUNT(DISTINCT c.k0) FROM {RollupCell._meta.db_table} c "
            f"WHERE c.shape = 'country' AND c.activities > 0 AND c.k0 <> %s AND {condition}",
            [NO_KEY, *params],
        )[0][0]
    # Two subqueries, so that each may stop early: the largest count from the end of an
    # index (for the public activities), and the first activity whose are not exact.
    cells = RollupCell._meta.db_table
    reported, inexact = fetch(
        f"SELECT (SELECT MAX(c.reported) FROM {cells} c WHERE c.shape = '' AND {condition}), "
        f"EXISTS (SELECT 1 FROM {cells} c "
        f"WHERE c.shape = '' AND NOT c.countries_exact AND {condition})",
        params + params,
    )[0]
    return results.countries(named, reported, bool(inexact))


def _sums(activities: QuerySet[Activity], shape: str, width: int) -> Cells:
    return _cells(_sum_records(activities, shape, width), width)


def _cells(records: list[tuple[Any, ...]], width: int) -> Cells:
    return {_key(record[:width]): _cell(*record[width:]) for record in records}


def _sum_records(activities: QuerySet[Activity], shape: str, width: int) -> list[tuple[Any, ...]]:
    """(keys..., activities, total, female, male, not recorded, has people, rank,
    named) of the matched activities' cells of `shape`, by their first `width` keys."""
    matched = ids_of(activities)
    keys = ["c.k0", "c.k1"][:width]
    sql = (
        f"SELECT {''.join(key + ', ' for key in keys)}SUM(c.activities), SUM(c.total), "
        "SUM(c.female), SUM(c.male), SUM(c.not_recorded), "
        "MAX(CASE WHEN c.has_people THEN 1 ELSE 0 END), MAX(c.rank), "
        "MAX(CASE WHEN c.named THEN 1 ELSE 0 END) "
        f"FROM {RollupCell._meta.db_table} c "
        f"WHERE c.shape = %s AND c.activity_id IN ({matched.sql})"
        + (f" GROUP BY {', '.join(keys)}" if keys else "")
    )
    # No cell at all: an aggregate without GROUP BY still answers, with NULLs.
    return [record for record in fetch(sql, [shape, *matched.params]) if record[width] is not None]


def _kept(
    table: str, columns: str, shape: str, width: int, at: dict[int, str] | None = None
) -> list[tuple[Any, ...]]:
    """The rows of a totals table for one grouping (`at`: those with these keys, by
    position): the first `width` keys, then `columns`."""
    keys = "".join(f"t.k{index}, " for index in range(width))
    at = at or {}
    where = "".join(f" AND t.k{index} = %s" for index in at)
    return fetch(
        f"SELECT {keys}{columns} FROM {table} t WHERE t.shape = %s{where}", [shape, *at.values()]
    )


def _public_sums(using: str, shape: str, width: int, at: dict[int, str] | None = None) -> Cells:
    records = _kept(
        RollupTotal._meta.db_table,
        "t.activities, t.total, t.female, t.male, t.not_recorded, t.with_people, "
        "CASE WHEN t.rank2 > 0 THEN 2 WHEN t.rank1 > 0 THEN 1 ELSE 0 END, t.named",
        shape,
        width,
        at,
    )
    return {_key(record[:width]): _cell(*record[width:]) for record in records}


def _person_sums(using: str, shape: str, width: int, at: dict[int, str] | None = None) -> Cells:
    records = _kept(
        PersonTotal._meta.db_table,
        "t.people, t.female, t.male, t.not_recorded, t.participations, t.assessed, "
        "t.assessed_people, t.sum_pre, t.sum_post",
        shape,
        width,
        at,
    )
    cells: Cells = {}
    for record in records:
        people, female, male, not_recorded, participations = record[width : width + 5]
        assessed, assessed_people, sum_pre, sum_post = record[width + 5 :]
        means = (
            (Decimal(sum_pre) / assessed, Decimal(sum_post) / assessed)
            if assessed
            else (None, None)
        )
        cells[_key(record[:width])] = {
            "people": results.persons(people, female, male, not_recorded, participations),
            "learning": results.learning(assessed, assessed_people, *means),
        }
    return cells
