"""A reader rolls up what writes left before its answer's snapshot opens
(rollups.refresh.before_reading), not inside it: rolled up in a REPEATABLE READ
snapshot, a refresh that a writer committed meanwhile made the reader's fail ("could not
serialize access due to concurrent update", seen under the bench's writes), and the
answer counted from the base tables, seconds at 100,000 activities. A reader that finds
a refresh under way waits for it a little rather than count from the base tables, but
not past its patience and not behind a big one (an imported sheet's)."""

from __future__ import annotations

import datetime
import threading
import time

import psycopg
import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from activities import rollups
from activities.models import Activity, BeneficiaryGroup, RollupChange
from activities.rollups import refresh, universe

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("seeded_transactional_db"),
]

STATS = "/api/v1/stats/?measures=activities,participants"


@pytest.fixture(autouse=True)
def _readers_catch_up(settings):
    """As in production: a reader rolls up what writes left (tests/conftest.py)."""
    settings.ROLLUPS_READERS_CATCH_UP = True


def _published(number: int, people: int) -> Activity:
    activity = Activity.objects.create(
        reference=f"readers-{number}",
        title=f"Read after a write {number}",
        kind="training",
        start_date=datetime.date(2020, 3, 1),
        end_date=datetime.date(2020, 3, 2),
        status="published",
        delivery="delivered",
    )
    BeneficiaryGroup.objects.create(activity=activity, total=people, not_recorded=people)
    return activity


def _noted_write(client) -> int:
    """Two published activities added to the seed and everything rolled up; then one of
    them written behind the rollups' back (its row saved again, as the bench's write
    does): the public participations, unchanged by that write."""
    first, _ = _published(1, 7), _published(2, 5)
    rollups.catch_up(everything=True)
    people = _participants(client.get(STATS))
    assert rollups.path() == rollups.PUBLIC_TOTALS
    BeneficiaryGroup.objects.filter(activity=first).update(total=F("total"))
    assert RollupChange.objects.exists()
    return people


def _participants(response) -> int:
    assert response.status_code == 200
    return int(response.json()["totals"]["participants"]["total"])


def test_a_reader_rolls_up_before_its_snapshot_opens(client):
    people = _noted_write(client)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(STATS)
    assert _participants(response) == people
    assert rollups.path() == rollups.PUBLIC_TOTALS
    assert not RollupChange.objects.exists()
    statements = [query["sql"] or "" for query in queries]  # a COPY logs no SQL
    rolled_up = max(i for i, sql in enumerate(statements) if "activities_rollupcell" in sql)
    # The answer's snapshot reads the data version it is kept under: after the refresh.
    snapshot = max(i for i, sql in enumerate(statements) if "FROM activities_dataversion" in sql)
    assert rolled_up < snapshot


@pytest.fixture
def lock_holder():
    """Another connection, to hold the refreshes' lock as a writer rolling up does."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no concurrent refresh to wait for")
    params = connection.get_connection_params()
    holder = psycopg.connect(
        dbname=params["dbname"],
        host=params.get("host"),
        port=params.get("port"),
        user=params.get("user"),
        password=params.get("password"),
        autocommit=True,
    )
    yield holder
    holder.execute("SELECT pg_advisory_unlock_all()")
    holder.close()


def test_a_reader_waits_for_a_refresh_under_way(client, lock_holder, monkeypatch):
    monkeypatch.setattr(refresh, "READER_PATIENCE_SECONDS", 10.0)  # a loaded CI machine
    people = _noted_write(client)
    lock_holder.execute("SELECT pg_advisory_lock(%s)", [refresh.LOCK])
    released = threading.Timer(
        0.3, lambda: lock_holder.execute("SELECT pg_advisory_unlock(%s)", [refresh.LOCK])
    )
    started = time.monotonic()
    released.start()
    try:
        response = client.get(STATS)
    finally:
        released.join()
    assert time.monotonic() - started >= 0.25  # it waited for the lock
    assert _participants(response) == people
    assert rollups.path() == rollups.PUBLIC_TOTALS  # and read the rollups
    assert not RollupChange.objects.exists()


def test_a_reader_waits_no_longer_than_its_patience(client, lock_holder, monkeypatch):
    monkeypatch.setattr(refresh, "READER_PATIENCE_SECONDS", 0.1)
    people = _noted_write(client)
    lock_holder.execute("SELECT pg_advisory_lock(%s)", [refresh.LOCK])
    started = time.monotonic()
    response = client.get(STATS)
    assert 0.1 <= time.monotonic() - started < 5
    assert _participants(response) == people  # the same numbers, from the base tables
    assert rollups.path() == rollups.BASE_TABLES
    assert RollupChange.objects.exists()


def test_a_reader_does_not_wait_behind_a_big_refresh(client, lock_holder, monkeypatch):
    monkeypatch.setattr(refresh, "READER_PATIENCE_SECONDS", 30.0)
    monkeypatch.setattr(refresh, "READER_WAITS_FOR_AT_MOST", 0)  # one note is "big"
    people = _noted_write(client)
    lock_holder.execute("SELECT pg_advisory_lock(%s)", [refresh.LOCK])
    started = time.monotonic()
    response = client.get(STATS)
    assert time.monotonic() - started < 5
    assert _participants(response) == people
    assert rollups.path() == rollups.BASE_TABLES


def test_a_stats_question_rolls_up_only_what_it_reads(client):
    """/api/v1/stats/ knows its question before its snapshot opens: one of people only
    does not roll up a write of beneficiary rows alone (no person's cell reads rows);
    one of participations does."""
    _noted_write(client)
    assert not RollupChange.objects.filter(people=True).exists()
    response = client.get("/api/v1/stats/?measures=people")
    assert response.status_code == 200
    assert rollups.path() == rollups.PUBLIC_TOTALS  # the persons' kept sums
    assert RollupChange.objects.exists()  # left for the next question that reads them
    client.get(STATS)
    assert rollups.path() == rollups.PUBLIC_TOTALS
    assert not RollupChange.objects.exists()


def test_the_activities_list_rolls_up_first_and_other_lists_do_not(client):
    """The activities list reads each activity's representation kept under its stamp,
    which the roll-up moves (answer_cache/records.py): a waiting write is rolled up
    first. A list that reads no rollup leaves it for a reader of the rollups."""
    _noted_write(client)
    assert client.get("/api/v1/themes/").status_code == 200
    assert RollupChange.objects.exists()
    response = client.get("/api/v1/activities/?page_size=1")
    assert response.status_code == 200
    assert response.json()["count"] == universe.public().count()
    assert not RollupChange.objects.exists()
