"""Validated filters kept under the reference version (activities/filters/plans.py).

A write of a delivery record (an activity, its rows, its links, people, attendance)
moves the data version only: the next computed answer reuses the filters it validated
before, without looking their codes up again. A write to any other table (a country, a
project, a hub's coverage...) moves the reference version too, and the next answer
validates its filters afresh. These tests run transactionally, as the app does, so the
answer cache and its snapshots are in use.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from activities.answer_cache import triggers
from activities.filters import plans
from activities.models import Activity, BeneficiaryGroup, Country, DataVersion, Hub

pytestmark = pytest.mark.usefixtures("seeded_transactional_db")

EL_SALVADOR_2020 = "/api/v1/stats/?country=SV&year=2020"


@pytest.fixture(autouse=True)
def no_plans():
    plans.forget()
    yield
    plans.forget()


def versions() -> tuple[int, int]:
    row = DataVersion.objects.get()
    return row.version, row.reference


def touch_a_row() -> None:
    """A delivery record written as an officer's edit would: its counts unchanged."""
    row = BeneficiaryGroup.objects.filter(activity__reference="report-2020/F28").first()
    assert row is not None
    row.save()


def stats(client, url: str = EL_SALVADOR_2020) -> tuple[dict, list[str]]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, response.content[:500]
    return response.json(), [query["sql"] for query in captured.captured_queries]


def counts(answer: dict) -> dict:
    """The totals, without the link (which names the code asked for)."""
    return {name: value for name, value in answer["totals"].items() if name != "activities_href"}


def country_lookups(statements: list[str]) -> list[str]:
    return [sql for sql in statements if "FROM activities_country WHERE" in sql]


# --- The reference version ----------------------------------------------------------------


def test_a_delivery_record_moves_the_data_version_only():
    version, reference = versions()
    touch_a_row()
    activity = Activity.objects.get(reference="report-2020/F28")
    activity.countries.add(Country.objects.get(iso2="GT"))  # a link of an activity
    Activity.objects.filter(pk=activity.pk).update(title="Renamed")
    after, after_reference = versions()
    assert after >= version + 3
    assert after_reference == reference


@pytest.mark.parametrize(
    "write",
    [
        pytest.param(
            lambda: Country.objects.filter(iso2="SV").update(name="El Salvador (renamed)"),
            id="a country",
        ),
        pytest.param(
            lambda: Hub.objects.first().countries.add(Country.objects.get(iso2="GT")),
            id="a hub's coverage",
        ),
        pytest.param(
            lambda: connection.cursor().execute(
                "UPDATE activities_theme SET name = name || '' WHERE id = "
                "(SELECT MIN(id) FROM activities_theme)"
            ),
            id="a theme, in raw SQL",
        ),
    ],
)
def test_a_reference_table_moves_both_versions(write):
    version, reference = versions()
    write()
    after, after_reference = versions()
    assert after > version
    assert after_reference > reference


def test_every_versioned_table_is_a_delivery_record_or_a_reference():
    tables = set(triggers.versioned_tables())
    facts = triggers.fact_tables()
    assert facts < tables
    assert {
        "activities_activity",
        "activities_beneficiarygroup",
        "activities_attendance",
        "activities_participant",
        "activities_activity_countries",
        "activities_reportedfigure_activities",
    } <= facts
    # What a filter looks up by its code is never a delivery record.
    assert not facts & {
        "activities_country",
        "activities_region",
        "activities_theme",
        "activities_project",
        "activities_hub_countries",
        "activities_hub_regions",
        "activities_donor",
        "activities_funding",
    }
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgrelid::regclass::text, tgfoid::regproc::text FROM pg_trigger"
                " WHERE tgname = %s",
                [triggers.TRIGGER],
            )
            functions = {table.strip('"'): function for table, function in cursor.fetchall()}
            for table in tables:
                wanted = triggers.FUNCTION if table in facts else triggers.REFERENCE_FUNCTION
                assert functions[table] == wanted, table
        else:
            cursor.execute(
                "SELECT tbl_name, sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s",
                [f"{triggers.TRIGGER}_%"],
            )
            for table, sql in cursor.fetchall():
                assert ("reference = reference + 1" in sql) == (table not in facts), table


# --- Plans --------------------------------------------------------------------------------


def test_after_a_delivery_write_the_filters_are_not_validated_again(client):
    first, statements = stats(client)
    assert country_lookups(statements)  # validated: the code looked up
    touch_a_row()
    second, statements = stats(client)
    assert second == first
    assert not country_lookups(statements)  # computed again, from the plan kept


def test_after_a_reference_write_the_filters_are_validated_again(client):
    """`country=SV` comes to name another country: the next answer is that country's."""
    guatemala, _ = stats(client, "/api/v1/stats/?country=GT&year=2020")
    el_salvador, _ = stats(client)
    assert counts(el_salvador) != counts(guatemala)
    with connection.cursor() as cursor:  # the two codes swapped, behind the app's back
        cursor.execute("UPDATE activities_country SET iso2 = 'XA' WHERE iso2 = 'SV'")
        cursor.execute("UPDATE activities_country SET iso2 = 'SV' WHERE iso2 = 'GT'")
        cursor.execute("UPDATE activities_country SET iso2 = 'GT' WHERE iso2 = 'XA'")
    now, statements = stats(client)
    assert country_lookups(statements)
    assert counts(now) == counts(guatemala)


def test_a_new_activity_in_the_country_counts_at_once(client):
    before, _ = stats(client, "/api/v1/stats/?country=SV&year=2020&measures=activities")
    activity = Activity.objects.get(reference="report-2020/F28")
    copy = Activity.objects.get(pk=activity.pk)
    copy.pk = None
    copy.reference = "test/copy-of-F28"
    copy.save()
    copy.countries.set(activity.countries.all())
    after, statements = stats(client, "/api/v1/stats/?country=SV&year=2020&measures=activities")
    assert not country_lookups(statements)
    assert after["totals"]["activities"] == before["totals"]["activities"] + 1


def test_signed_in_readers_validate_their_filters_every_time(client, manager):
    client.force_login(manager)
    stats(client)
    touch_a_row()
    _, statements = stats(client)
    assert country_lookups(statements)
    assert not plans.kept_count()


def test_invalid_filters_are_refused_each_time_and_never_kept(client):
    for _ in range(2):
        response = client.get("/api/v1/stats/?country=XX&year=2020")
        assert response.status_code == 400
        assert "country" in response.json()
        touch_a_row()
    assert not plans.kept_count()


def test_the_plans_kept_are_bounded(client, monkeypatch):
    monkeypatch.setattr(plans, "MAX_PLANS", 2)
    for code in ("SV", "GT", "HN"):
        stats(client, f"/api/v1/stats/?country={code}&year=2020")
    assert plans.kept_count() == 2


def test_a_trigger_that_moves_the_data_version_only_on_a_reference_table_is_missing():
    """As an earlier release's `migrate` would leave it: the cache is then off in a new
    process (triggers_in_place), rather than a country's new code never seen."""
    assert "activities_country" not in triggers.missing_triggers()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"DROP TRIGGER {triggers.TRIGGER} ON activities_country")
            cursor.execute(
                f"CREATE CONSTRAINT TRIGGER {triggers.TRIGGER} AFTER INSERT OR UPDATE OR DELETE"
                " ON activities_country DEFERRABLE INITIALLY DEFERRED FOR EACH ROW"
                f" EXECUTE FUNCTION {triggers.FUNCTION}()"
            )
        else:
            name = triggers._sqlite_trigger("update", "activities_country")
            cursor.execute(f'DROP TRIGGER "{name}"')
            cursor.execute(
                f'CREATE TRIGGER "{name}" AFTER UPDATE ON activities_country BEGIN '
                "UPDATE activities_dataversion SET version = version + 1 WHERE id = 1; END"
            )
    try:
        assert triggers.missing_triggers() == ["activities_country"]
    finally:
        triggers.install_triggers()
    assert triggers.missing_triggers() == []
