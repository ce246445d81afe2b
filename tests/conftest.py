"""Shared fixtures: the seeded database, users, clients.

The reference data (M49) and the 2020 report seed are loaded once per test session into
the test database; each test runs in a transaction that is rolled back, so every test
starts from the seed. Tests that need a live server (browser tests) flush the database
after themselves, so they reload the seed through `seeded_transactional_db`.
"""

from __future__ import annotations

import os

import pytest
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS
from django.utils import translation

from activities import answer_cache, seeding
from tacbapp import replicas

# Fixture modules of each area, kept apart so that they stay readable.
pytest_plugins: list[str] = [
    "tests.fixtures_roles",
    "tests.fixtures_api",
    "tests.fixtures_browser",
]


def _replicas_mirror_the_primary() -> None:
    """The replicas of DATABASE_REPLICA_URLS (tacbapp/replicas.py) become the primary's
    database itself, for the whole suite: Django's TEST["MIRROR"] only copies the test
    database's name, and a test's data, uncommitted, is not on a real replica. The
    router then sends every read to the primary; tests/test_replicas.py points
    `replica_1` at the real replica for its own tests."""
    primary = settings.DATABASES[DEFAULT_DB_ALIAS]
    for alias, database in settings.DATABASES.items():
        if alias.startswith(replicas.REPLICA_PREFIX):
            for key in ("HOST", "PORT", "NAME", "USER", "PASSWORD"):
                database[key] = primary.get(key)


_replicas_mirror_the_primary()


@pytest.fixture(autouse=True)
def _english_between_tests():
    """Each test starts in the default language: a request through LocaleMiddleware
    (Accept-Language: fr) leaves its language active in the thread after the response,
    and a domain call of the next test (a report draft) would speak French."""
    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _readers_leave_the_rollups_alone(settings):
    """Writes made straight through the ORM in a test are not rolled up by a reader:
    its statements would then depend on what an earlier write left. The rollups' own
    tests (tests/test_rollups*.py) turn it back on; writes through the client are
    rolled up by RollupMiddleware as in production."""
    settings.ROLLUPS_READERS_CATCH_UP = False


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        seeding.load_reference()
        seeding.load_report_seed()


@pytest.fixture
def seeded_transactional_db(transactional_db):
    """A transactional database (for live_server) with the seed loaded again.

    The flush after the previous transactional test emptied every table, the data
    version row too: without it no answer is cached, so it is made again (a new epoch).
    """
    answer_cache.ensure_row()
    seeding.load_reference()
    seeding.load_report_seed()


@pytest.fixture
def superuser(django_user_model):
    return django_user_model.objects.create_superuser(
        username="root", email="root@example.org", password="correct horse battery staple"
    )


@pytest.fixture
def superuser_client(client, superuser):
    client.force_login(superuser)
    return client


def pytest_collection_modifyitems(config, items):
    if os.environ.get("REQUIRE_POSTGRES") and "postgres" not in os.environ.get("DATABASE_URL", ""):
        raise pytest.UsageError("REQUIRE_POSTGRES is set but DATABASE_URL is not PostgreSQL")


@pytest.fixture
def without_the_2020_close(db):
    """The seed's closed period 2020 (activities/seeding.py), its close and its snapshot,
    removed for one test (rolled back after it): for tests about editing the seeded 2020
    records, or about closing a period, that are not about the report's close.

    Once a period is closed, a change to a published activity dated in it needs a reason
    (activities/results/periods.py), and a second programme-wide 2020 cannot be made.
    """
    from activities.models import PeriodEvent, PeriodSnapshot, ReportingPeriod, SnapshotFigure

    seeded = ReportingPeriod.objects.filter(project__isnull=True, label="2020")
    SnapshotFigure.objects.filter(snapshot__period__in=seeded).delete()
    PeriodSnapshot.objects.filter(period__in=seeded).delete()
    PeriodEvent.objects.filter(period__in=seeded).delete()
    seeded.delete()
