"""The statements that roll activities up are built once per process and run again with
other ids (activities/rollups/statements.py): the cells they give equal those of
statements built afresh for the same activities, whatever those activities hold, and a
new year in the data (inlined in the statements by year) builds them again."""

from __future__ import annotations

import datetime
from collections import Counter

import pytest

from activities import services
from activities.models import Activity, BeneficiaryGroup, Country, Theme
from activities.rollups import refresh, statements
from activities.stats.sql import Relation, stored

pytestmark = pytest.mark.django_db


def _activity(kind: str, year: int, rows: list[tuple[str | None, int]]) -> Activity:
    activity = Activity.objects.create(
        reference=f"statements-{Activity.objects.count()}",
        title="Rolled up",
        kind=kind,
        start_date=datetime.date(year, 3, 1),
        end_date=datetime.date(year, 3, 2),
        status="published",
        delivery="delivered",
    )
    for iso2, people in rows:
        country = Country.objects.get(iso2=iso2) if iso2 else None
        BeneficiaryGroup.objects.create(
            activity=activity, country=country, total=people, female=people, male=0
        )
    return activity


def _cells(batch: list[int]) -> Counter:
    return Counter(refresh._cells("default", batch))


def _fresh(batch: list[int], monkeypatch) -> Counter:
    """The cells of statements built now, none kept."""
    with monkeypatch.context() as patched:
        patched.setattr(statements, "groupings", statements._build)
        return _cells(batch)


@pytest.fixture(autouse=True)
def _nothing_kept():
    statements._kept.clear()
    yield
    statements._kept.clear()


def test_kept_statements_give_the_cells_of_fresh_ones_for_other_activities(monkeypatch):
    first = _activity("training", 2020, [(None, 10)])
    assert _cells([first.pk]) == _fresh([first.pk], monkeypatch)
    assert len(statements._kept) == 1
    kept = dict(statements._kept)

    # Another kind, two countries, a theme, a row without a country: the same statements.
    second = _activity("webinar", 2020, [("SV", 5), ("GT", 7), (None, 3)])
    second.countries.set(Country.objects.filter(iso2__in=["SV", "GT"]))
    second.themes.add(Theme.objects.create(name="Statements theme", slug="statements-theme"))
    services.refresh_attribution(activity=second)
    cells = _cells([second.pk])
    assert statements._kept.keys() == kept.keys()  # reused, not built again
    assert cells == _fresh([second.pk], monkeypatch)
    assert {cell[0] for cell in cells} >= {"", "country", "theme", "place"}
    salvador = str(Country.objects.get(iso2="SV").pk)
    assert ("country", second.pk, salvador, "null") in {cell[:4] for cell in cells}

    # Two activities at once: statements of two ids, kept beside those of one.
    both = [first.pk, second.pk]
    assert _cells(both) == _fresh(both, monkeypatch)
    assert len(statements._kept) == 2
    assert _cells(both) == _fresh(both, monkeypatch)  # and run again with them
    # A range of ids (a rebuild's chunks) is one more form.
    ranged = Counter(refresh._cells("default", (first.pk, second.pk)))
    assert ranged == _fresh(both, monkeypatch)


def test_a_new_year_builds_the_statements_again(monkeypatch):
    first = _activity("training", 2020, [(None, 10)])
    _cells([first.pk])
    later = _activity("training", 2024, [("SV", 4)])
    cells = _cells([later.pk])
    assert len(statements._kept) == 2  # the calendar 2020-2024 is another key
    assert cells == _fresh([later.pk], monkeypatch)
    assert ("year", later.pk, "2024", "null") in {cell[:4] for cell in cells}


def test_a_big_batch_is_built_each_time(monkeypatch):
    monkeypatch.setattr(statements, "KEPT_SIZES", 1)
    activities = [_activity("training", 2020, [(None, n)]) for n in (1, 2)]
    batch = [activity.pk for activity in activities]
    assert _cells(batch) == _fresh(batch, monkeypatch)
    assert not statements._kept


def test_kept_statements_are_those_built_afresh_with_the_ids_in_place():
    first = _activity("training", 2020, [(None, 10)])
    second = _activity("webinar", 2020, [("SV", 5)])
    list(statements.groupings("default", [first.pk]))  # kept for one id

    def built(groupings) -> list[tuple[str, list]]:
        return [(s.sql, list(s.params)) for g in groupings for s in g.statements]

    assert statements._kept
    assert built(statements.groupings("default", [second.pk])) == built(
        statements._build("default", [second.pk])
    )


def test_the_years_are_read_once_and_the_statements_built_with_them(monkeypatch):
    """A write committed while the statements are built (a caller's transaction at READ
    COMMITTED) must not have them kept under years they were not built with."""
    from activities.stats.dimensions import YearDimension

    activity = _activity("training", 2020, [(None, 10)])
    reads = iter([(2020, 2024)])

    def dates(self):
        # The first read sees 2020-2024; any later one, a write since: 2011-2021.
        return self._dates if self._fixed else next(reads, (2011, 2021))

    monkeypatch.setattr(YearDimension, "dates", dates)
    groupings = list(statements.groupings("default", [activity.pk]))
    by_year = next(g for g in groupings if g.shape == ("year",))
    activities = by_year.statements[0].sql  # the activities by year: the calendar inlined
    assert "SELECT 2024 AS y" in activities
    assert "SELECT 2021 AS y" in activities and "SELECT 2011 AS y" not in activities
    ((key, _kept),) = statements._kept.items()
    assert (2020, 2024) in key


def _prepared_count() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements")
        return int(cursor.fetchone()[0])


def _prepared_at() -> list:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT statement, prepare_time FROM pg_prepared_statements ORDER BY 1")
        return cursor.fetchall()


def test_on_postgresql_a_writes_statements_are_prepared_and_still_counted(settings):
    """A few ids (a write's): each statement prepared once per connection, run again with
    other ids as it is, still seen by Django's query log and counts; a range is planned
    for its own ids; PREPARED_STATEMENTS=0 prepares none."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no prepared statements to keep")
    first = _activity("training", 2020, [("SV", 10)])
    second = _activity("webinar", 2020, [("GT", 5), (None, 2)])
    before = _prepared_count()
    with CaptureQueriesContext(connection) as queries:
        cells = _cells([first.pk])
    # One prepared statement for each text (two groupings may run the same statement).
    statements_run = len(
        {s.sql for g in statements.groupings("default", [first.pk]) for s in g.statements}
    )
    assert statements_run > 20
    assert _prepared_count() - before == statements_run
    assert len(queries) >= statements_run  # counted as any statement is
    assert cells and all(cell[1] == first.pk for cell in cells)

    again = _cells([second.pk])  # the same statements, another id: none prepared anew
    assert _prepared_count() - before == statements_run
    assert {cell[1] for cell in again} == {second.pk}

    _cells((first.pk, second.pk))  # a range: not prepared
    assert _prepared_count() - before == statements_run

    # An answer that keeps its matched activities in a temporary table does not make
    # psycopg forget them (it does at any DROP: the table goes at the commit instead).
    prepared_at = _prepared_at()
    with stored(Relation("SELECT 1 AS pk"), "kept") as table, connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}")
        assert cursor.fetchone()[0] == 1
    _cells([second.pk])
    assert _prepared_at() == prepared_at  # run as they were, not prepared again

    settings.PREPARED_STATEMENTS = False
    statements._kept.clear()
    _cells([first.pk, second.pk])  # two ids: another set of statements, not prepared
    assert _prepared_count() - before == statements_run
