"""Rolling the noted activities up again (`catch_up`), or every activity (`rebuild`).

One transaction reads the notes, computes the noted activities' cells with the stats
engine, replaces their rows and removes the notes it read, so that any snapshot without
notes holds rollups equal to the base tables. On PostgreSQL that transaction is
REPEATABLE READ (everything it computes, and the notes it removes, are of one snapshot;
a note committed meanwhile stays for the next catch-up), and refreshes queue on an
advisory lock, taken before the snapshot. Inside a transaction someone else opened (a
test, a service), it joins it and removes exactly the notes it read.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterable, Sequence
from contextlib import ExitStack
from typing import Any

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, transaction

from .. import counting
from ..models import Activity, RollupCell, RollupChange, RollupTotal
from ..models.rollups import NO_KEY
from ..stats import results
from ..stats.cells import activity_measures
from ..stats.dimensions import DIMENSIONS
from ..stats.matched import Matched
from ..stats.participants import participant_measures
from ..stats.request import Restriction
from . import universe
from .shapes import ACTIVITY, SHAPES, measures_of, shape_name

logger = logging.getLogger(__name__)

LOCK = 0x7AC_B0_11  # the advisory lock refreshes queue on (PostgreSQL)
# Above this many noted activities a refresh rolls up everything, in ranges of ids.
EVERYTHING_ABOVE = 2_000
CHUNK = 10_000
_RANK = {name: rank for rank, name in counting.QUALIFIER_BY_RANK.items()}


def pending(using: str = DEFAULT_DB_ALIAS) -> bool:
    """Whether a write has been noted and not yet rolled up (in this snapshot)."""
    return RollupChange.objects.using(using).exists()


def catch_up(using: str = DEFAULT_DB_ALIAS) -> bool:
    """Roll up every noted activity. True when nothing is left to roll up (as this
    connection now sees it); False when the refresh could not run (it is logged, and
    the answers count from the base tables meanwhile)."""
    if not pending(using):
        return True
    connection = connections[using]
    outside = not connection.in_atomic_block
    locked = outside and connection.vendor == "postgresql"
    started = time.monotonic()
    try:
        if locked:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_lock(%s)", [LOCK])
        try:
            with transaction.atomic(using=using):
                if locked:
                    with connection.cursor() as cursor:
                        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                noted = _roll_up_noted(using, exact_delete=not outside)
        finally:
            if locked:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s)", [LOCK])
    except DatabaseError:
        logger.warning("Rollups not refreshed: counting from the base tables", exc_info=True)
        return False
    if noted:
        logger.info("Rolled up %s in %.0f ms", noted, (time.monotonic() - started) * 1000)
    return True


def rebuild(using: str = DEFAULT_DB_ALIAS) -> None:
    """Every activity rolled up again (after a bulk load; `manage.py refresh_rollups`)."""
    RollupChange.objects.using(using).create(activity_id=None)
    catch_up(using)


def _roll_up_noted(using: str, *, exact_delete: bool) -> str:
    notes = list(RollupChange.objects.using(using).values_list("id", "activity_id"))
    if not notes:
        return ""
    ids = {activity for _, activity in notes}
    cursor = connections[using].cursor()
    if None in ids or len(ids) > EVERYTHING_ABOVE:
        RollupCell.objects.using(using).all().delete()
        RollupTotal.objects.using(using).all().delete()
        bounds = list(Activity.objects.using(using).order_by("pk").values_list("pk", flat=True))
        for start in range(0, len(bounds), CHUNK):
            part = bounds[start : start + CHUNK]
            _write(using, _cells(using, {"pk__gte": part[0], "pk__lte": part[-1]}))
        _add_to_totals(cursor, "1 = 1", [], sign="")
        described = f"all {len(bounds)} activities"
    else:
        noted = sorted(a for a in ids if a is not None)
        among = f"activity_id IN ({', '.join(['%s'] * len(noted))})"
        _add_to_totals(cursor, among, noted, sign="-")
        RollupCell.objects.using(using).filter(activity_id__in=noted).delete()
        _write(using, _cells(using, {"pk__in": noted}))
        _add_to_totals(cursor, among, noted, sign="")
        cursor.execute(f"DELETE FROM {_TOTALS} WHERE activities = 0 AND with_people = 0")
        described = f"{len(noted)} activities"
    if exact_delete:
        seen = [note for note, _ in notes]
        for start in range(0, len(seen), 5_000):
            RollupChange.objects.using(using).filter(id__in=seen[start : start + 5_000]).delete()
    else:
        # REPEATABLE READ: exactly the notes of this snapshot, those just read.
        cursor.execute(f"DELETE FROM {RollupChange._meta.db_table}")
    cursor.close()
    return described


_CELLS = RollupCell._meta.db_table
_TOTALS = RollupTotal._meta.db_table
_SUMMED = {
    "activities": "activities",
    "total": "total",
    "female": "female",
    "male": "male",
    "not_recorded": "not_recorded",
    "with_people": "CASE WHEN has_people THEN 1 ELSE 0 END",
    "rank1": "CASE WHEN rank = 1 THEN 1 ELSE 0 END",
    "rank2": "CASE WHEN rank = 2 THEN 1 ELSE 0 END",
    "named": "CASE WHEN named THEN 1 ELSE 0 END",
}


def _add_to_totals(cursor: Any, where: str, params: list[Any], *, sign: str) -> None:
    """Add (sign "") or subtract (sign "-") the public cells matching `where` to the
    totals, cell by cell (an upsert on the cell's key)."""
    columns = ", ".join(_SUMMED)
    sums = ", ".join(f"{sign}SUM({expression})" for expression in _SUMMED.values())
    updates = ", ".join(f"{column} = {_TOTALS}.{column} + excluded.{column}" for column in _SUMMED)
    cursor.execute(
        f"INSERT INTO {_TOTALS} (shape, k0, k1, {columns}) "
        f"SELECT shape, k0, k1, {sums} FROM {_CELLS} WHERE public AND {where} "
        "GROUP BY shape, k0, k1 "
        f"ON CONFLICT (shape, k0, k1) DO UPDATE SET {updates}",
        params,
    )


def _cells(using: str, which: dict[str, Any]) -> Iterable[RollupCell]:
    activities = Activity.objects.using(using).filter(**which)
    public = set(universe.public().using(using).filter(**which).values_list("pk", flat=True))
    matched = Matched.of(activities, Restriction())
    for shape in SHAPES:
        yield from _shape_cells(matched, shape, public)


def _shape_cells(matched: Matched, shape: Sequence[str], public: set[int]) -> Iterable[RollupCell]:
    dimensions = [ACTIVITY, *(DIMENSIONS[name] for name in shape)]
    measures = measures_of(shape)
    cells: dict[tuple[Any, ...], dict[str, Any]] = {}
    with ExitStack() as stack:
        prepared = [stack.enter_context(dimension.prepared()) for dimension in dimensions]
        if "activities" in measures:
            for key, values in activity_measures(matched, prepared).items():
                cells.setdefault(key, {})["activities"] = values["activities"]
        if "participants" in measures:
            for key, values in participant_measures(matched, prepared).items():
                cells.setdefault(key, {}).update(values)
    name = shape_name(shape)
    for key, values in cells.items():
        keys = [json.dumps(part) for part in key[1:]]
        keys += [NO_KEY] * (2 - len(keys))
        people = values.get("participants")
        yield RollupCell(
            shape=name,
            activity_id=key[0],
            k0=keys[0],
            k1=keys[1],
            public=key[0] in public,
            activities=min(int(values.get("activities", 0)), 1),
            total=people["total"] if people else 0,
            female=people["female"] if people else 0,
            male=people["male"] if people else 0,
            not_recorded=people["not_recorded"] if people else 0,
            has_people=people is not None,
            rank=_RANK[people["qualifier"]] if people else 0,
            named=bool(values.get(results.NAMED, False)),
        )


def _write(using: str, cells: Iterable[RollupCell]) -> None:
    batch: list[RollupCell] = []
    for cell in cells:
        batch.append(cell)
        if len(batch) >= 5_000:
            RollupCell.objects.using(using).bulk_create(batch)
            batch = []
    if batch:
        RollupCell.objects.using(using).bulk_create(batch)
