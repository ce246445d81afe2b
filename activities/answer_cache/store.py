"""Where answers are kept: this worker's memory, then a tier all workers share.

An answer is kept under a key made of a namespace and a hash of (data version, parts):
`parts` holds everything else the answer depends on. Each worker keeps answers in its
own memory (the "answers" LocMemCache), in front of an optional tier that all workers
share (the "answers_shared" cache, Redis, when ANSWER_CACHE_SHARED_URL names one). A
Redis that is down or slow is a miss: the answer is computed, never an error.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Hashable
from typing import TypeVar

from django.conf import settings
from django.core.cache import caches
from django.db import connections, transaction
from redis.exceptions import RedisError

from tacbapp.replicas import read_alias

from .version import computing_in, current, read_versions

T = TypeVar("T")
logger = logging.getLogger(__name__)

CACHE_ALIAS = "answers"
# A tier shared by all workers, when settings.ANSWER_CACHE_SHARED_URL names one (Redis).
SHARED_CACHE_ALIAS = "answers_shared"
_MISSING = object()


def make_key(namespace: str, version: str, parts: Hashable) -> str:
    """The cache key of an answer: its namespace, and a hash of its version and parts."""
    return f"{namespace}:{hashlib.sha256(repr((version, parts)).encode()).hexdigest()}"


def cached(
    namespace: str,
    parts: Hashable,
    produce: Callable[[], T],
    *,
    before: Callable[[], None] | None = None,
) -> T:
    """`produce()`, or the value it gave for the same `parts` at the same data version.

    `parts` must hold everything the answer depends on besides the data: the request's
    parameters, who asks (visibility), the host of absolute links. `before()` runs when
    the value must be produced, before its snapshot opens (the rollups catch up there).
    """
    return cached_under_key(namespace, parts, produce, before=before)[0]


def cached_under_key(
    namespace: str,
    parts: Hashable,
    produce: Callable[[], T],
    *,
    before: Callable[[], None] | None = None,
) -> tuple[T, tuple[str, str] | None]:
    """`cached()`, and the (version, key) the value is kept under (None: not kept)."""
    alias = read_alias()  # the primary, or the replica this request reads from
    version = current(alias)
    if version is None:
        if before is not None:
            before()
        return produce(), None
    key = make_key(namespace, version, parts)
    value = _get(key)
    if value is not _MISSING:
        return value, (version, key)
    if before is not None:
        before()
    # Computed in one snapshot and kept under the version of that very snapshot, so an
    # answer kept under a version is that of exactly one committed state, even when a
    # write commits while it is being computed (its statements would otherwise each see
    # the latest commit). On a replica, the snapshot is of what it has replayed.
    connection = connections[alias]
    with transaction.atomic(using=alias):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        versions = read_versions(connection)
        snapshot_version = versions[0] if versions is not None else None
        with computing_in(versions[1] if versions is not None else None):
            value = produce()
    if snapshot_version is None:
        return value, None
    key = make_key(namespace, snapshot_version, parts)
    _set(key, value)
    return value, (snapshot_version, key)


def _get(key: str):
    """From this worker's cache, else from the shared tier (then kept here too)."""
    value = caches[CACHE_ALIAS].get(key, _MISSING)
    if value is _MISSING and SHARED_CACHE_ALIAS in settings.CACHES:
        try:
            value = caches[SHARED_CACHE_ALIAS].get(key, _MISSING)
        except RedisError:  # down or slow: a miss, and the answer is computed
            logger.warning("Shared answer cache unavailable: computing", exc_info=True)
            return _MISSING
        if value is not _MISSING:
            caches[CACHE_ALIAS].set(key, value)
    return value


def _set(key: str, value) -> None:
    caches[CACHE_ALIAS].set(key, value)
    if SHARED_CACHE_ALIAS in settings.CACHES:
        try:
            caches[SHARED_CACHE_ALIAS].set(key, value)
        except RedisError:  # kept here all the same; the other workers compute it
            logger.warning("Shared answer cache unavailable: not shared", exc_info=True)
