"""Where answers are kept: this worker's memory, then a tier all workers share.

An answer is kept under a key made of a namespace and a hash of (data version, parts):
`parts` holds everything else the answer depends on. Each worker keeps answers in its
own memory (the "answers" LocMemCache), in front of an optional tier that all workers
share (the "answers_shared" cache, Redis, when ANSWER_CACHE_SHARED_URL names one). A
Redis that is down or slow is a miss: the answer is computed, never an error. With a
shared tier, an answer is computed by one worker at a time: the first to miss it claims
it there, and the others wait for its answer rather than compute it too.
"""

from __future__ import annotations

import hashlib
import itertools
import logging
import time
import uuid
from collections.abc import Callable, Hashable
from typing import TypeVar

from django.conf import settings
from django.core.cache import caches
from django.db import connections, transaction
from redis.exceptions import RedisError

from tacbapp.replicas import read_alias

from .places import Place
from .version import computing_in, current, current_in_place, read_versions

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
    place: Place | None = None,
) -> tuple[T, tuple[str, str, Place | None] | None]:
    """`cached()`, and the (version, key, place) the value is kept under (None: not
    kept). With `place`, the answer depends only on the activities in
    that place: it is kept under the place's version, not the data's, whenever no write
    waits to be rolled up (places.py); else under the data version."""
    alias = read_alias()  # the primary, or the replica this request reads from
    if place is None:
        version = current(alias)
    else:
        in_place = current_in_place(place, alias)
        version = in_place and (in_place[1] or in_place[0])
    if version is None:
        if before is not None:
            before()
        return produce(), None
    key = make_key(namespace, version, parts)
    value = _get(key)
    if value is not _MISSING:
        return value, (version, key, place)
    claim = _claim(key)
    if claim is None:  # another worker is computing it: wait for its answer
        value = _wait_for(key)
        if value is not _MISSING:
            return value, (version, key, place)
    try:
        return _compute(namespace, parts, produce, alias, before, place)
    finally:
        if claim:
            _release(key, claim)


def _compute(
    namespace: str,
    parts: Hashable,
    produce: Callable[[], T],
    alias: str,
    before: Callable[[], None] | None,
    place: Place | None,
) -> tuple[T, tuple[str, str, Place | None] | None]:
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
        # With a place: kept under the place's version if, in this snapshot, no write
        # waits to be rolled up (the refresh `before` ran may have rolled it up).
        versions = read_versions(connection, place)
        snapshot_version = versions and (versions[2] or versions[0])
        with computing_in(versions[1] if versions is not None else None):
            value = produce()
    if snapshot_version is None:
        return value, None
    key = make_key(namespace, snapshot_version, parts)
    _set(key, value)
    return value, (snapshot_version, key, place)


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


# Workers that share a tier compute each answer once: the first to miss it claims it
# there, the others wait for it (polling with back-off) rather than compute it too, for
# at most WAIT_SECONDS. A claim left by a worker that died expires after CLAIM_SECONDS.
# Right after a write, every worker misses the same answers at once: without this, each
# computed all of them.
WAIT_SECONDS = 1.0
CLAIM_SECONDS = 10
_POLL_SECONDS = (0.005, 0.01, 0.02, 0.05)


def _claim_key(key: str) -> str:
    return f"computing:{key}"


def _claim(key: str) -> str | None:
    """This worker's claim to compute the answer (a token; "" without a shared tier, or
    when it is down), or None: another worker sharing the tier claimed it first."""
    if SHARED_CACHE_ALIAS not in settings.CACHES:
        return ""
    token = uuid.uuid4().hex
    try:
        added = caches[SHARED_CACHE_ALIAS].add(_claim_key(key), token, timeout=CLAIM_SECONDS)
    except RedisError:
        return ""
    return token if added else None


def _release(key: str, token: str) -> None:
    """Give up this worker's claim, not one another worker made since it expired."""
    shared = caches[SHARED_CACHE_ALIAS]
    try:
        if shared.get(_claim_key(key)) == token:
            shared.delete(_claim_key(key))
    except RedisError:  # it expires
        logger.warning("Shared answer cache unavailable: claim left to expire", exc_info=True)


def _wait_for(key: str):
    """The answer another worker is computing, once it is in the shared tier; _MISSING
    if it gave up its claim without one (it was kept under a newer version) or after
    WAIT_SECONDS."""
    shared = caches[SHARED_CACHE_ALIAS]
    deadline = time.monotonic() + WAIT_SECONDS
    for attempt in itertools.count():
        time.sleep(_POLL_SECONDS[min(attempt, len(_POLL_SECONDS) - 1)])
        try:
            found = shared.get_many([key, _claim_key(key)])
        except RedisError:
            return _MISSING
        if key in found:
            caches[CACHE_ALIAS].set(key, found[key])
            return found[key]
        if _claim_key(key) not in found or time.monotonic() > deadline:
            return _MISSING
    return _MISSING  # pragma: no cover - the loop returns
