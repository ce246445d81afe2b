"""Answers for whoever asks: private when they depend on the credentials, throttles that
all workers share (wrong tokens too), and a 503 rather than a 500 while the database is
out of reach (issue 13, parts 4 and 5)."""

from __future__ import annotations

import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings
from django.core.cache import cache, caches
from django.db import OperationalError, connection, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.test import override_settings
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from rest_framework.throttling import AnonRateThrottle as DrfAnonRateThrottle

from activities.api.throttling import AnonRateThrottle, TokenFailureThrottle
from activities.models import Activity, BeneficiaryGroup

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
STATS = "/api/v1/stats/"
DRAFTS = "/api/v1/activities/?status=draft"


def is_private(response) -> bool:
    return "private" in response.get("Cache-Control", "")


def varies_on(response) -> set[str]:
    return {part.strip().lower() for part in response.get("Vary", "").split(",")}


# --- Cache-Control: private on every answer that depends on who asks ------------------


@pytest.mark.parametrize(("client_name", "url"), [("manager_api", DRAFTS), ("donor_api", STATS)])
def test_an_answer_to_a_token_is_private_and_varies_on_the_credentials(request, client_name, url):
    client = request.getfixturevalue(client_name)
    for _ in range(2):  # computed, then from the answer cache
        response = client.get(url)
        assert response.status_code == 200
        assert is_private(response)
        assert {"authorization", "cookie"} <= varies_on(response)


def test_a_signed_in_page_is_private(donor_client):
    response = donor_client.get("/")
    assert response.status_code == 200
    assert is_private(response)
    assert {"authorization", "cookie"} <= varies_on(response)


def test_a_conditional_get_with_a_token_keeps_private_on_its_304(manager_api):
    etag = manager_api.get(DRAFTS)["ETag"]
    response = manager_api.get(DRAFTS, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304
    assert is_private(response)


@pytest.mark.parametrize("url", [STATS, "/api/v1/activities/", "/"])
def test_an_anonymous_answer_is_not_private_whether_computed_or_kept(client, url):
    first, second = client.get(url), client.get(url)  # the second at the front door
    assert first.status_code == second.status_code == 200
    assert not is_private(first)
    assert not is_private(second)
    assert "authorization" not in varies_on(second)
    assert dict(first.headers) == dict(second.headers)


def test_a_private_answer_never_reaches_an_anonymous_visitor_through_the_answer_cache(
    client, donor_api
):
    assert is_private(donor_api.get(STATS))
    assert not is_private(client.get(STATS))
    assert is_private(donor_api.get(STATS))


# --- Throttles counted in one cache for all workers -----------------------------------


@pytest.fixture
def three_per_minute(monkeypatch):
    monkeypatch.setattr(DrfAnonRateThrottle, "THROTTLE_RATES", {"anon": "3/minute"})


def test_the_anonymous_throttle_counts_in_the_throttle_cache(api, three_per_minute):
    assert [api.get("/api/v1/regions/").status_code for _ in range(3)] == [200] * 3
    cache.clear()  # the default cache holds none of it
    assert api.get("/api/v1/regions/").status_code == 429
    caches["throttle"].clear()
    assert api.get("/api/v1/regions/").status_code == 200


def test_the_front_door_counts_on_the_same_throttle(client, three_per_minute):
    statuses = [client.get(STATS).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]  # the second and third at the front door


def test_the_api_throttles_are_the_shared_ones():
    assert settings.REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"] == [
        "activities.api.throttling.AnonRateThrottle"
    ]
    assert issubclass(AnonRateThrottle, DrfAnonRateThrottle)  # the front door applies it
    assert AnonRateThrottle.cache is TokenFailureThrottle.cache


def test_a_redis_url_makes_the_throttle_cache_shared_by_every_worker():
    code = "from django.conf import settings; print(settings.CACHES['throttle']['BACKEND'])"

    def backend(**env: str) -> str:
        clean = {k: v for k, v in __import__("os").environ.items() if "CACHE" not in k}
        result = subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", code],
            cwd=ROOT,
            env=clean | env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        return result.stdout.strip()

    assert backend().endswith("LocMemCache")
    assert backend(ANSWER_CACHE_SHARED_URL="redis://127.0.0.1:6379/1").endswith("RedisCache")
    assert backend(THROTTLE_CACHE_URL="redis://127.0.0.1:6379/2").endswith("RedisCache")


def test_a_throttle_cache_that_is_down_lets_requests_through(api, three_per_minute):
    unreachable = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.25},
    }
    with override_settings(CACHES={**settings.CACHES, "throttle": unreachable}):
        statuses = {api.get("/api/v1/regions/").status_code for _ in range(4)}
        wrong = APIClient(HTTP_AUTHORIZATION="Token wrong")
        assert wrong.get("/api/v1/regions/").status_code == 401
    assert statuses == {200}


# --- Wrong tokens throttled per address ------------------------------------------------


@pytest.fixture
def three_wrong_tokens_per_minute(monkeypatch):
    monkeypatch.setattr(TokenFailureThrottle, "THROTTLE_RATES", {"token_failure": "3/minute"})


def from_address(address: str, token: str) -> APIClient:
    return APIClient(REMOTE_ADDR=address, HTTP_AUTHORIZATION=f"Token {token}")


def test_wrong_tokens_from_one_address_are_refused_with_a_429(three_wrong_tokens_per_minute):
    guesser = from_address("203.0.113.9", "0" * 40)
    statuses = [guesser.get("/api/v1/regions/").status_code for _ in range(4)]
    assert statuses == [401, 401, 401, 429]
    refused = guesser.get("/api/v1/regions/")
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert "token" in refused.json()["detail"].lower()


def test_once_refused_an_address_gets_a_429_for_a_right_token_too(
    three_wrong_tokens_per_minute, manager
):
    right = Token.objects.create(user=manager).key
    for _ in range(3):
        from_address("203.0.113.9", "f" * 40).get("/api/v1/regions/")
    # Else a guesser would learn which guess was right from the status.
    assert from_address("203.0.113.9", right).get("/api/v1/regions/").status_code == 429
    assert from_address("198.51.100.7", right).get("/api/v1/regions/").status_code == 200


def test_a_malformed_token_header_counts_as_a_wrong_token(three_wrong_tokens_per_minute):
    statuses = [
        APIClient(REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION="Token a b")
        .get("/api/v1/regions/")
        .status_code
        for _ in range(4)
    ]
    assert statuses == [401, 401, 401, 429]


def test_right_tokens_are_never_counted(three_wrong_tokens_per_minute, manager_api):
    assert {manager_api.get("/api/v1/regions/").status_code for _ in range(5)} == {200}


def test_the_wrong_token_limit_comes_from_a_setting():
    assert settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["token_failure"]
    assert settings.REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"][0] == (
        "activities.api.authentication.ThrottledTokenAuthentication"
    )


# --- The database out of reach: 503 with Retry-After ----------------------------------


@contextmanager
def database_down(*, failures: int | None = None, lost: bool = False):
    """Every new cursor raises OperationalError (the first `failures` only, if given);
    `lost`: the connection then reports itself unusable, as a dropped one does."""
    original = BaseDatabaseWrapper.ensure_connection
    calls = {"failed": 0}

    def ensure_connection(self):
        if failures is None or calls["failed"] < failures:
            calls["failed"] += 1
            raise OperationalError("connection refused")
        return original(self)

    with mock.patch.object(BaseDatabaseWrapper, "ensure_connection", ensure_connection):
        if lost:
            with mock.patch.object(type(connections["default"]), "is_usable", lambda self: False):
                yield calls
        else:
            yield calls


@pytest.mark.parametrize("url", [STATS, "/api/v1/activities/", "/api/v1/regions/013/"])
def test_the_api_answers_503_json_with_retry_after_while_the_database_is_down(api, url):
    with database_down():
        response = api.get(url)
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert response.json()["detail"]
    assert int(response["Retry-After"]) == settings.DATABASE_UNAVAILABLE_RETRY_AFTER
    assert "no-store" in response["Cache-Control"]


def test_a_token_client_gets_the_503_too(manager_api):
    with database_down():
        response = manager_api.get(DRAFTS)
    assert response.status_code == 503
    assert is_private(response)


@pytest.mark.parametrize("url", ["/", "/activities/", "/regions/013/"])
def test_pages_answer_a_plain_503_page_while_the_database_is_down(client, url):
    with database_down():
        response = client.get(url)
    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/html")
    assert b"Temporarily unavailable" in response.content
    assert int(response["Retry-After"]) > 0


def test_a_kept_answer_is_not_served_from_the_front_door_while_the_database_is_down(client):
    assert client.get(STATS).status_code == 200
    assert client.get(STATS).status_code == 200  # kept at the front door
    with database_down():
        assert client.get(STATS).status_code == 503


@pytest.mark.skipif(
    connections["default"].vendor == "postgresql",
    reason="inside the test's transaction Django will not close a PostgreSQL connection, "
    "so the reconnect cannot be exercised here; SQLite runs it",
)
def test_a_read_whose_connection_was_lost_is_run_once_more(api):
    with database_down(failures=1, lost=True) as calls:
        response = api.get("/api/v1/regions/")
    assert response.status_code == 200
    assert calls["failed"] == 1


@pytest.mark.skipif(
    connections["default"].vendor == "postgresql",
    reason="inside the test's transaction Django will not close a PostgreSQL connection, "
    "so the reconnect cannot be exercised here; SQLite runs it",
)
def test_a_page_whose_connection_was_lost_is_rendered_once_more(client):
    with database_down(failures=1, lost=True) as calls:
        response = client.get("/activities/")
    assert response.status_code == 200
    assert b"Temporarily unavailable" not in response.content
    assert calls["failed"] == 1


def test_a_read_is_run_again_only_once(api):
    with database_down(failures=2, lost=True) as calls:
        response = api.get("/api/v1/regions/")
    assert response.status_code == 503
    assert calls["failed"] == 2


def test_a_read_that_met_a_working_connection_is_not_run_again(api):
    with database_down(failures=1) as calls:
        assert api.get("/api/v1/regions/").status_code == 503
    assert calls["failed"] == 1


def test_a_write_that_meets_the_outage_midway_is_a_503_and_leaves_nothing(officer_api):
    activities, rows = Activity.objects.count(), BeneficiaryGroup.objects.count()
    inserts = []

    def refuse_rows(execute, sql, params, many, context):
        if sql.startswith('INSERT INTO "activities_activity"'):
            inserts.append(sql)
        if sql.startswith('INSERT INTO "activities_beneficiarygroup"'):
            raise OperationalError("server closed the connection unexpectedly")
        return execute(sql, params, many, context)

    with (
        mock.patch.object(type(connections["default"]), "is_usable", lambda self: False),
        connection.execute_wrapper(refuse_rows),
    ):
        response = officer_api.post(
            "/api/v1/activities/",
            {
                "kind": "training",
                "title": "Half a write",
                "start_date": "2021-06-07",
                "end_date": "2021-06-09",
                "date_precision": "day",
                "modality": "in_person",
                "countries": ["SV"],
                "themes": ["e-evidence"],
                "languages": ["es"],
                "beneficiaries": [
                    {"audience": "police", "female": 8, "male": 14, "qualifier": "exact"}
                ],
                "source_paragraph": "",
            },
            format="json",
        )
    assert response.status_code == 503
    assert len(inserts) == 1  # a write is never run again
    assert (Activity.objects.count(), BeneficiaryGroup.objects.count()) == (activities, rows)


def test_an_outage_met_outside_a_view_is_a_503_and_any_other_error_a_500(rf):
    from activities.outage import server_error

    try:
        raise OperationalError("the database system is starting up")
    except OperationalError:
        response = server_error(rf.get("/api/v1/stats/"))
    assert response.status_code == 503
    try:
        raise ValueError("a bug")
    except ValueError:
        assert server_error(rf.get("/")).status_code == 500


# --- Behind a proxy: NUM_PROXIES ---------------------------------------------------------


def behind_proxy(client_address: str, token: str) -> APIClient:
    """A request as a load balancer at 10.0.0.2 forwards it for `client_address`."""
    return APIClient(
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR=client_address,
        HTTP_AUTHORIZATION=f"Token {token}",
    )


def test_without_num_proxies_a_client_cannot_choose_its_address(three_wrong_tokens_per_minute):
    # Direct deployment: X-Forwarded-For is whatever the client wrote; the failures of
    # "different" forwarded addresses from one connection's address count together.
    statuses = [
        behind_proxy(f"198.51.100.{n}", "0" * 40).get("/api/v1/regions/").status_code
        for n in range(4)
    ]
    assert statuses == [401, 401, 401, 429]


def test_behind_one_proxy_each_client_address_is_counted_apart(three_wrong_tokens_per_minute):
    rest = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    with override_settings(REST_FRAMEWORK=rest):
        guesser = [
            behind_proxy("203.0.113.9", "0" * 40).get("/api/v1/regions/").status_code
            for _ in range(4)
        ]
        # Another client behind the same balancer is not refused for the guesser's tries.
        other = behind_proxy("198.51.100.7", "0" * 40).get("/api/v1/regions/").status_code
    assert guesser == [401, 401, 401, 429]
    assert other == 401


def test_num_proxies_is_one_setting_for_the_api_and_the_login_lockout():
    assert settings.REST_FRAMEWORK["NUM_PROXIES"] == settings.NUM_PROXIES
