"""SQL building blocks of the engine: a relation is a subquery with its parameters."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import psycopg
from django.conf import settings
from django.db import connections, transaction
from django.db.models import QuerySet

from tacbapp.replicas import on_replica, read_alias


@dataclass
class Relation:
    """A SQL subquery with its parameters, to be pasted into a larger statement."""

    sql: str
    params: list[Any] = field(default_factory=list)


Rows = list[tuple[Any, ...]]


def ids_sql(activities: QuerySet[Any]) -> tuple[str, tuple[Any, ...]]:
    """The SELECT of the records' ids, (sql, params), compiled once for the queryset:
    the answer cache's key and the rollups' recognition of a public set both read it
    (a clone, which may filter further, compiles its own)."""
    kept: tuple[str, tuple[Any, ...]] | None = getattr(activities, "_ids_sql", None)
    if kept is None:
        sql, params = activities.order_by().values("pk").query.sql_with_params()
        kept = (sql, tuple(params))
        activities._ids_sql = kept  # type: ignore[attr-defined]
    return kept


@dataclass(frozen=True)
class Statement:
    """One statement of the engine, and how its rows become cells: built and read apart,
    so that a caller running the same statement again and again (the rollups, for each
    activity written) can keep it built (rollups/refresh.py)."""

    sql: str
    params: list[Any]
    read: Callable[[Rows], dict[tuple[Any, ...], dict[str, Any]]]
    prepared: bool = False  # run again and again with other parameters: fetch_prepared

    def run(self) -> dict[tuple[Any, ...], dict[str, Any]]:
        rows = (
            fetch_prepared(self.sql, self.params) if self.prepared else fetch(self.sql, self.params)
        )
        return self.read(rows)


def relation(queryset: QuerySet[Any]) -> Relation:
    sql, params = queryset.order_by().query.sql_with_params()
    return Relation(sql, list(params))


def union_all(*querysets: QuerySet[Any]) -> Relation:
    """UNION ALL of the querysets' rows. Only for relations that feed COUNT(DISTINCT)
    and MAX, which duplicates cannot change, so the sort a plain UNION needs is saved."""
    parts = [relation(qs) for qs in querysets]
    return Relation(
        " UNION ALL ".join(f"SELECT * FROM ({part.sql}) u{i}" for i, part in enumerate(parts)),
        [param for part in parts for param in part.params],
    )


def fetch(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    """The rows of a statement, on the database this request reads from (a replica?)."""
    with connections[read_alias()].cursor() as cursor:
        cursor.execute(sql, params)
        rows: list[tuple[Any, ...]] = cursor.fetchall()
        return rows


def fetch_prepared(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    """The rows of a statement that runs again and again with other parameters (the
    rollups', for each activity written): on PostgreSQL prepared once per connection, so
    that the server plans it once, not at every run. At 100,000 activities, planning the
    rollups' statements for one activity took three times as long as running them.

    Django binds parameters on the client (the text sent holds the values), which
    cannot be prepared: this statement is bound on the server instead, through Django's
    own cursor wrapper (its errors, its query log and counts). PREPARED_STATEMENTS=0
    turns it off, for a pooler that does not keep a connection's prepared statements
    (PgBouncer before 1.22 in transaction mode)."""
    connection = connections[read_alias()]
    if connection.vendor != "postgresql" or not settings.PREPARED_STATEMENTS:
        return fetch(sql, params)
    connection.ensure_connection()
    connection.validate_thread_sharing()
    raw = connection.connection
    if raw.prepare_threshold is None:
        # Django turns psycopg's preparing off (None), which `prepare=True` obeys too.
        # Its own cursors bind on the client and never prepare, whatever this says.
        raw.prepare_threshold = _NOT_BY_COUNT
        # A write's statements are about 23 per number of ids written (up to 16).
        raw.prepared_max = max(raw.prepared_max, _PREPARED_AT_MOST)
    cursor: Any = _PreparingCursor(raw)  # the stubs expect Django's wrapper of one
    wrapped = (
        connection.make_debug_cursor(cursor)
        if connection.queries_logged
        else connection.make_cursor(cursor)
    )
    with wrapped:
        wrapped.execute(sql, params)
        rows: list[tuple[Any, ...]] = wrapped.fetchall()
        return rows


# No statement is prepared for being run often, only those run with prepare=True.
_NOT_BY_COUNT = 2**31
_PREPARED_AT_MOST = 400


class _PreparingCursor(psycopg.Cursor[Any]):
    """A psycopg cursor that binds on the server and prepares every statement it runs."""

    def execute(self, query: Any, params: Any = None, **options: Any) -> Any:
        return super().execute(query, params, **{**options, "prepare": True})


def group_key(value: Any) -> Any:
    """Group keys come back as int, str or (on PostgreSQL, for EXTRACT) Decimal."""
    if value is None or isinstance(value, str | int):
        return value
    return int(value)


def temporary_tables_allowed() -> bool:
    """False on a replica: a hot standby runs read-only transactions, which cannot
    create even a temporary table."""
    return not on_replica(read_alias())


@contextmanager
def stored(rows: Relation, prefix: str, *, savepoint: bool = True) -> Iterator[str]:
    """The rows of `rows` in a temporary table, analysed: the name of the table.

    For a relation that an answer's statements all join: left as a subquery, it is
    evaluated again in each statement, and the planner must guess how many rows it
    gives. The table lives in this connection and this transaction only, so concurrent
    requests never see it; on an error the transaction's rollback drops it. Inside an
    answer's transaction already, `savepoint=False` saves two statements: an error
    aborts the whole answer anyway.

    On PostgreSQL the table is emptied when done and dropped at the commit (ON COMMIT
    DROP), not by a DROP: psycopg forgets every statement the connection has prepared
    (fetch_prepared) when it sees one."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    alias = read_alias()
    postgresql = connections[alias].vendor == "postgresql"
    with (
        transaction.atomic(using=alias, savepoint=savepoint),
        connections[alias].cursor() as cursor,
    ):
        dropped = " ON COMMIT DROP" if postgresql else ""
        cursor.execute(f"CREATE TEMPORARY TABLE {name}{dropped} AS {rows.sql}", rows.params)
        cursor.execute(f"ANALYZE {name}")
        yield name
        cursor.execute(f"TRUNCATE {name}" if postgresql else f"DROP TABLE {name}")
