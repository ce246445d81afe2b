"""Answers cached until the data changes, and never a moment longer.

Every domain table carries a database trigger that bumps `DataVersion.version` in the
same transaction as the write. Counts, lists and pages are cached under a key that holds
the version, so the first request after a commit misses the cache and computes the new
answer: there is no invalidation to forget, and no write path (ORM, bulk update, COPY,
raw SQL, the admin, a migration) that can get around it.

- PostgreSQL: a deferred row-level constraint trigger, so the version row is locked only
  while the writing transaction commits (no deadlock with the rows it writes), and bumped
  once per transaction however many rows it writes; TRUNCATE has a statement trigger.
- SQLite: row-level triggers (writers are serialised by the database anyway).

A reader inside a transaction may be looking at its own uncommitted writes, so it never
reads or fills the cache (`current()` returns None there). Each worker keeps answers in
its own memory (LocMemCache), in front of an optional tier that all workers share (Redis,
ANSWER_CACHE_SHARED_URL). Keys hold the database's name and epoch (a UUID made when the
version row is created), so a rebuilt database never meets its predecessor's answers;
a database restored from a backup keeps its epoch and version: flush the shared tier and
restart the workers then.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import uuid
from collections.abc import Callable, Hashable
from typing import TypeVar

from django.apps import apps
from django.conf import settings
from django.core.cache import caches
from django.db import DEFAULT_DB_ALIAS, InterfaceError, OperationalError, connections, transaction
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.utils.cache import patch_vary_headers, set_response_etag
from redis.exceptions import RedisError
from rest_framework.throttling import AnonRateThrottle

T = TypeVar("T")
logger = logging.getLogger(__name__)

TRIGGER = "activities_data_version"
FUNCTION = "activities_bump_data_version"
CACHE_ALIAS = "answers"
# A tier shared by all workers, when settings.ANSWER_CACHE_SHARED_URL names one (Redis).
SHARED_CACHE_ALIAS = "answers_shared"
_MISSING = object()
_READ_VERSION = "SELECT epoch, version FROM activities_dataversion WHERE id = 1"

_PG_FUNCTION = f"""
CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Once per transaction: the first event bumps and notes this transaction's id; the
    -- others see it. (The id, not a plain flag, so no setting left at any other level
    -- can ever silence the bump.)
    IF current_setting('tacbapp.data_version_bumped_in', true)
            IS DISTINCT FROM txid_current()::text THEN
        UPDATE activities_dataversion SET version = version + 1 WHERE id = 1;
        PERFORM set_config('tacbapp.data_version_bumped_in', txid_current()::text, true);
    END IF;
    RETURN NULL;
END
$$
"""
_SQLITE_EVENTS = ("insert", "update", "delete")


def versioned_tables() -> list[str]:
    """The tables whose contents any count, list or page can depend on.

    Every table of the domain app, many-to-many tables included; not the audit history
    (it changes only with the table it records) nor the version row itself.
    """
    config = apps.get_app_config("activities")
    tables = set()
    for model in config.get_models(include_auto_created=True):
        table = model._meta.db_table
        if "historical" in table or model._meta.model_name == "dataversion":
            continue
        tables.add(table)
    return sorted(tables)


def _sqlite_trigger(event: str, table: str) -> str:
    return f"{TRIGGER}_{event}_{table}"


def install_triggers(using: str = DEFAULT_DB_ALIAS) -> list[str]:
    """Create (or re-create) the triggers on every versioned table, then move the version.

    In one transaction, so that no write can slip between dropping and re-creating a
    trigger; the final bump covers writes made while a table had none (SQLite loses a
    table's triggers when a migration rebuilds it). Idempotent.
    """
    connection = connections[using]
    existing = set(connection.introspection.table_names())
    if "activities_dataversion" not in existing:
        return []
    tables = [table for table in versioned_tables() if table in existing]
    with transaction.atomic(using=using), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(_PG_FUNCTION)
            for table in tables:
                quoted = connection.ops.quote_name(table)
                cursor.execute(f"DROP TRIGGER IF EXISTS {TRIGGER} ON {quoted}")
                cursor.execute(
                    f"CREATE CONSTRAINT TRIGGER {TRIGGER} AFTER INSERT OR UPDATE OR DELETE "
                    f"ON {quoted} DEFERRABLE INITIALLY DEFERRED FOR EACH ROW "
                    f"EXECUTE FUNCTION {FUNCTION}()"
                )
                cursor.execute(f"DROP TRIGGER IF EXISTS {TRIGGER}_truncate ON {quoted}")
                cursor.execute(
                    f"CREATE TRIGGER {TRIGGER}_truncate AFTER TRUNCATE ON {quoted} "
                    f"FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()"
                )
        elif connection.vendor == "sqlite":
            for table in tables:
                quoted = connection.ops.quote_name(table)
                for event in _SQLITE_EVENTS:
                    cursor.execute(
                        f'CREATE TRIGGER IF NOT EXISTS "{_sqlite_trigger(event, table)}" '
                        f"AFTER {event.upper()} ON {quoted} BEGIN "
                        "UPDATE activities_dataversion SET version = version + 1 WHERE id = 1; "
                        "END"
                    )
        else:  # pragma: no cover - no other database is supported
            raise NotImplementedError(connection.vendor)
        cursor.execute("UPDATE activities_dataversion SET version = version + 1 WHERE id = 1")
    _verified.pop(_database_key(connection), None)
    return tables


def missing_triggers(using: str = DEFAULT_DB_ALIAS) -> list[str]:
    """Versioned tables lacking one of their triggers, or with one disabled (catalogue)."""
    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgrelid::regclass::text, tgname FROM pg_trigger"
                " WHERE tgname IN (%s, %s) AND tgenabled <> 'D'",
                [TRIGGER, f"{TRIGGER}_truncate"],
            )
            present = {(table.strip('"'), name) for table, name in cursor.fetchall()}
            wanted = {(t, n) for t in versioned_tables() for n in (TRIGGER, f"{TRIGGER}_truncate")}
        else:
            cursor.execute(
                "SELECT tbl_name, name FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s",
                [f"{TRIGGER}_%"],
            )
            present = set(cursor.fetchall())
            wanted = {
                (t, _sqlite_trigger(e, t)) for t in versioned_tables() for e in _SQLITE_EVENTS
            }
    return sorted({table for table, _ in wanted - present})


def ensure_row(using: str = DEFAULT_DB_ALIAS) -> None:
    from .models import DataVersion

    DataVersion.objects.using(using).get_or_create(pk=1, defaults={"epoch": uuid.uuid4()})


def install(sender=None, using: str = DEFAULT_DB_ALIAS, **kwargs) -> None:
    """post_migrate: the row and the triggers, on every migrate (tests included)."""
    if "activities_dataversion" in connections[using].introspection.table_names():
        ensure_row(using)
        install_triggers(using)


# Per process and database: were all the triggers there when this process first looked?
_verified: dict[tuple, bool] = {}


def _database_key(connection) -> tuple:
    return (connection.alias, connection.settings_dict["NAME"])


def _triggers_in_place(connection) -> bool:
    key = _database_key(connection)
    if key not in _verified:
        missing = missing_triggers(connection.alias)
        if missing:
            logger.error(
                "Answer cache off: no data-version trigger on %s (run migrate)", ", ".join(missing)
            )
        _verified[key] = not missing
    return _verified[key]


def current(using: str = DEFAULT_DB_ALIAS) -> str | None:
    """The committed data version, or None when the cache must not be used."""
    if not settings.ANSWER_CACHE_ENABLED:
        return None
    connection = connections[using]
    if connection.in_atomic_block:
        return None  # this transaction may see writes that are not committed
    # A database whose triggers are missing or disabled (restored with
    # --disable-triggers, say) would never move the version: no cache then.
    if not _triggers_in_place(connection):
        return None
    return _read_version(connection)


def _read_version(connection) -> str | None:
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


def _query_version(connection) -> str | None:
    # Raw SQL: this runs on every cached request, and the ORM would compile it each time.
    with connection.cursor() as cursor:
        cursor.execute(_READ_VERSION)
        row = cursor.fetchone()
    if row is None:
        return None  # a flushed database: caching stays off until the row is back
    epoch, version = row
    return f"{connection.settings_dict['NAME']}:{epoch}:{version}"


def _key(namespace: str, version: str, parts: Hashable) -> str:
    return f"{namespace}:{hashlib.sha256(repr((version, parts)).encode()).hexdigest()}"


def cached(namespace: str, parts: Hashable, produce: Callable[[], T]) -> T:
    """`produce()`, or the value it gave for the same `parts` at the same data version.

    `parts` must hold everything the answer depends on besides the data: the request's
    parameters, who asks (visibility), the host of absolute links.
    """
    return _cached_under_key(namespace, parts, produce)[0]


def _cached_under_key(
    namespace: str, parts: Hashable, produce: Callable[[], T]
) -> tuple[T, tuple[str, str] | None]:
    """`cached()`, and the (version, key) the value is kept under (None: not kept)."""
    version = current()
    if version is None:
        return produce(), None
    key = _key(namespace, version, parts)
    value = _get(key)
    if value is not _MISSING:
        return value, (version, key)
    # Computed in one snapshot and kept under the version of that very snapshot, so an
    # answer kept under a version is that of exactly one committed state, even when a
    # write commits while it is being computed (its statements would otherwise each see
    # the latest commit).
    connection = connections[DEFAULT_DB_ALIAS]
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        snapshot_version = _read_version(connection)
        value = produce()
    if snapshot_version is None:
        return value, None
    key = _key(namespace, snapshot_version, parts)
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


# What a cached response keeps besides its body (its ETag too, so that the body is not
# hashed on every hit); the middleware adds the rest anew (CSP, compression).
KEPT_HEADERS = (
    "Content-Type",
    "Content-Disposition",
    "X-Total-Count",
    "Link",
    "Vary",
    "Allow",
    "ETag",
)


class _NotCacheable(Exception):
    def __init__(self, response: HttpResponse):
        self.response = response


def cached_response(
    namespace: str,
    parts: Hashable,
    produce: Callable[[], HttpResponseBase],
    throttles: tuple[type, ...] | None = (),
) -> HttpResponseBase:
    """The rendered response of `produce()` (a 200), cached as bytes like `cached()`.

    Rendering a page or a long JSON list costs more than unpickling its bytes; anything
    but a 200, and a response that sets a cookie, is returned as it is and not kept.
    `throttles`: those AnswerCacheMiddleware applies when it serves the answer without the
    view (front_door_throttles()); None keeps it from doing so.
    """

    def render() -> tuple[bytes, dict[str, str]]:
        response = produce()
        if hasattr(response, "render"):
            response.render()  # TemplateResponse, or DRF's finalized Response
        if response.status_code != 200 or response.cookies or response.streaming:
            raise _NotCacheable(response)
        if not response.has_header("ETag"):
            set_response_etag(response)  # of the body, as ConditionalGetMiddleware would
        return response.content, {k: response[k] for k in KEPT_HEADERS if response.has_header(k)}

    try:
        (content, headers), kept_as = _cached_under_key(namespace, parts, render)
    except _NotCacheable as refused:
        return refused.response
    response = HttpResponse(content, headers=headers)
    if kept_as is not None:
        # For AnswerCacheMiddleware: this very response object is the kept one.
        response.answer_kept_as = (*kept_as, throttles)
    return response


def cached_page(view):
    """A public page, rendered, for visitors who are not signed in, until the data changes.

    Signed-in users get pages with their name, forms and CSRF token: never cached. A
    visitor carrying a session or a message (after signing out, say) is served afresh.
    """

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if (
            request.method not in ("GET", "HEAD")
            or request.user.is_authenticated
            or settings.SESSION_COOKIE_NAME in request.COOKIES
            or "messages" in request.COOKIES
        ):
            return view(request, *args, **kwargs)

        def produce():
            response = view(request, *args, **kwargs)
            if request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):
                raise _NotCacheable(response)  # the page holds a token of its own
            return response

        parts = (view.__module__, view.__qualname__, request.build_absolute_uri(), args, kwargs)
        return cached_response("page", parts, produce)

    return wrapper


def reader_key(request) -> tuple:
    """Who asks, as far as any answer can differ: anonymous, or this user with these rights.

    A change of group or permission changes the key; a change of officer scope is a write
    to a domain table, so it moves the version.
    """
    user = request.user
    if not user.is_authenticated:
        return ("anonymous",)
    permissions = tuple(sorted(user.get_all_permissions()))
    return ("user", user.pk, user.is_active, user.is_superuser, user.is_staff, permissions)


# --- The front door: a kept answer without resolving, negotiating or running the view ------


def front_door_throttles(throttles) -> tuple[type, ...] | None:
    """The view's throttle classes as the front door applies them, or None if it cannot:
    one that reads the view (ScopedRateThrottle) would see none there, and with several,
    a refusal by one after another had counted would be counted again on the way down."""
    classes = tuple(type(throttle) for throttle in throttles)
    if len(classes) > 1 or not all(issubclass(cls, AnonRateThrottle) for cls in classes):
        return None
    return classes


def _plainly_anonymous(request) -> bool:
    """A GET with no credentials, session or message: whoever sends it is the anonymous
    reader of reader_key(), and cached_page() would serve it too. (Without a session
    cookie request.user is AnonymousUser; not asking keeps a hit from touching the
    session, which would add `Vary: Cookie` to every anonymous response, /healthz's too.)"""
    return (
        request.method in ("GET", "HEAD")
        and "HTTP_AUTHORIZATION" not in request.META
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "messages" not in request.COOKIES
    )


class AnswerCacheMiddleware:
    """Serves a kept answer to an anonymous visitor before URL resolution and the view.

    The view's own cache (cached_response) still decides what is kept and computes it in
    one snapshot; this remembers which kept response last answered which request (URL,
    host, Accept header), and at which data version, so that the next identical request
    at that version costs the version read and two cache lookups instead of DRF's
    negotiation, authentication and parameter checks. The view's throttle still applies.
    It sits below the middleware that adds headers (ETag and 304, X-Frame-Options, CSP,
    compression), so a hit leaves with the same headers as a miss.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not (settings.ANSWER_CACHE_ENABLED and _plainly_anonymous(request)):
            return self.get_response(request)
        parts = (
            request.build_absolute_uri("/"),
            request.path,
            tuple(sorted(request.GET.lists())),
            request.META.get("HTTP_ACCEPT", ""),
        )
        front_key = _key("front", "", parts)
        response = self._kept(request, front_key)
        if response is not None:
            return response
        response = self.get_response(request)
        # Only the response object that cached_response() returned, as it returned it.
        kept_as = getattr(response, "answer_kept_as", None)
        throttles = kept_as[2] if kept_as is not None else None  # None: not at the door
        if (
            throttles is not None
            and response.status_code == 200
            and not (response.cookies or response.streaming)
            and not request.user.is_authenticated
        ):
            caches[CACHE_ALIAS].set(front_key, kept_as)
        return response

    @staticmethod
    def _kept(request, front_key: str) -> HttpResponse | None:
        # A request that no view ever answered from the cache (/healthz, a form) costs
        # one lookup here, not a read of the version.
        cache = caches[CACHE_ALIAS]
        entry = cache.get(front_key)
        if entry is None:
            return None
        kept_version, kept_key, throttles = entry
        if current() != kept_version:
            return None  # the data moved on: the view computes the answer again
        kept = cache.get(kept_key)
        if kept is None:
            return None  # evicted
        # A refusal sends the request down the whole way, where the view answers 429 as
        # usual (a refused request is not counted, so it is not counted twice).
        if not all(throttle().allow_request(request, None) for throttle in throttles):
            return None
        content, headers = kept
        response = HttpResponse(content, headers=headers)
        # What the view's reading of request.user makes SessionMiddleware add on a miss:
        # the answer is for visitors without a session.
        patch_vary_headers(response, ("Cookie",))
        return response
