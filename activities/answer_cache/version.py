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

from .triggers import triggers_in_place

logger = logging.getLogger(__name__)

_READ_VERSION = "SELECT epoch, version, reference FROM activities_dataversion WHERE id = 1"

# A version this request has just read (AnswerCacheMiddleware, at the front door), and
# on which database: the next `current()` of the request takes it instead of reading it
# again, once. Without it, a request that missed at the door read the version twice,
# and cost one statement more than one that never had a kept answer.
_just_read: ContextVar[tuple[str, str] | None] = ContextVar(
    "answer_version_just_read", default=None
)


@contextmanager
def just_read(alias: str, version: str):
    """For the request below: `version`, read on `alias` a moment ago, is the version
    its next `current()` on that database returns (an answer found under it is one it
    could have been served a moment earlier). Later calls read the version afresh."""
    token = _just_read.set((alias, version))
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
    seen = _just_read.get()
    if seen is not None:
        _just_read.set(None)  # once: a later call may follow a write of this request
        if seen[0] == alias:
            return seen[1]
    # A database whose triggers are missing or disabled (restored with
    # --disable-triggers, say) would never move the version: no cache then.
    if not triggers_in_place(connection):
        return None
    return read_version(connection)


def read_version(connection) -> str | None:
    """The version as this connection sees it now (in a transaction: its snapshot's)."""
    versions = read_versions(connection)
    return versions[0] if versions is not None else None


def read_versions(connection) -> tuple[str, str] | None:
    """The data version and the reference version, as `read_version` reads the first.
    The second, "database:epoch:r<n>", moves only with a write to a reference table
    (triggers.py, FACT_MODELS), and with every one of them."""
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
            return _query_version(connection)
        except (OperationalError, InterfaceError):
            if connection.is_usable():
                raise  # a lock or statement timeout: the connection itself is fine
            logger.info("Database connection lost since the last request: reconnecting")
            connection.close()
    return _query_version(connection)


def _query_version(connection) -> tuple[str, str] | None:
    # Raw SQL: this runs on every cached request, and the ORM would compile it each time.
    with connection.cursor() as cursor:
        cursor.execute(_READ_VERSION)
        row = cursor.fetchone()
    if row is None:
        return None  # a flushed database: caching stays off until the row is back
    epoch, version, reference = row
    name = connection.settings_dict["NAME"]
    return f"{name}:{epoch}:{version}", f"{name}:{epoch}:r{reference}"


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
