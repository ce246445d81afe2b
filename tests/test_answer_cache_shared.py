"""The shared tier of the answer cache (ANSWER_CACHE_SHARED_URL, Redis).

Each worker keeps answers in its own memory; the shared tier lets a worker use an answer
another worker computed at the same data version. Emptying this process's own cache
stands for "another worker". Needs Redis at TEST_REDIS_URL (default 127.0.0.1:6379,
database 15); skipped without it, unless REQUIRE_REDIS is set (CI).
"""

from __future__ import annotations

import os
import uuid

import pytest
import redis
from django.core.cache import caches

from activities import answer_cache
from tests.test_answer_cache import EL_SALVADOR_2020, it_staff_rows, people, queries_of

pytestmark = pytest.mark.usefixtures("seeded_transactional_db")

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def shared_tier_settings(location: str) -> dict:
    return {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": location,
        "KEY_PREFIX": f"test-{uuid.uuid4().hex}",  # xdist workers share the server
        "TIMEOUT": 120,
        "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.25},
    }


@pytest.fixture
def shared_tier(settings):
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5).ping()
    except redis.RedisError:
        if os.environ.get("REQUIRE_REDIS"):
            raise
        pytest.skip(f"no Redis at {REDIS_URL}")
    settings.CACHES = {**settings.CACHES, "answers_shared": shared_tier_settings(REDIS_URL)}
    return caches[answer_cache.SHARED_CACHE_ALIAS]


def another_worker() -> None:
    """What a second process would have: nothing in its own memory."""
    caches[answer_cache.CACHE_ALIAS].clear()


def test_an_answer_computed_by_one_worker_is_used_by_another(client, shared_tier):
    first, computed = queries_of(client, EL_SALVADOR_2020)
    another_worker()
    second, shared = queries_of(client, EL_SALVADOR_2020)
    assert shared == 1 < computed  # the version read; nothing computed
    assert second.content == first.content
    assert second["ETag"] == first["ETag"]


def test_a_write_reaches_every_worker_through_the_shared_tier(client, shared_tier):
    assert people(client.get(EL_SALVADOR_2020)) == 650
    it_staff_rows().update(not_recorded=700, total=700)
    another_worker()
    assert people(client.get(EL_SALVADOR_2020)) == 700
    another_worker()
    assert people(client.get(EL_SALVADOR_2020)) == 700  # the new answer is the one shared


def test_a_shared_tier_that_is_down_only_makes_answers_computed(client, settings):
    # Nothing listens on port 1: every call to the shared tier fails at once.
    settings.CACHES = {
        **settings.CACHES,
        "answers_shared": shared_tier_settings("redis://127.0.0.1:1/0"),
    }
    assert people(client.get(EL_SALVADOR_2020)) == 650
    _, queries = queries_of(client, EL_SALVADOR_2020)
    assert queries == 1  # this worker's own copy still serves
    another_worker()
    assert people(client.get(EL_SALVADOR_2020)) == 650  # computed again, no error


def test_a_worker_waits_for_the_answer_another_is_computing(client, shared_tier, monkeypatch):
    """Right after a write every worker misses the same answers: the first claims each
    in the shared tier, the others wait for it instead of computing it too."""
    import threading

    from activities.answer_cache import store

    assert people(client.get(EL_SALVADOR_2020)) == 650
    it_staff_rows().update(not_recorded=700, total=700)  # every worker misses it now
    theirs = (b'{"computed": "by another worker"}', {"Content-Type": "application/json"})
    claimed: list[str] = []
    real_claim = store._claim

    def claimed_by_another(key: str) -> str | None:
        # Another worker claims it first, and puts its answer in the tier 50 ms later.
        assert real_claim(key)
        assert real_claim(key) is None  # a second claim of the same answer fails
        claimed.append(key)
        threading.Timer(0.05, lambda: shared_tier.set(key, theirs)).start()
        return None

    monkeypatch.setattr(store, "_claim", claimed_by_another)
    another_worker()
    response, queries = queries_of(client, EL_SALVADOR_2020)
    assert claimed and queries == 1  # the version read; nothing computed here
    assert response.content == theirs[0]


def test_a_worker_computes_an_answer_whose_claim_was_given_up(client, shared_tier, monkeypatch):
    """A claim released without an answer (kept under a newer version, or failed): the
    waiting worker computes the answer itself, at once."""
    from activities.answer_cache import store

    def released_at_once(key: str) -> str | None:
        return None  # claimed by no one: nothing to wait for

    monkeypatch.setattr(store, "_claim", released_at_once)
    response, queries = queries_of(client, EL_SALVADOR_2020)
    assert queries > 1 and people(response) == 650


def test_a_claim_is_released_by_its_worker_only(shared_tier):
    """A claim that expired and was made again by another worker is not given up by the
    first one finishing late; its own is."""
    from activities.answer_cache import store

    mine = store._claim("an-answer")
    assert mine and store._claim("an-answer") is None
    shared_tier.set(store._claim_key("an-answer"), "another worker's", 10)  # mine expired
    store._release("an-answer", mine)
    assert shared_tier.get(store._claim_key("an-answer")) == "another worker's"
    store._release("an-answer", "another worker's")
    assert store._claim("an-answer")  # free again
