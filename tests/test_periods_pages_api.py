"""The manager's pages and API for reporting periods: list, add, close, reopen; the
snapshots of closed periods, readable by everyone."""

from __future__ import annotations

import datetime

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from activities.models import PeriodEvent, PeriodSnapshot, ReportingPeriod
from activities.results import periods

# The project GLOT-CYB, F28, its indicator, its 2020 period and the period's snapshot.
from tests.fixtures_periods import *  # noqa: F403
from tests.fixtures_periods import REPORT

# The seeded close of 2020 removed: these tests close and edit periods of their own.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("without_the_2020_close")]


@pytest.fixture
def programme_2019():
    """Open (2020 may be closed by the seed already)."""
    return ReportingPeriod.objects.create(
        label="2019", start_date=datetime.date(2019, 1, 1), end_date=datetime.date(2019, 12, 31)
    )


@pytest.fixture
def project_2020(project, indicator):
    return ReportingPeriod.objects.create(
        project=project,
        label="2020",
        start_date=datetime.date(2020, 1, 1),
        end_date=datetime.date(2020, 12, 31),
    )


def api_for(user) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


# --- Pages ----------------------------------------------------------------------------------


def test_a_manager_closes_a_programme_wide_period_from_its_page(manager_client, programme_2019):
    page = manager_client.get("/periods/").content.decode()
    assert "Close and keep its figures" in page
    response = manager_client.post(
        f"/periods/{programme_2019.pk}/close/", {"report": REPORT, "note": "As sent."}
    )
    assert response.status_code == 302 and response["Location"] == "/periods/"
    page = manager_client.get("/periods/").content.decode()
    assert f"for {REPORT}" in page
    assert "Reopen" in page
    assert "participations" in page


def test_a_manager_reopens_with_a_note_and_the_page_lists_both_acts(
    manager_client, manager, project_2020
):
    periods.close_period(project_2020, user=manager, report=REPORT)
    response = manager_client.post(
        f"/periods/{project_2020.pk}/reopen/", {"note": "Correction from El Salvador"}
    )
    assert response["Location"] == "/projects/GLOT-CYB/periods/"
    page = manager_client.get("/projects/GLOT-CYB/periods/").content.decode()
    assert "reopened" in page and "Correction from El Salvador" in page
    assert list(PeriodEvent.objects.values_list("action", flat=True)) == ["close", "reopen"]


def test_a_reopen_without_a_note_is_refused(manager_client, manager, programme_2019):
    periods.close_period(programme_2019, user=manager, report=REPORT)
    manager_client.post(f"/periods/{programme_2019.pk}/reopen/", {"note": ""})
    programme_2019.refresh_from_db()
    assert programme_2019.is_closed


def test_an_officer_sees_the_periods_without_the_buttons_and_may_not_close(
    officer_client, programme_2019
):
    page = officer_client.get("/periods/").content.decode()
    assert "2019" in page and "Close and keep its figures" not in page
    response = officer_client.post(f"/periods/{programme_2019.pk}/close/", {"report": REPORT})
    assert response.status_code == 403
    assert not PeriodSnapshot.objects.exists()


def test_a_manager_adds_a_period(manager_client, project):
    response = manager_client.post(
        "/projects/GLOT-CYB/periods/",
        {"label": "2021 Q1", "start_date": "2021-01-01", "end_date": "2021-03-31"},
    )
    assert response.status_code == 302
    assert ReportingPeriod.objects.get(project=project).label == "2021 Q1"


def test_the_periods_page_needs_a_sign_in(client):
    assert client.get("/periods/").status_code == 302


@pytest.mark.parametrize("years", [1, 4])
def test_the_periods_page_reads_in_a_constant_number_of_queries(
    years, manager_client, manager, django_assert_num_queries
):
    for year in range(2020 - years, 2020):
        period = ReportingPeriod.objects.create(
            label=str(year),
            start_date=datetime.date(year, 1, 1),
            end_date=datetime.date(year, 12, 31),
        )
        periods.close_period(period, user=manager, report=f"Report {year}")
    # session, user, the user's own and their groups' permissions (perms in the
    # template), the periods, their events, their snapshots, the snapshots' headline
    # figures, the navigation bar's review counts
    with django_assert_num_queries(9):
        assert manager_client.get("/periods/").status_code == 200


# --- API ------------------------------------------------------------------------------------


def test_the_api_lists_periods_with_their_events(api, manager, project_2020):
    periods.close_period(project_2020, user=manager, report=REPORT)
    [row] = [r for r in api.get("/api/v1/periods/").json()["results"] if r["project"]]
    assert (row["project"], row["label"], row["is_closed"], row["report"]) == (
        "GLOT-CYB",
        "2020",
        True,
        REPORT,
    )
    assert [event["action"] for event in row["events"]] == ["close"]
    assert row["events"][0]["by"] is None  # no staff names for the public


def test_anyone_reads_the_snapshots_of_a_closed_period(api, manager, project_2020, indicator):
    periods.close_period(project_2020, user=manager, report=REPORT)
    [snapshot] = api.get(f"/api/v1/periods/{project_2020.pk}/snapshots/").json()
    figures = {
        (f["indicator"]["code"] if f["indicator"] else None, f["key"], f["year"], f["quarter"]): (
            f["value"],
            f["qualifier"],
        )
        for f in snapshot["figures"]
    }
    assert figures[("1.1", "", 2020, None)] == (5600, "more_than")
    assert figures[(None, "participants", None, None)] == (650, "exact")
    assert snapshot["report"] == REPORT


def test_the_snapshots_of_a_reopened_period_are_for_managers(api, manager, project_2020):
    periods.close_period(project_2020, user=manager, report=REPORT)
    periods.reopen_period(project_2020, user=manager, note="Correction")
    assert api.get(f"/api/v1/periods/{project_2020.pk}/snapshots/").json() == []
    assert len(api_for(manager).get(f"/api/v1/periods/{project_2020.pk}/snapshots/").json()) == 1


def test_a_manager_closes_and_reopens_through_the_api(manager, programme_2019):
    client = api_for(manager)
    response = client.post(
        f"/api/v1/periods/{programme_2019.pk}/close/", {"report": REPORT}, format="json"
    )
    assert response.status_code == 201, response.json()
    assert response.json()["taken_by"] == manager.username
    again = client.post(
        f"/api/v1/periods/{programme_2019.pk}/close/", {"report": REPORT}, format="json"
    )
    assert again.status_code == 400
    response = client.post(
        f"/api/v1/periods/{programme_2019.pk}/reopen/", {"note": "Late data"}, format="json"
    )
    assert response.status_code == 200 and response.json()["is_closed"] is False


@pytest.mark.parametrize("who", ["anonymous", "officer", "donor viewer"])
def test_only_managers_close_through_the_api(who, api, officer, donor_viewer, programme_2019):
    client = {"anonymous": api, "officer": api_for(officer), "donor viewer": api_for(donor_viewer)}[
        who
    ]
    response = client.post(
        f"/api/v1/periods/{programme_2019.pk}/close/", {"report": REPORT}, format="json"
    )
    assert response.status_code in (401, 403)
    assert not PeriodSnapshot.objects.exists()
