"""The statements that compute activities' cells, built once per process.

Rolling up one written activity runs one statement per grouping and measure (about
thirty). Building them with Django's ORM cost more than running them: at 100,000
activities, 36 of the 60 ms of a catch-up. Their text does not depend on which
activities are rolled up, only on how many (their ids are parameters) and on the years a
grouping by year has keys for (inlined; read once per catch-up, and the statements
built with what was read). So they are built once for stand-in ids, kept, and run again
with the real ids in their places. On PostgreSQL those of a few ids are also prepared,
planned once per connection (stats.sql.fetch_prepared): planning them took three times
as long as running them.

What they compute is the engine's (stats/cells.py, stats/participants.py): the same
statements, read the same way; only their building is saved.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, replace
from typing import Any

from django.db import connections
from psycopg.types.numeric import Int8

from ..models import Activity
from ..stats.cells import activity_statement
from ..stats.dimensions import DIMENSIONS, Dimension, YearDimension
from ..stats.matched import Matched
from ..stats.participants import participant_statement
from ..stats.request import Restriction
from ..stats.sql import Statement
from .shapes import (
    ACTIVITY,
    PLACE,
    PLACE_SHAPES,
    SHAPES,
    layout,
    measures_of,
    place_shape_name,
    shape_name,
)

Batch = list[int] | tuple[int, int]  # some ids, or every id from one to the other

# Batches of up to this many scattered ids keep their statements (a write names a few
# activities); bigger ones, rare and costly anyway, build them each time.
KEPT_SIZES = 16
KEPT_AT_MOST = 64  # sets of statements kept per process (sizes x calendars x databases)
_STAND_IN = -7_000_000_001  # the first stand-in id; no activity's id is negative


@dataclass(frozen=True)
class _Slot:
    """Where the n-th id of the batch goes in a statement's parameters."""

    index: int


@dataclass(frozen=True)
class Grouping:
    """The statements of one grouping's cells, and the name its cells are kept under."""

    name: str
    shape: tuple[str, ...]
    statements: tuple[Statement, ...]


_kept: dict[tuple[Any, ...], tuple[Grouping, ...]] = {}


def groupings(using: str, batch: Batch) -> Iterator[Grouping]:
    """Each grouping's statements for the activities of `batch`, ready to run."""
    ids = list(batch)
    if isinstance(batch, list) and len(batch) > KEPT_SIZES:
        yield from _build(using, batch)
        return
    form = "range" if isinstance(batch, tuple) else len(batch)
    year = DIMENSIONS["year"]
    assert isinstance(year, YearDimension)
    # Read once, and the statements built with these very dates: read again while they
    # are built, a write committed meanwhile (READ COMMITTED, inside a caller's
    # transaction) would have them kept under dates they were not built with.
    year = year.at(year.dates())
    key = (using, connections[using].vendor, form, year.dates(), layout())
    kept = _kept.get(key)
    if kept is None:
        kept = _templates(using, batch, year)
        if kept is None:  # not every id a parameter of every statement: nothing kept
            yield from _build(using, batch, year)
            return
        if len(_kept) >= KEPT_AT_MOST:
            _kept.clear()
        _kept[key] = kept
    # A few ids (a write's): prepared, planned once per connection (stats.sql.
    # fetch_prepared), the plan fits any few. A range (a sheet's new people, a bulk
    # load) may hold one id or a million: planned for its own.
    prepared = isinstance(batch, list)
    for grouping in kept:
        yield replace(
            grouping,
            statements=tuple(
                replace(
                    statement, params=_filled(statement.params, ids, prepared), prepared=prepared
                )
                for statement in grouping.statements
            ),
        )


def _templates(using: str, batch: Batch, year: YearDimension) -> tuple[Grouping, ...] | None:
    """The groupings' statements built for stand-in ids, each stand-in replaced by the
    slot of the id it stands for. None unless every stand-in is a parameter of every
    statement, and none is in a statement's text (the ORM passes values as parameters,
    but drops a bound it finds out of its column's range)."""
    stand_ins = [_STAND_IN - index for index in range(len(batch) if isinstance(batch, list) else 2)]
    stand_in_batch: Batch = stand_ins if isinstance(batch, list) else (stand_ins[0], stand_ins[1])
    slots = {stand_in: _Slot(index) for index, stand_in in enumerate(stand_ins)}
    templates = []
    for grouping in _build(using, stand_in_batch, year):
        statements = []
        for statement in grouping.statements:
            if any(str(stand_in) in statement.sql for stand_in in stand_ins):
                return None
            if not set(stand_ins) <= {p for p in statement.params if _is_id(p)}:
                return None
            params = [
                slots.get(param, param) if _is_id(param) else param for param in statement.params
            ]
            statements.append(replace(statement, params=params))
        templates.append(replace(grouping, statements=tuple(statements)))
    return tuple(templates)


def _is_id(param: Any) -> bool:
    return isinstance(param, int) and not isinstance(param, bool)


def _filled(params: Sequence[Any], ids: list[int], prepared: bool = False) -> list[Any]:
    """The params with the ids in their slots. Prepared, each id is sent as a bigint:
    psycopg keys a prepared statement by its text and its parameters' types, and sends
    a plain int as the smallest type that holds it, so ids either side of 32,767 would
    prepare the same statement twice."""
    if prepared:
        ids = [Int8(id_) for id_ in ids]
    return [ids[param.index] if isinstance(param, _Slot) else param for param in params]


def owned(field: str, batch: Batch) -> dict[str, Any]:
    """The filter of the records whose `field` is among the batch's ids."""
    if isinstance(batch, tuple):
        return {f"{field}__gte": batch[0], f"{field}__lte": batch[1]}
    return {f"{field}__in": batch}


def owned_sql(column: str, batch: Batch) -> tuple[str, list[Any]]:
    """`owned` in SQL: the condition that `column` is among the batch's ids, and its
    parameters."""
    if isinstance(batch, tuple):
        return f"{column} BETWEEN %s AND %s", list(batch)
    return f"{column} IN ({', '.join(['%s'] * len(batch))})", list(batch)


def _build(using: str, batch: Batch, year: YearDimension | None = None) -> Iterator[Grouping]:
    """Each grouping's statements for the activities of `batch`, built now (by year:
    `year`, the dimension with the activities' dates read already, if given)."""
    activities = Activity.objects.using(using).filter(**owned("pk", batch))
    matched = Matched.of(activities, Restriction())
    dimensions = {**DIMENSIONS, **({"year": year} if year is not None else {})}
    for shape in SHAPES:
        statements = _statements(matched, [dimensions[name] for name in shape], by_place=False)
        yield Grouping(shape_name(shape), shape, statements)
    for shape in PLACE_SHAPES:
        statements = _statements(matched, [dimensions[name] for name in shape], by_place=True)
        yield Grouping(place_shape_name(shape), shape, statements)


def _statements(
    matched: Matched, grouping: Sequence[Dimension], *, by_place: bool
) -> tuple[Statement, ...]:
    """One grouping's statements: by activity (and, `by_place`, by the place each row is
    attributed to), then the grouping's own dimensions."""
    shape = [dimension.name for dimension in grouping]
    dimensions = [ACTIVITY, PLACE, *grouping] if by_place else [ACTIVITY, *grouping]
    measures = ("participants",) if by_place else measures_of(shape)
    statements = []
    with ExitStack() as stack:
        prepared = [stack.enter_context(dimension.prepared()) for dimension in dimensions]
        if "activities" in measures:
            # Only the ungrouped cell's countries are read ("from N countries", and
            # whether they are exact: read._countries); the groupings' are not kept.
            statements.append(activity_statement(matched, prepared, countries=not shape))
        if "participants" in measures:
            statements.append(participant_statement(matched, prepared))
    return tuple(statements)
