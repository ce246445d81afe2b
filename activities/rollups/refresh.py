"""Rolling the noted activities up again (`catch_up`), or every activity (`rebuild`).

One transaction reads the notes, computes the noted activities' cells with the stats
engine, replaces their rows and removes the notes it read, so that any snapshot without
notes holds rollups equal to the base tables. On PostgreSQL that transaction is
REPEATABLE READ (everything it computes, and the notes it removes, are of one snapshot;
a note committed meanwhile stays for the next catch-up), and refreshes queue on an
advisory lock, taken before the snapshot. Inside a transaction someone else opened (a
test, a service), it joins it and removes exactly the notes it read. The same
transaction keeps where each refreshed activity is and moves on the versions of its
places (footprints.py), under which answers restricted to a place are kept.
"""

from __future__ import annotations

import itertools
import json
import logging
import time
from collections.abc import Callable, Iterable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, replace
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, models, transaction

from tacbapp.replicas import read_alias

from .. import counting
from ..models import (
    Activity,
    ActivityPlace,
    Attendance,
    Participant,
    PersonCell,
    PersonTotal,
    RollupCell,
    RollupChange,
    RollupTotal,
)
from ..models.rollups import NO_KEY
from ..stats import results
from ..stats.dimensions import DIMENSIONS
from ..stats.matched import Matched
from ..stats.people import PERSON_SUMS, person_statement
from ..stats.request import Restriction
from ..stats.sql import fetch, group_key
from . import footprints, statements, universe, within
from .shapes import (
    HOME_SHAPES,
    LAYOUT_SHAPE,
    PERSON,
    PERSON_SHAPES,
    YEARS,
    home_shape_name,
    layout,
    shape_name,
)
from .statements import Batch, owned

logger = logging.getLogger(__name__)

LOCK = 0x7AC_B0_11  # the advisory lock refreshes queue on (PostgreSQL)
CHUNK = 10_000  # activities rolled up at a time, in a range of ids
# A rebuild reads every key table whole in each chunk's statements: at a million
# activities, chunks of 10,000 made that a hundred times (the activities alone took more
# than 16 minutes, against 2 for everything at 100,000); chunks of 100,000, ten times.
REBUILD_CHUNK = 100_000
PERSON_REBUILD_CHUNK = 250_000
ID_CHUNK = 2_000  # scattered ids refreshed at a time (they are parameters)
DENSE_GAP, DENSE_RUN = 4, 200  # a run of 200 ids or more, 4 apart at most: a range
# The columns the cells are written in (tuples, not model instances: a sheet of 50,000
# people is 390,000 cells, and a model instance costs ten times a tuple).
CELL_COLUMNS = (
    "shape", "activity_id", "k0", "k1", "public", "activities", "total", "female", "male",
    "not_recorded", "has_people", "rank", "named", "reported", "countries_exact",
)  # fmt: skip
PERSON_COLUMNS = (
    "shape", "participant_id", "k0", "k1", "female", "male", "not_recorded",
    "participations", "assessed", "sum_pre", "sum_post",
)  # fmt: skip
Cell = tuple[Any, ...]
_RANK = {name: rank for rank, name in counting.QUALIFIER_BY_RANK.items()}


def pending(using: str = DEFAULT_DB_ALIAS) -> bool:
    """Whether a write has been noted and not yet rolled up (in this snapshot)."""
    return RollupChange.objects.using(using).exists()


def noted_at_most(limit: int, using: str = DEFAULT_DB_ALIAS) -> bool:
    """Whether at most `limit` notes wait (one query, reading at most limit + 1)."""
    return RollupChange.objects.using(using)[: limit + 1].count() <= limit


def catch_up(
    using: str = DEFAULT_DB_ALIAS,
    *,
    everything: bool = False,
    wait: bool = True,
    patience: float = 0.0,
) -> bool:
    """Roll up every noted activity and person. True when nothing is left to roll up
    (as this connection now sees it); False when the refresh could not run (it is
    logged, and the answers count from the base tables meanwhile).

    A note of everything (a place's or a theme's grouping changed) is rolled up only
    with `everything` (`manage.py refresh_rollups`, a migrate): at a million rows it
    takes minutes, more than a web request may. Until then answers count from the base
    tables, as exactly and more slowly. `wait=False` (a reader): if another refresh is
    under way, do not queue behind it for longer than `patience` seconds; answer from
    the base tables meanwhile."""
    try:
        if not pending(using):
            return True
        if not everything and _everything_noted(using):
            logger.warning("A grouping changed: run `manage.py refresh_rollups` to roll up")
            return False
    except DatabaseError:
        logger.warning("Rollups not checked: counting from the base tables", exc_info=True)
        return False
    connection = connections[using]
    outside = not connection.in_atomic_block
    locked = outside and connection.vendor == "postgresql"
    started = time.monotonic()
    try:
        if locked:
            with connection.cursor() as cursor:
                if wait:
                    cursor.execute("SELECT pg_advisory_lock(%s)", [LOCK])
                elif not _try_lock(cursor, patience):
                    return False
        try:
            with transaction.atomic(using=using):
                if locked:  # its own transaction (a caller's keeps its settings)
                    with connection.cursor() as cursor:
                        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                        if settings.PREPARED_STATEMENTS:
                            # The prepared statements of a write's few ids (statements.py)
                            # planned once, not at each of their first five runs as well.
                            cursor.execute("SET LOCAL plan_cache_mode = force_generic_plan")
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


# A reader waits this long for a refresh under way (a write's takes tens of
# milliseconds) rather than count from the base tables (seconds at 100,000 activities),
# unless more notes wait than a writing request rolls up before it answers (an imported
# sheet's, rolled up after its response: longer than the base tables take).
READER_PATIENCE_SECONDS = 1.0
READER_WAITS_FOR_AT_MOST = 2_000


def before_reading(using: str = DEFAULT_DB_ALIAS) -> None:
    """Before a reader's answer opens its snapshot (a page's, an API response's: answer_
    cache; the engine's own, outside those): the writes noted and not yet rolled up are
    rolled up first, on the primary, outside that snapshot. Rolled up inside it, a
    refresh that a writer committed meanwhile made this one fail (REPEATABLE READ: "could
    not serialize access"), and the answer counted from the base tables. One query when
    nothing waits; none on a replica, which cannot roll up (it counts from the base
    tables until it has replayed the primary's refresh)."""
    if not (settings.ROLLUPS and settings.ROLLUPS_READERS_CATCH_UP) or read_alias() != using:
        return
    try:
        if not pending(using) or _everything_noted(using):
            return  # a grouping changed: refresh_rollups rolls that up (catch_up warns)
        few = noted_at_most(READER_WAITS_FOR_AT_MOST, using)
    except DatabaseError:
        logger.warning("Rollups not checked: counting from the base tables", exc_info=True)
        return
    catch_up(using, wait=False, patience=READER_PATIENCE_SECONDS if few else 0.0)


# A reader that waits for a refresh under way tries the lock again after 5 ms, then
# less and less often (a write's refresh takes tens of milliseconds; many readers
# polling fast would load the database that runs it).
_LOCK_POLL_SECONDS = (0.005, 0.01, 0.02, 0.05)


def _try_lock(cursor: Any, patience: float) -> bool:
    """The refreshes' lock, if it is free now or within `patience` seconds."""
    deadline = time.monotonic() + patience
    for attempt in itertools.count():
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [LOCK])
        if cursor.fetchone()[0]:
            return True
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        pause = _LOCK_POLL_SECONDS[min(attempt, len(_LOCK_POLL_SECONDS) - 1)]
        time.sleep(min(pause, left))
    return False  # pragma: no cover - the loop returns


def rebuild(using: str = DEFAULT_DB_ALIAS, **kwargs: Any) -> None:
    """Everything rolled up again: after a migrate (connected in apps.py), a bulk load,
    a change of groupings (`manage.py refresh_rollups`)."""
    if RollupChange._meta.db_table not in connections[using].introspection.table_names():
        return  # before the migration that makes the rollups
    RollupChange.objects.using(using).create(activity_id=None, participant_id=None)
    catch_up(using, everything=True)


def _everything_noted(using: str) -> bool:
    notes = RollupChange.objects.using(using)
    return notes.filter(activity_id=None, participant_id=None).exists()


def _roll_up_noted(using: str, *, exact_delete: bool) -> str:
    if not exact_delete and _everything_noted(using):
        # Everything again: the notes need not be read (a bulk load leaves tens of
        # millions; reading them cost minutes and gigabytes). REPEATABLE READ: exactly
        # the notes of this snapshot go.
        cursor = connections[using].cursor()
        _rebuild_activities(using, cursor)
        _rebuild_persons(using, cursor)
        _mark_layout(using)
        _analyze(using, cursor)
        cursor.execute(f"DELETE FROM {RollupChange._meta.db_table}")
        cursor.close()
        return "every activity and person"
    rows = list(
        RollupChange.objects.using(using).values_list(
            "id", "activity_id", "participant_id", "people"
        )
    )
    if not rows:
        return ""
    notes = [(note, a, p) for note, a, p, _ in rows]
    everything = any(a is None and p is None for _, a, p in notes)
    activities = sorted({a for _, a, _ in notes if a is not None})
    # The activities whose people's cells may have moved (not only their rows).
    of_people = {a for _, a, _, people in rows if a is not None and people}
    persons = {p for _, _, p in notes if p is not None}
    cursor = connections[using].cursor()
    if everything:
        _rebuild_activities(using, cursor)
        _rebuild_persons(using, cursor)
        _mark_layout(using)
        _analyze(using, cursor)
        described = "every activity and person"
    else:
        for batch in _batches(activities):
            _refresh(cursor, _ACTIVITY_TABLES, batch, lambda f: _cells(using, f))
            footprints.refresh(cursor, batch)
        # The people of the activities noted for more than their beneficiary rows, as
        # they attend now (those who no longer do were noted themselves, by the
        # attendance written).
        if of_people:
            attending = Attendance.objects.using(using).filter(activity_id__in=of_people)
            persons.update(attending.values_list("participant_id", flat=True).distinct())
        for batch in _batches(sorted(persons)):
            _refresh(cursor, _PERSON_TABLES, batch, lambda f: _person_cells(using, f))
        described = f"{len(activities)} activities, {len(persons)} people"
    if exact_delete:
        seen = [note for note, _, _ in notes]
        for start in range(0, len(seen), 5_000):
            RollupChange.objects.using(using).filter(id__in=seen[start : start + 5_000]).delete()
    else:
        # REPEATABLE READ: exactly the notes of this snapshot, those just read.
        cursor.execute(f"DELETE FROM {RollupChange._meta.db_table}")
    cursor.close()
    return described


def _mark_layout(using: str) -> None:
    """Say which groupings the rollups now hold (read._current checks it)."""
    totals = RollupTotal.objects.using(using)
    totals.filter(shape=LAYOUT_SHAPE).delete()
    totals.create(shape=LAYOUT_SHAPE, k0=layout(), activities=1)


def _analyze(using: str, cursor: Any) -> None:
    """Fresh statistics for the tables a rebuild rewrote whole (PostgreSQL): with those
    of before, a grouping new to them looks empty to the planner, which then chose a
    nested loop over every matched activity (minutes, against 0.1 s)."""
    if connections[using].vendor != "postgresql":
        return
    for model in (RollupCell, RollupTotal, PersonCell, PersonTotal, ActivityPlace):
        cursor.execute(f"ANALYZE {model._meta.db_table}")


@dataclass(frozen=True)
class _Tables:
    model: type[models.Model]
    columns: tuple[str, ...]
    cells: str
    totals: str
    owner: str  # the cells' column naming whose they are
    summed: dict[str, str]  # total's column: the cells' expression it sums
    public_only: str  # the condition on cells that count in the totals


def _batches(ids: list[int]) -> list[Batch]:
    """Sorted ids as ranges where they run dense (a sheet's new people, a bulk load: a
    few statements per range, whatever its size), the scattered rest as lists."""
    runs: list[list[int]] = []
    for owner in ids:
        if runs and owner - runs[-1][-1] <= DENSE_GAP and len(runs[-1]) < CHUNK:
            runs[-1].append(owner)
        else:
            runs.append([owner])
    batches: list[Batch] = [(run[0], run[-1]) for run in runs if len(run) >= DENSE_RUN]
    scattered = [owner for run in runs if len(run) < DENSE_RUN for owner in run]
    batches += [scattered[i : i + ID_CHUNK] for i in range(0, len(scattered), ID_CHUNK)]
    return batches


def _refresh(
    cursor: Any, tables: _Tables, batch: Batch, cells: Callable[[Batch], Iterable[Any]]
) -> None:
    """Replace the cells of a batch of owners (activities or persons), moving the totals
    by the difference: the old cells subtracted, the new ones added."""
    among, params = statements.owned_sql(tables.owner, batch)
    emptied = _add_to_totals(cursor, tables, among, params, sign="-")
    cursor.execute(f"DELETE FROM {tables.cells} WHERE {among}", params)
    _write(tables.model, tables.columns, cells(batch))
    emptied |= _add_to_totals(cursor, tables, among, params, sign="")
    _delete_empty(cursor, tables, sorted(emptied))


def _empty(tables: _Tables) -> str:
    """The condition of a totals row that sums nothing (the score sums follow the counts)."""
    return " AND ".join(f"{column} = 0" for column in tables.summed if column != "sum_pre")


def _delete_empty(cursor: Any, tables: _Tables, keys: Sequence[tuple[str, str, str]]) -> None:
    """Delete the totals rows of these keys that sum nothing now. Only the rows a refresh
    moved can have become empty: reading every row for them cost 3 ms a refresh."""
    for start in range(0, len(keys), 500):
        part = keys[start : start + 500]
        rows = ", ".join(["(%s, %s, %s)"] * len(part))
        cursor.execute(
            f"DELETE FROM {tables.totals} WHERE {_empty(tables)} "
            f"AND (shape, k0, k1) IN (VALUES {rows})",
            [value for key in part for value in key],
        )


def _rebuild_activities(using: str, cursor: Any) -> None:
    ids = list(Activity.objects.using(using).order_by("pk").values_list("pk", flat=True))
    _rebuild(cursor, _ACTIVITY_TABLES, ids, REBUILD_CHUNK, lambda lo, hi: _cells(using, (lo, hi)))
    footprints.rebuild(cursor)


def _rebuild_persons(using: str, cursor: Any) -> None:
    ids = list(Participant.objects.using(using).order_by("pk").values_list("pk", flat=True))
    _rebuild(
        cursor,
        _PERSON_TABLES,
        ids,
        PERSON_REBUILD_CHUNK,
        lambda lo, hi: _person_cells(using, (lo, hi)),
    )


def _rebuild(
    cursor: Any,
    tables: _Tables,
    ids: list[int],
    chunk: int,
    cells_between: Callable[[int, int], Iterable[Any]],
) -> None:
    """Every cell and total made again, the owners' cells computed by ranges of ids."""
    cursor.execute(f"DELETE FROM {tables.cells}")
    cursor.execute(f"DELETE FROM {tables.totals}")
    for start in range(0, len(ids), chunk):
        part = ids[start : start + chunk]
        _write(tables.model, tables.columns, cells_between(part[0], part[-1]))
    _add_to_totals(cursor, tables, "1 = 1", [], sign="")
    cursor.execute(f"DELETE FROM {tables.totals} WHERE {_empty(tables)}")


_ACTIVITY_TABLES = _Tables(
    model=RollupCell,
    columns=CELL_COLUMNS,
    cells=RollupCell._meta.db_table,
    totals=RollupTotal._meta.db_table,
    owner="activity_id",
    summed={
        "activities": "activities",
        "total": "total",
        "female": "female",
        "male": "male",
        "not_recorded": "not_recorded",
        "with_people": "CASE WHEN has_people THEN 1 ELSE 0 END",
        "rank1": "CASE WHEN rank = 1 THEN 1 ELSE 0 END",
        "rank2": "CASE WHEN rank = 2 THEN 1 ELSE 0 END",
        "named": "CASE WHEN named THEN 1 ELSE 0 END",
    },
    public_only="public",
)
_PERSON_TABLES = _Tables(
    model=PersonCell,
    columns=PERSON_COLUMNS,
    cells=PersonCell._meta.db_table,
    totals=PersonTotal._meta.db_table,
    owner="participant_id",
    summed={
        "people": "1",
        "female": "female",
        "male": "male",
        "not_recorded": "not_recorded",
        "participations": "participations",
        "assessed": "assessed",
        "assessed_people": "CASE WHEN assessed > 0 THEN 1 ELSE 0 END",
        "sum_pre": "sum_pre",
        "sum_post": "sum_post",
    },
    public_only="1 = 1",  # persons' cells are of the public activities only
)


def _add_to_totals(
    cursor: Any, tables: _Tables, where: str, params: list[Any], *, sign: str
) -> set[tuple[str, str, str]]:
    """Add (sign "") or subtract (sign "-") the cells matching `where` to the totals,
    cell by cell (an upsert on the cell's key); the keys of the rows it left summing
    nothing."""
    columns = ", ".join(tables.summed)
    sums = ", ".join(f"{sign}SUM({expression})" for expression in tables.summed.values())
    updates = ", ".join(
        f"{column} = {tables.totals}.{column} + excluded.{column}" for column in tables.summed
    )
    cursor.execute(
        f"INSERT INTO {tables.totals} (shape, k0, k1, {columns}) "
        f"SELECT shape, k0, k1, {sums} FROM {tables.cells} "
        f"WHERE {tables.public_only} AND {where} GROUP BY shape, k0, k1 "
        f"ON CONFLICT (shape, k0, k1) DO UPDATE SET {updates} "
        f"RETURNING shape, k0, k1, CASE WHEN {_empty(tables)} THEN 1 ELSE 0 END",
        params,
    )
    return {(shape, k0, k1) for shape, k0, k1, empty in cursor.fetchall() if empty}


def _json(part: Any) -> str:
    """A group key as JSON ("null", 12, "kind"), the way the readers parse it back."""
    return str(part) if isinstance(part, int) else json.dumps(part)


def _keys(key: Sequence[Any]) -> list[str]:
    """The cell's group keys after the owner's, as k0 and k1."""
    return [*(_json(part) for part in key[1:]), NO_KEY, NO_KEY][:2]


def _cells(using: str, batch: Batch) -> Iterable[Cell]:
    which = owned("pk", batch)
    public = set(universe.public().using(using).filter(**which).values_list("pk", flat=True))
    seen = within.Seen(public)
    for grouping in statements.groupings(using, batch):
        for cell in _grouping_cells(grouping, public):
            seen.add(cell)
            yield cell
    yield from seen.cells(using, batch)


def _grouping_cells(grouping: statements.Grouping, public: set[int]) -> Iterable[Cell]:
    """(CELL_COLUMNS) of each activity's cells of one grouping (statements.py)."""
    cells: dict[tuple[Any, ...], dict[str, Any]] = {}
    for statement in grouping.statements:
        for key, values in statement.run().items():
            cells.setdefault(key, {}).update(values)
    shape, name = grouping.shape, grouping.name
    for key, values in cells.items():
        people = values.get("participants") or results.no_people()
        countries = values.get("countries")
        yield (
            name,
            key[0],
            *_keys(key),
            key[0] in public,
            min(int(values.get("activities", 0)), 1),
            people["total"],
            people["female"],
            people["male"],
            people["not_recorded"],
            "participants" in values,
            _RANK[people["qualifier"]],
            bool(values.get(results.NAMED, False)),
            countries["reported_max"] if countries and not shape else None,
            countries["qualifier"] == counting.QUALIFIER_EXACT if countries else True,
        )


def _person_cells(using: str, batch: Batch) -> Iterable[Cell]:
    """(PERSON_COLUMNS) of the persons' cells over the public activities, one per person
    and cell."""
    which = owned("participant_id", batch)
    matched = Matched.of(universe.public().using(using), Restriction())
    matched = replace(matched, attendance_in=matched.attendance_in.filter(**which))
    for shape in PERSON_SHAPES:
        dimensions = [PERSON, *(DIMENSIONS[name] for name in shape)]
        with ExitStack() as stack:
            prepared = [stack.enter_context(dimension.prepared()) for dimension in dimensions]
            sql, params, keys = person_statement(matched, prepared, PERSON_SUMS)
            records = fetch(sql, params)
        yield from _person_rows(shape_name(shape), records, len(keys))
    yield from _home_cells(using, batch)


def _home_cells(using: str, batch: Batch) -> Iterable[Cell]:
    """The persons' cells by home country (shapes.HOME_SHAPES): the batch's persons at
    the public activities in their own country (counting rule 3 for that country,
    `counting.in_own_country`), by person and country (rule 9: a country's people are
    those from it), one statement per grouping for every country at once."""
    matched = Matched.of(universe.public().using(using), Restriction())
    attending = matched.attendance_in.filter(**owned("participant_id", batch))
    matched = replace(matched, attendance_in=attending.filter(counting.in_own_country()))
    for shape in HOME_SHAPES:
        dimensions = [PERSON, DIMENSIONS["country"], *(YEARS for _ in shape)]
        sql, params, keys = person_statement(matched, dimensions, PERSON_SUMS)
        yield from _person_rows(home_shape_name(shape), fetch(sql, params), len(keys))


def _person_rows(name: str, records: Iterable[Sequence[Any]], width: int) -> Iterable[Cell]:
    """(PERSON_COLUMNS) of a statement's records: the person, the cell's keys, then
    PERSON_SUMS."""
    for record in records:
        key = [group_key(part) for part in record[:width]]
        sex, participations, assessed, sum_pre, sum_post = record[width:]
        yield (
            name,
            key[0],
            *_keys(key),
            int(sex == "female"),
            int(sex == "male"),
            int(sex not in ("female", "male")),
            participations,
            assessed or 0,
            sum_pre or 0,
            sum_post or 0,
        )


def _write(model: type[models.Model], columns: Sequence[str], cells: Iterable[Cell]) -> None:
    """Insert the cells: with COPY on PostgreSQL (a million rows of a rebuild in
    seconds, not minutes of INSERT statements), in batches of INSERTs on SQLite."""
    connection = connections[DEFAULT_DB_ALIAS]
    batch: list[Cell] = []
    for cell in cells:
        batch.append(cell)
        if len(batch) >= 20_000:
            _insert(connection, model, columns, batch)
            batch = []
    if batch:
        _insert(connection, model, columns, batch)


def _insert(
    connection: Any, model: type[models.Model], columns: Sequence[str], batch: list[Cell]
) -> None:
    if connection.vendor != "postgresql":
        model._default_manager.bulk_create(
            [model(**dict(zip(columns, cell, strict=True))) for cell in batch], batch_size=2_000
        )
        return
    connection.ensure_connection()
    with (
        connection.connection.cursor() as cursor,
        cursor.copy(f"COPY {model._meta.db_table} ({', '.join(columns)}) FROM STDIN") as copy,
    ):
        for cell in batch:
            copy.write_row(cell)
