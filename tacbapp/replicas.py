"""Reads from PostgreSQL streaming replicas, writes to the primary (README "Scale").

DATABASE_REPLICA_URLS (comma-separated postgres:// URLs) adds the aliases `replica_1`,
`replica_2`... beside `default`, the primary. The rules:

- A request with an unsafe method (POST, PUT, PATCH, DELETE) reads and writes on the
  primary from start to finish (it is "pinned" to it).
- Every write, whatever the request, goes to the primary (`ReplicaRouter.db_for_write`),
  and so do migrations; a read inside a transaction on the primary stays on it (it must
  see the transaction's own writes).
- A safe request (GET, HEAD, OPTIONS) reads everything (pages, API, stats, the session,
  the answer cache's data version) from ONE database chosen when it starts: a replica,
  or the primary. The answer cache reads the data version on that same database
  (`read_alias()`), so an answer computed on a replica that lags is kept under the
  version the replica has reached, never under the primary's.
- Read-your-writes: after a successful unsafe request, the primary's WAL position
  (`pg_current_wal_lsn()`) is remembered for that client for REPLICA_PIN_SECONDS: in a
  signed cookie for a browser, in the shared "replica_pins" cache keyed by a hash of the
  token for an API client. A later read from that client goes to a replica only if the
  replica has replayed up to that position (`pg_last_wal_replay_lsn()`), else to the
  primary; once the replica has caught up the pin is dropped.
- A replica that cannot be reached is skipped for REPLICA_RETRY_SECONDS (logged with its
  alias only): reads go to the primary meanwhile.

Without replicas (SQLite, or DATABASE_REPLICA_URLS empty) nothing changes and no query is
added. A replica alias that points at the primary's own database (the test suite's
mirror, TEST["MIRROR"]) is no replica: reads stay on `default`.
"""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
import logging
import random
import time
from typing import Any

import dj_database_url
from django.conf import settings
from django.core import signing
from django.core.cache import caches
from django.db import DEFAULT_DB_ALIAS, InterfaceError, OperationalError, connections
from django.utils.cache import patch_cache_control
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

REPLICA_PREFIX = "replica_"
PIN_COOKIE = "tacbapp_replica_pin"
PIN_CACHE_ALIAS = "replica_pins"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
# The pin of an API client when the shared cache cannot say (Redis down): the primary.
UNKNOWN_PIN = "unknown"

# The alias this request reads from; None outside a request (management commands, threads).
_read_alias: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "tacbapp_read_alias", default=None
)
# Replicas found unreachable, by alias: skipped until this time.monotonic().
_down_until: dict[str, float] = {}


def replica_databases(urls: list[str], primary: Any) -> dict[str, Any]:
    """DATABASES entries `replica_1`... for the URLs, with the primary's connection options.

    In tests each one mirrors `default` (TEST["MIRROR"]): the suite's queries all run on
    the test database, and a test that wants the real replica points the alias at it.
    """
    databases: dict[str, Any] = {}
    for number, url in enumerate(urls, start=1):
        database = dj_database_url.parse(
            url,
            conn_max_age=primary.get("CONN_MAX_AGE", 0),
            conn_health_checks=primary.get("CONN_HEALTH_CHECKS", False),
        )
        if database["ENGINE"] != "django.db.backends.postgresql":
            raise RuntimeError("DATABASE_REPLICA_URLS: replicas are PostgreSQL streaming replicas")
        database["OPTIONS"] = dict(primary.get("OPTIONS", {}))
        database["TEST"] = {"MIRROR": DEFAULT_DB_ALIAS}
        databases[f"{REPLICA_PREFIX}{number}"] = database
    return databases


def _same_database(one: dict[str, Any], other: dict[str, Any]) -> bool:
    keys = ("HOST", "PORT", "NAME")
    return all(str(one.get(key) or "") == str(other.get(key) or "") for key in keys)


def replica_aliases() -> list[str]:
    """The configured replicas that are other databases than the primary.

    From the settings, not the connections: asking must not make a connection object
    (activities/outage.py counts one that never connected as lost)."""
    databases = connections.settings
    primary = databases[DEFAULT_DB_ALIAS]
    return [
        alias
        for alias in databases
        if alias.startswith(REPLICA_PREFIX) and not _same_database(databases[alias], primary)
    ]


def read_alias() -> str:
    """The database this request reads from: its replica, or the primary.

    The primary inside one of its transactions (its own writes must be seen), outside a
    request, and for a request pinned to it.
    """
    alias = _read_alias.get()
    if alias is None or alias == DEFAULT_DB_ALIAS:
        return DEFAULT_DB_ALIAS
    if connections[DEFAULT_DB_ALIAS].in_atomic_block:
        return DEFAULT_DB_ALIAS
    return alias


def on_replica(alias: str) -> bool:
    """Whether `alias` is a replica in use (a hot standby: no writes, no temporary tables)."""
    return alias.startswith(REPLICA_PREFIX) and alias in replica_aliases()


class ReplicaRouter:
    """Reads where the request reads (`read_alias()`); writes and migrations on the primary."""

    def db_for_read(self, model, **hints) -> str:
        instance = hints.get("instance")
        if instance is not None and instance._state.db == DEFAULT_DB_ALIAS:
            return DEFAULT_DB_ALIAS  # the related rows of a row from the primary, from it
        # A row from a replica (one kept by a worker, say) does not send the reads of a
        # request pinned to the primary back to that replica.
        return read_alias()

    def db_for_write(self, model, **hints) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints) -> bool | None:
        # The primary and its replicas hold the same rows: a row read on a replica may be
        # linked to one written on the primary.
        databases = {obj1._state.db, obj2._state.db}
        if all(db == DEFAULT_DB_ALIAS or db.startswith(REPLICA_PREFIX) for db in databases):
            return True
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints) -> bool:
        return db == DEFAULT_DB_ALIAS


def fall_back_to_primary(alias: str) -> None:
    """The replica `alias` is out of reach: skip it a while, read this request's rest from
    the primary. Logged with the alias only (no request, no person)."""
    _down_until[alias] = time.monotonic() + settings.REPLICA_RETRY_SECONDS
    if _read_alias.get() == alias:
        _read_alias.set(DEFAULT_DB_ALIAS)
    logger.warning("Replica %s unreachable: reading from the primary", alias)


def request_connections() -> list[Any]:
    """The connections this request may have used: the primary's, and its replica's."""
    aliases = {DEFAULT_DB_ALIAS, _read_alias.get() or DEFAULT_DB_ALIAS}
    return [connections[alias] for alias in sorted(aliases)]


def lost_replica() -> str | None:
    """This request's replica, if its connection is closed or broken."""
    alias = _read_alias.get()
    if alias is None or alias == DEFAULT_DB_ALIAS:
        return None
    connection = connections[alias]
    return alias if connection.connection is None or not connection.is_usable() else None


def _connect(alias: str) -> None:
    """Connects to the replica if this worker has no connection to it (not a query)."""
    try:
        connections[alias].ensure_connection()
    except (OperationalError, InterfaceError):
        connections[alias].close()
        raise


def _primary_lsn() -> str:
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()::text")
        return str(cursor.fetchone()[0])


def _replayed(alias: str, lsn: str) -> bool:
    """Whether the replica has replayed the WAL up to `lsn` (NULL: not known, so no)."""
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT coalesce(pg_last_wal_replay_lsn() >= %s::pg_lsn, false)", [lsn])
        return bool(cursor.fetchone()[0])


def _token_pin_key(request) -> str | None:
    """The shared cache's key for an API token's pin: a hash, never the token itself."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "token" or not token.strip():
        return None
    return "pin:" + hashlib.sha256(token.strip().encode()).hexdigest()


class ReplicaMiddleware:
    """Chooses the database each request reads from, and remembers a client's last write.

    Above the session middleware, so that the WAL position is read after the session
    (and anything else the response phase writes) is saved.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        replicas = replica_aliases()
        if not replicas:
            return self.get_response(request)
        if request.method not in SAFE_METHODS:
            reset = _read_alias.set(DEFAULT_DB_ALIAS)
            try:
                response = self.get_response(request)
            finally:
                _read_alias.reset(reset)
            if response.status_code < 400:
                self._remember_write(request, response)
            return response
        pin = self._pin(request)
        alias = self._choose(replicas, pin)
        reset = _read_alias.set(alias)
        try:
            response = self.get_response(request)
        finally:
            _read_alias.reset(reset)
        if pin is not None and alias != DEFAULT_DB_ALIAS:
            self._forget_pin(request, response)  # the replica has caught up with it
        return response

    @staticmethod
    def _choose(replicas: list[str], pin: str | None) -> str:
        now = time.monotonic()
        reachable = [alias for alias in replicas if _down_until.get(alias, 0) <= now]
        random.shuffle(reachable)
        if pin == UNKNOWN_PIN:
            return DEFAULT_DB_ALIAS
        for alias in reachable:
            try:
                _connect(alias)
                if pin is not None and not _replayed(alias, pin):
                    return DEFAULT_DB_ALIAS  # read-your-writes: this replica lags behind
                return alias
            except (OperationalError, InterfaceError):
                fall_back_to_primary(alias)
        return DEFAULT_DB_ALIAS

    @staticmethod
    def _pin(request) -> str | None:
        key = _token_pin_key(request)
        if key is not None:
            try:
                value = caches[PIN_CACHE_ALIAS].get(key)
            except RedisError:  # it may have just written: read from the primary
                logger.warning("Replica pins unavailable: reading from the primary")
                return UNKNOWN_PIN
            return value if isinstance(value, str) else None
        try:
            return request.get_signed_cookie(
                PIN_COOKIE, default=None, salt=PIN_COOKIE, max_age=settings.REPLICA_PIN_SECONDS
            )
        except signing.BadSignature:
            return None

    @staticmethod
    def _remember_write(request, response) -> None:
        try:
            lsn = _primary_lsn()
        except (OperationalError, InterfaceError):
            # The write is done: its answer is sent; only read-your-writes is lost.
            logger.warning("Primary's WAL position unavailable: the write is not pinned")
            return
        key = _token_pin_key(request)
        if key is not None:
            try:
                caches[PIN_CACHE_ALIAS].set(key, lsn, timeout=settings.REPLICA_PIN_SECONDS)
            except RedisError:  # while it is down, token reads go to the primary (UNKNOWN_PIN)
                logger.warning("Replica pins unavailable: the write is not pinned")
            return
        response.set_signed_cookie(
            PIN_COOKIE,
            lsn,
            salt=PIN_COOKIE,
            max_age=settings.REPLICA_PIN_SECONDS,
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
            samesite="Lax",
        )

    @staticmethod
    def _forget_pin(request, response) -> None:
        key = _token_pin_key(request)
        if key is not None:
            with contextlib.suppress(RedisError):  # else it expires by itself
                caches[PIN_CACHE_ALIAS].delete(key)
            return
        response.delete_cookie(PIN_COOKIE, samesite="Lax")
        patch_cache_control(response, private=True)  # a Set-Cookie for this client only
