"""Reads from streaming replicas, writes to the primary (tacbapp/replicas.py).

The first part runs everywhere (SQLite too): the router's and the middleware's decisions,
with the replica's answers stood in for. The second part needs a real streaming replica
(scripts/replica.sh, DATABASE_REPLICA_URLS): it is skipped without one, and fails instead
when REQUIRE_REPLICA is set (CI).
"""

from __future__ import annotations

import logging
import os
import time

import dj_database_url
import pytest
from django.core.cache import caches
from django.db import DEFAULT_DB_ALIAS, OperationalError, connections, transaction
from django.http import HttpResponse
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from activities import answer_cache
from tacbapp import replicas

from .factories import ActivityFactory

PIN = "0/3000060"


# --- Everywhere: configuration, router, middleware ---------------------------------------


def test_each_replica_url_becomes_an_alias_that_mirrors_the_primary_in_tests():
    primary = {"CONN_MAX_AGE": 60, "CONN_HEALTH_CHECKS": True, "OPTIONS": {"options": "-c jit=off"}}
    databases = replicas.replica_databases(
        ["postgres://reader@db-2:5432/tacbapp", "postgres://reader@db-3:5432/tacbapp"], primary
    )
    assert list(databases) == ["replica_1", "replica_2"]
    assert databases["replica_2"]["HOST"] == "db-3"
    assert databases["replica_1"]["CONN_MAX_AGE"] == 60
    assert databases["replica_1"]["OPTIONS"] == {"options": "-c jit=off"}
    assert databases["replica_1"]["TEST"] == {"MIRROR": "default"}


def test_a_replica_that_is_not_postgresql_is_refused():
    with pytest.raises(RuntimeError, match="PostgreSQL"):
        replicas.replica_databases(["sqlite:///replica.sqlite3"], {})


@pytest.fixture
def reading_from():
    """Runs the body as if the request read from `alias`."""

    def set_alias(alias: str):
        return replicas._read_alias.set(alias)

    tokens = []
    yield lambda alias: tokens.append(set_alias(alias))
    for token in reversed(tokens):
        replicas._read_alias.reset(token)


def test_outside_a_request_every_read_is_on_the_primary():
    router = replicas.ReplicaRouter()
    assert replicas.read_alias() == DEFAULT_DB_ALIAS
    assert router.db_for_read(None) == DEFAULT_DB_ALIAS


def test_a_request_reads_from_its_replica_and_writes_to_the_primary(reading_from):
    router = replicas.ReplicaRouter()
    reading_from("replica_1")
    assert router.db_for_read(None) == "replica_1"
    assert router.db_for_write(None) == DEFAULT_DB_ALIAS
    assert router.allow_migrate("replica_1", "activities") is False
    assert router.allow_migrate(DEFAULT_DB_ALIAS, "activities") is True


@pytest.mark.django_db
def test_a_read_inside_a_transaction_on_the_primary_stays_on_it(reading_from):
    """A transaction sees its own writes only on the primary."""
    reading_from("replica_1")
    with transaction.atomic():
        assert replicas.ReplicaRouter().db_for_read(None) == DEFAULT_DB_ALIAS
        assert replicas.read_alias() == DEFAULT_DB_ALIAS


def test_rows_read_on_a_replica_may_be_linked_to_rows_of_the_primary():
    class Row:
        class _state:
            db = "replica_1"

    class Other:
        class _state:
            db = DEFAULT_DB_ALIAS

    assert replicas.ReplicaRouter().allow_relation(Row(), Other()) is True


def test_in_the_test_suite_a_configured_replica_is_the_primary_itself():
    """tests/conftest.py makes each replica alias the primary's own database (a test's
    data, uncommitted, is not on a real replica): the suite runs as without replicas."""
    assert replicas.replica_aliases() == []
    for alias in connections:
        if alias.startswith(replicas.REPLICA_PREFIX):
            primary = connections[DEFAULT_DB_ALIAS].settings_dict
            assert replicas._same_database(connections[alias].settings_dict, primary)


def test_a_row_from_the_primary_reads_its_related_rows_there(reading_from):
    class Row:
        class _state:
            db = DEFAULT_DB_ALIAS

    class Kept:
        class _state:
            db = "replica_2"

    reading_from("replica_1")
    router = replicas.ReplicaRouter()
    assert router.db_for_read(None, instance=Row()) == DEFAULT_DB_ALIAS
    assert router.db_for_read(None, instance=Kept()) == "replica_1"


@pytest.mark.django_db
def test_without_replicas_the_middleware_adds_no_query_and_no_cookie(django_assert_num_queries):
    middleware = replicas.ReplicaMiddleware(lambda request: HttpResponse("ok"))
    factory = RequestFactory()
    with django_assert_num_queries(0):
        read = middleware(factory.get("/api/v1/stats/"))
        write = middleware(factory.post("/accounts/login/"))
    assert not read.cookies and not write.cookies


class FakeReplica:
    """One replica, `replica_1`, whose replay position and reachability a test sets."""

    def __init__(self, monkeypatch):
        self.replayed = True
        self.reachable = True
        self.connects = 0
        monkeypatch.setattr(replicas, "replica_aliases", lambda: ["replica_1"])
        monkeypatch.setattr(replicas, "_primary_lsn", lambda: PIN)
        monkeypatch.setattr(replicas, "_replayed", lambda alias, lsn: self.replayed)
        monkeypatch.setattr(replicas, "_connect", self._connect)
        monkeypatch.setattr(replicas, "_down_until", {})
        self.seen: list[str] = []
        self.middleware = replicas.ReplicaMiddleware(self._view)

    def _connect(self, alias):
        self.connects += 1
        if not self.reachable:
            from django.db import OperationalError

            raise OperationalError("connection refused")

    def _view(self, request):
        self.seen.append(replicas.read_alias())
        return HttpResponse("ok")

    def __call__(self, request):
        return self.middleware(request)


@pytest.fixture
def replica(monkeypatch):
    return FakeReplica(monkeypatch)


def test_a_get_reads_from_the_replica_and_a_post_from_the_primary(replica):
    factory = RequestFactory()
    replica(factory.get("/"))
    replica(factory.post("/"))
    assert replica.seen == ["replica_1", DEFAULT_DB_ALIAS]
    assert replicas.read_alias() == DEFAULT_DB_ALIAS  # after the request: back to none


def test_a_browser_that_wrote_reads_from_the_primary_until_the_replica_has_replayed_it(replica):
    factory = RequestFactory()
    written = replica(factory.post("/"))
    cookie = written.cookies[replicas.PIN_COOKIE]
    assert cookie["httponly"] and cookie["max-age"] == 60
    replica.replayed = False
    lagging = factory.get("/")
    lagging.COOKIES[replicas.PIN_COOKIE] = cookie.value
    assert replicas.PIN_COOKIE not in replica(lagging).cookies  # the pin stays
    replica.replayed = True
    caught_up = factory.get("/")
    caught_up.COOKIES[replicas.PIN_COOKIE] = cookie.value
    response = replica(caught_up)
    assert replica.seen == [DEFAULT_DB_ALIAS, DEFAULT_DB_ALIAS, "replica_1"]
    assert response.cookies[replicas.PIN_COOKIE].value == ""  # dropped once replayed
    assert "private" in response["Cache-Control"]


def test_a_forged_pin_is_ignored(replica):
    replica.replayed = False
    request = RequestFactory().get("/")
    request.COOKIES[replicas.PIN_COOKIE] = "FFFFFFFF/FFFFFFFF"
    replica(request)
    assert replica.seen == ["replica_1"]


def test_an_api_client_that_wrote_is_pinned_by_its_token_in_the_shared_cache(replica):
    factory = RequestFactory()
    auth = {"HTTP_AUTHORIZATION": "Token 0123456789abcdef"}
    written = replica(factory.post("/api/v1/activities/", **auth))
    assert not written.cookies
    assert caches[replicas.PIN_CACHE_ALIAS].get(replicas._token_pin_key(factory.get("/", **auth)))
    replica.replayed = False
    replica(factory.get("/api/v1/activities/", **auth))
    replica(factory.get("/api/v1/activities/"))  # another client: not pinned
    replica.replayed = True
    replica(factory.get("/api/v1/activities/", **auth))
    assert replica.seen == [DEFAULT_DB_ALIAS, DEFAULT_DB_ALIAS, "replica_1", "replica_1"]
    assert (
        caches[replicas.PIN_CACHE_ALIAS].get(replicas._token_pin_key(factory.get("/", **auth)))
        is None
    )


def test_while_the_shared_cache_is_down_an_api_client_reads_from_the_primary(replica, monkeypatch):
    """It may have just written, and no one can say: the primary, never a 500."""
    from redis.exceptions import ConnectionError as RedisDown

    class Down:
        def get(self, *args, **kwargs):
            raise RedisDown("down")

        set = delete = get

    monkeypatch.setattr(replicas, "caches", {replicas.PIN_CACHE_ALIAS: Down()})
    factory = RequestFactory()
    auth = {"HTTP_AUTHORIZATION": "Token 0123456789abcdef"}
    assert replica(factory.post("/api/v1/activities/", **auth)).status_code == 200
    assert replica(factory.get("/api/v1/activities/", **auth)).status_code == 200
    assert replica.seen == [DEFAULT_DB_ALIAS, DEFAULT_DB_ALIAS]


def test_a_failed_write_pins_nothing(replica):
    replica.middleware = replicas.ReplicaMiddleware(lambda request: HttpResponse(status=400))
    assert not replica(RequestFactory().post("/")).cookies


def test_an_unreachable_replica_is_skipped_for_a_while_and_logged_without_the_request(
    replica, caplog
):
    replica.reachable = False
    factory = RequestFactory()
    with caplog.at_level(logging.WARNING, logger="tacbapp.replicas"):
        replica(factory.get("/people/?name=Maria"))
        replica(factory.get("/"))
    assert replica.seen == [DEFAULT_DB_ALIAS, DEFAULT_DB_ALIAS]
    assert replica.connects == 1  # not tried again within REPLICA_RETRY_SECONDS
    assert caplog.messages == ["Replica replica_1 unreachable: reading from the primary"]


@pytest.mark.django_db
def test_on_the_primary_the_matched_set_is_still_a_temporary_table():
    from activities.stats.sql import temporary_tables_allowed

    assert temporary_tables_allowed()


# --- With a real streaming replica (scripts/replica.sh) ------------------------------------

REPLICA_URLS = os.environ.get("DATABASE_REPLICA_URLS", "")
real_replica_only = pytest.mark.skipif(
    not REPLICA_URLS and not os.environ.get("REQUIRE_REPLICA"),
    reason="no streaming replica: scripts/replica.sh start, DATABASE_REPLICA_URLS",
)
_databases = pytest.mark.django_db(transaction=True, databases=[DEFAULT_DB_ALIAS, "replica_1"])
# Replay is paused for the whole replica: these tests run one after another, in one
# process (make test's --dist loadgroup), never beside each other.
_one_at_a_time = pytest.mark.xdist_group("streaming_replica")


def on_both(test):
    """A transactional test that reads from the real replica as well as the primary."""
    return _one_at_a_time(_databases(test))


def _primary_lsn() -> str:
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()::text")
        return cursor.fetchone()[0]


def _on_replica(sql: str):
    with connections["replica_1"].cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()[0]


def _wait_for_replay(seconds: float = 20) -> None:
    lsn = _primary_lsn()
    deadline = time.monotonic() + seconds
    while not replicas._replayed("replica_1", lsn):
        assert time.monotonic() < deadline, "the replica did not catch up"
        time.sleep(0.05)


@pytest.fixture
def streaming_replica(monkeypatch):
    """`replica_1` pointed at the test database on the real replica (the suite's mirror
    points it at the primary), caught up with the primary; replay resumed afterwards."""
    if not REPLICA_URLS:
        pytest.fail("REQUIRE_REPLICA is set but DATABASE_REPLICA_URLS is not")
    assert connections[DEFAULT_DB_ALIAS].vendor == "postgresql"
    url = dj_database_url.parse(REPLICA_URLS.split(",")[0].strip())
    monkeypatch.setattr(replicas, "_down_until", {})  # none found unreachable yet
    connection = connections["replica_1"]
    settings_dict = connection.settings_dict  # the settings' own: every thread's
    original = dict(settings_dict)
    connection.close()
    # The test database (its name is the primary's), on the replica's server; still a
    # test mirror, so never flushed.
    settings_dict.update({key: url[key] for key in ("HOST", "PORT", "USER", "PASSWORD")})
    try:
        deadline = time.monotonic() + 20
        while True:  # the test database reaches the replica through the WAL
            try:
                assert _on_replica("SELECT pg_is_in_recovery()") is True
                break
            except OperationalError:
                connection.close()
                assert time.monotonic() < deadline, "no test database on the replica"
                time.sleep(0.2)
        answer_cache.ensure_row()  # the flush after the last transactional test removed it
        _wait_for_replay()
        yield
    finally:
        try:
            _on_replica("SELECT pg_wal_replay_resume()")
        finally:
            connection.close()
            settings_dict.update(original)


def _pause_replay() -> None:
    _on_replica("SELECT pg_wal_replay_pause()")
    deadline = time.monotonic() + 10
    while _on_replica("SELECT pg_get_wal_replay_pause_state()") != "paused":
        assert time.monotonic() < deadline
        time.sleep(0.02)


@real_replica_only
@on_both
def test_a_get_is_answered_by_the_replica_and_a_post_by_the_primary(
    streaming_replica, client, django_user_model
):
    django_user_model.objects.create_user(username="ana", password="a long pass phrase 42")
    _wait_for_replay()
    with (
        CaptureQueriesContext(connections["replica_1"]) as on_replica,
        CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as on_primary,
    ):
        assert client.get("/api/v1/stats/").status_code == 200
    assert on_replica.captured_queries and not on_primary.captured_queries
    assert _on_replica("SELECT pg_is_in_recovery()") is True  # the connection it used

    with (
        CaptureQueriesContext(connections["replica_1"]) as on_replica,
        CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as on_primary,
    ):
        login = client.post(
            reverse("login"), {"username": "ana", "password": "a long pass phrase 42"}
        )
    assert login.status_code == 302
    assert on_primary.captured_queries and not on_replica.captured_queries
    assert replicas.PIN_COOKIE in login.cookies


@real_replica_only
@on_both
def test_a_client_reads_its_own_write_while_the_replica_lags(
    streaming_replica, client, django_user_model
):
    """Signed in while replay is paused: the session exists on the primary only, and
    the next page still knows who it is; once the replica has it, reads go there."""
    django_user_model.objects.create_user(username="ana", password="a long pass phrase 42")
    _wait_for_replay()
    _pause_replay()
    login = client.post(reverse("login"), {"username": "ana", "password": "a long pass phrase 42"})
    assert login.status_code == 302
    with CaptureQueriesContext(connections["replica_1"]) as on_replica:
        page = client.get("/api/v1/stats/")
    assert page.wsgi_request.user.is_authenticated
    # One query on the replica: its replay position, found behind the pin.
    (replay,) = on_replica.captured_queries
    assert "pg_last_wal_replay_lsn()" in replay["sql"]

    _on_replica("SELECT pg_wal_replay_resume()")
    _wait_for_replay()
    with CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as on_primary:
        again = client.get("/api/v1/stats/")
    assert again.wsgi_request.user.is_authenticated
    assert not on_primary.captured_queries  # caught up: the replica serves it all
    assert again.cookies[replicas.PIN_COOKIE].value == ""  # and the pin is dropped


@real_replica_only
@on_both
@pytest.mark.usefixtures("seeded_transactional_db")
def test_an_answer_is_never_served_under_a_version_the_replica_has_not_reached(
    streaming_replica, client, django_user_model
):
    """Replay paused, client A signs in and an activity is published: A (pinned to the
    primary) counts it at once; B, reading from the replica, gets the old answer, kept
    under the replica's old version, until the replica replays the write."""
    django_user_model.objects.create_user(username="ana", password="a long pass phrase 42")
    _wait_for_replay()
    reader_b = client
    before = reader_b.get("/api/v1/stats/").json()["totals"]["activities"]
    old_version = answer_cache.current(DEFAULT_DB_ALIAS)
    _pause_replay()

    from django.test import Client

    writer_a = Client()
    writer_a.post(reverse("login"), {"username": "ana", "password": "a long pass phrase 42"})
    ActivityFactory()
    new_version = answer_cache.current(DEFAULT_DB_ALIAS)
    assert new_version != old_version
    assert answer_cache.current("replica_1") == old_version

    assert writer_a.get("/api/v1/stats/").json()["totals"]["activities"] == before + 1
    for _ in range(2):  # computed on the replica, then from the cache: the old answer
        assert reader_b.get("/api/v1/stats/").json()["totals"]["activities"] == before
    # Computed on the primary, an anonymous answer is kept under the new version: B's
    # replica has not reached it, so B never gets it.
    primary_reader = Client()
    primary_reader.cookies[replicas.PIN_COOKIE] = writer_a.cookies[replicas.PIN_COOKIE].value
    assert primary_reader.get("/api/v1/stats/").json()["totals"]["activities"] == before + 1
    assert reader_b.get("/api/v1/stats/").json()["totals"]["activities"] == before

    _on_replica("SELECT pg_wal_replay_resume()")
    _wait_for_replay()
    assert reader_b.get("/api/v1/stats/").json()["totals"]["activities"] == before + 1


@real_replica_only
@on_both
def test_a_replica_out_of_reach_sends_the_reads_to_the_primary(
    streaming_replica, client, monkeypatch, caplog
):
    connection = connections["replica_1"]
    connection.close()
    port = connection.settings_dict["PORT"]
    connection.settings_dict["PORT"] = "1"  # nothing listens there
    monkeypatch.setattr(replicas, "_down_until", {})
    try:
        with (
            caplog.at_level(logging.WARNING, logger="tacbapp.replicas"),
            CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as on_primary,
        ):
            response = client.get("/api/v1/stats/")
    finally:
        connection.close()
        connection.settings_dict["PORT"] = port
    assert response.status_code == 200
    assert on_primary.captured_queries
    assert caplog.messages == ["Replica replica_1 unreachable: reading from the primary"]


@real_replica_only
@on_both
def test_a_read_whose_replica_goes_away_midway_is_answered_by_the_primary(
    streaming_replica, client, monkeypatch
):
    """The worker's kept connection to the replica dies between two requests, and the
    replica cannot be reached again: the read is run once more, on the primary."""
    import psycopg

    assert client.get("/api/v1/stats/").status_code == 200  # a kept replica connection
    connection = connections["replica_1"]
    backend = connection.connection.info.backend_pid
    settings_dict = connection.settings_dict
    with psycopg.connect(
        host=settings_dict["HOST"],
        port=settings_dict["PORT"],
        dbname=settings_dict["NAME"],
        user=settings_dict["USER"],
        autocommit=True,
    ) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [backend])
    port = settings_dict["PORT"]
    settings_dict["PORT"] = "1"  # and nothing answers any more
    monkeypatch.setattr(replicas, "_down_until", {})
    try:
        with CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as on_primary:
            response = client.get("/api/v1/stats/")
    finally:
        connection.close()
        settings_dict["PORT"] = port
    assert response.status_code == 200
    assert on_primary.captured_queries
    assert "replica_1" in replicas._down_until
