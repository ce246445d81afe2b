"""The committed data version: what every kept answer's key holds.

`current()` reads the single row of `activities_dataversion` (epoch and version) and
returns "database name:epoch:version", or None when the cache must not be used: turned
off (ANSWER_CACHE_ENABLED), inside a transaction (it may see its own uncommitted
writes), or on a database whose triggers are not all in place. On a kept connection
the read doubles as Django's health check (CONN_HEALTH_CHECKS), so a cached answer costs
one round trip.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.db import InterfaceError, OperationalError, connections

from tacbapp.replicas import read_alias

from .places import Place
from .triggers import triggers_in_place

logger = logging.getLogger(__name__)

_READ_VERSION = "SELECT epoch, version, reference FROM activities_dataversion WHERE id = 1"
# The same, the version of one place, or of the place in one year (its path followed by
# the year: rollups/footprints.py; a key with no row is at 0), and whether a write waits
# to be rolled up.
_READ_PLACE_VERSION = (
    "SELECT d.epoch, d.version, d.reference, p.path, v.version, "
    "EXISTS (SELECT 1 FROM activities_rollupchange) "
    "FROM activities_dataversion d LEFT JOIN {table} p ON p.{column} = %s "
    "LEFT JOIN activities_placeversion v ON v.path = p.path || %s WHERE d.id = 1"
)

# A version this request has just read (AnswerCacheMiddleware, at the front door), on
# which database, and with which place's: the next `current()` (`current_in_place()` of
# that place) of the request takes it instead of reading it again, once. Without it, a
# request that missed at the door read the version twice, and cost one statement more
# than one that never had a kept answer.
_just_read: ContextVar[tuple[str, str, Place | None, str | None] | None] = ContextVar(
    "answer_version_just_read", default=None
)


@contextmanager
def just_read(alias: str, version: str, place: Place | None = None, in_place: str | None = None):
    """For the request below: `version`, read on `alias` a moment ago, is the version
    its next `current()` on that database returns (an answer found under it is one it
    could have been served a moment earlier); with `place`, `in_place` is that place's,
    which its next `current_in_place(place)` returns. Later calls read afresh."""
    token = _just_read.set((alias, version, place, in_place))
    try:
        yield
    finally:
        _just_read.reset(token)


def current(using: str | None = None) -> str | None:
    """The committed data version, or None when the cache must not be used.

    Read on `using`, by default the database this request reads from (a replica's
    version when it serves the request: tacbapp/replicas.py), so that an answer is kept
    under the version of the data it was computed from."""
    if not settings.ANSWER_CACHE_ENABLED:
        return None
    alias = using or read_alias()
    connection = connections[alias]
    if connection.in_atomic_block:
        return None  # this transaction may see writes that are not committed
    seen = _taken()
    if seen is not None and seen[0] == alias:
        return seen[1]
    # A database whose triggers are missing or disabled (restored with
    # --disable-triggers, say) would never move the version: no cache then.
    if not triggers_in_place(connection):
        return None
    return read_version(connection)


def current_in_place(place: Place, using: str | None = None) -> tuple[str, str | None] | None:
    """The committed data version and the version of `place` (places.py), None for the
    place while a write waits to be rolled up or when its code finds none; None when
    the cache must not be used (as `current`). One query."""
    if not settings.ANSWER_CACHE_ENABLED:
        return None
    alias = using or read_alias()
    connection = connections[alias]
    if connection.in_atomic_block:
        return None
    seen = _taken()
    if seen is not None and seen[0] == alias and seen[2] == place:
        return seen[1], seen[3]
    if not triggers_in_place(connection):
        return None
    versions = read_versions(connection, place)
    return (versions[0], versions[2]) if versions is not None else None


def _taken() -> tuple[str, str, Place | None, str | None] | None:
    """What the door has just read, once: a later call may follow a write of this
    request."""
    seen = _just_read.get()
    if seen is not None:
        _just_read.set(None)
    return seen


def read_version(connection) -> str | None:
    """The version as this connection sees it now (in a transaction: its snapshot's)."""
    versions = read_versions(connection)
    return versions[0] if versions is not None else None


def read_versions(connection, place: Place | None = None) -> tuple[str, str, str | None] | None:
    """The data version and the reference version, as `read_version` reads the first.
    The second, "database:epoch:r<n>", moves only with a write to a reference table
    (triggers.py, FACT_MODELS), and with every one of them. The third, with `place` (an
    question's place), is the version an answer restricted to that place is kept under,
    "database:epoch:r<n>:<M49 path>[<year>]@<n>" (places.py), or None while a write waits to be
    rolled up (until its refresh the place's version may not have moved)."""
    # On a kept connection, Django's health check (CONN_HEALTH_CHECKS) would send a
    # "SELECT 1" before the request's first query. On a cached answer this read is the
    # only query: let it be the check, so that a hit costs one round trip, not two. A
    # connection that died meanwhile fails here instead: close it and read on a new one.
    if (
        connection.connection is not None
        and connection.health_check_enabled
        and not connection.health_check_done
        and not connection.in_atomic_block
    ):
        connection.health_check_done = True
        try:
            return _query_version(connection, place)
        except (OperationalError, InterfaceError):
            if connection.is_usable():
                raise  # a lock or statement timeout: the connection itself is fine
            logger.info("Database connection lost since the last request: reconnecting")
            connection.close()
    return _query_version(connection, place)


def _query_version(connection, place: Place | None) -> tuple[str, str, str | None] | None:
    # Raw SQL: this runs on every cached request, and the ORM would compile it each time.
    with connection.cursor() as cursor:
        if place is None:
            cursor.execute(_READ_VERSION)
        else:
            sql = _READ_PLACE_VERSION.format(table=place.table, column=place.column)
            cursor.execute(sql, [place.code, place.year])
        row = cursor.fetchone()
    if row is None:
        return None  # a flushed database: caching stays off until the row is back
    epoch, version, reference = row[:3]
    name = connection.settings_dict["NAME"]
    in_place = None
    if place is not None and row[3] is not None and not row[5]:  # found, nothing waits
        in_place = f"{name}:{epoch}:r{reference}:{row[3]}{place.year}@{row[4] or 0}"
    return f"{name}:{epoch}:{version}", f"{name}:{epoch}:r{reference}", in_place


# The reference version of the snapshot an answer is being computed in (store.py), for
# what is kept under it while the answer is computed (filters/plans.py).
_snapshot_reference: ContextVar[str | None] = ContextVar("answer_snapshot_reference", default=None)


_in_snapshot: ContextVar[bool] = ContextVar("answer_in_snapshot", default=False)


@contextmanager
def computing_in(reference: str | None):
    """For the code below: it runs in an answer's snapshot, at this reference version."""
    token = _snapshot_reference.set(reference)
    inside = _in_snapshot.set(True)
    try:
        yield
    finally:
        _in_snapshot.reset(inside)
        _snapshot_reference.reset(token)


def in_snapshot() -> bool:
    """Whether the code runs while an answer is computed in its snapshot (store.py)."""
    return _in_snapshot.get()


def snapshot_reference() -> str | None:
    """The reference version of the snapshot the current answer is computed in; None
    outside one (the answer cache off, or not asked)."""
    return _snapshot_reference.get()
