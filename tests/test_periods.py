"""Reporting periods that close (issue #15, item 3): what was reported stays, what changed
since carries its reason.

The project GLOT-CYB holds F28 (650 IT staff and teachers in El Salvador, 2020) and an
entered indicator with a 2020 value of more than 5,600 against a target of 5,000; its
2020 period is closed by a manager for the report E/CN.15/2021/8.
"""

from __future__ import annotations

import datetime
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from activities import services
from activities.models import (
    Activity,
    IndicatorValue,
    PeriodEvent,
    PeriodSnapshot,
    ReportingPeriod,
    SnapshotFigure,
)
from activities.results import periods

# The project GLOT-CYB, F28, its indicator, its 2020 period and the period's snapshot.
from tests.fixtures_periods import *  # noqa: F403
from tests.fixtures_periods import REPORT, closed_programme_period
from tests.fixtures_roles import resubmitted

# The seeded close of 2020 removed: these tests close and edit periods of their own.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("without_the_2020_close")]


def figures_of(snapshot) -> list[tuple]:
    return list(
        SnapshotFigure.objects.filter(snapshot=snapshot)
        .order_by("pk")
        .values_list("indicator_id", "key", "year", "quarter", "value", "qualifier", "target")
    )


# --- Closing and reopening ---------------------------------------------------------------


def test_closing_freezes_each_indicator_value_of_the_period_and_no_other(snapshot, indicator):
    frozen = {
        (year, quarter, key): (value, qualifier, target)
        for indicator_id, key, year, quarter, value, qualifier, target in figures_of(snapshot)
        if indicator_id == indicator.pk
    }
    assert frozen == {
        (2020, None, ""): (5600, "more_than", 5000),
        (2020, None, "female"): (2100, "exact", None),
        (2020, 3, ""): (300, "exact", None),
    }


def test_closing_freezes_the_headline_figures_of_the_projects_activities_in_the_period(
    snapshot, f28
):
    headline = {
        figure.key: (figure.value, figure.qualifier)
        for figure in snapshot.figures.filter(indicator__isnull=True)
    }
    assert headline["activities"] == (1, "exact")
    assert headline["participants"] == (650, "exact")
    assert set(headline) == {"activities", "participants", "people"}


def test_closing_records_who_when_which_report_and_the_data_version(snapshot, period, manager):
    period.refresh_from_db()
    assert period.is_closed and period.report == REPORT
    event = PeriodEvent.objects.get(period=period)
    assert (event.action, event.by, event.report, event.note) == (
        "close",
        manager,
        REPORT,
        "As sent.",
    )
    assert (snapshot.taken_by, snapshot.report, snapshot.taken_at) == (manager, REPORT, event.at)
    assert snapshot.data_version is not None


def test_only_a_manager_closes_or_reopens_a_period(period, officer, snapshot):
    fresh = ReportingPeriod.objects.create(
        label="2019", start_date=datetime.date(2019, 1, 1), end_date=datetime.date(2019, 12, 31)
    )
    with pytest.raises(PermissionDenied):
        periods.close_period(fresh, user=officer, report=REPORT)
    with pytest.raises(PermissionDenied):
        periods.reopen_period(period, user=officer, note="")
    assert not PeriodSnapshot.objects.filter(period=fresh).exists()


def test_a_closed_period_is_not_closed_twice(snapshot, period, manager):
    with pytest.raises(ValidationError):
        periods.close_period(period, user=manager, report=REPORT)
    assert PeriodSnapshot.objects.filter(period=period).count() == 1


def test_reopening_is_recorded_and_closing_again_takes_a_new_snapshot_beside_the_old(
    snapshot, period, manager, indicator
):
    before = figures_of(snapshot)
    periods.reopen_period(period, user=manager, note="A late correction from El Salvador.")
    IndicatorValue.objects.filter(indicator=indicator, year=2020, quarter=None, sex="").update(
        value=5640
    )
    second = periods.close_period(period, user=manager, report=REPORT + "/Corr.1")
    events = list(PeriodEvent.objects.filter(period=period).values_list("action", "note"))
    assert events == [
        ("close", "As sent."),
        ("reopen", "A late correction from El Salvador."),
        ("close", ""),
    ]
    assert figures_of(snapshot) == before
    assert PeriodSnapshot.objects.filter(period=period).count() == 2
    assert second.figures.get(indicator=indicator, year=2020, quarter=None, key="").value == 5640


# --- A closed period's snapshot never changes ---------------------------------------------

SNAPSHOT_TABLES = ("activities_periodsnapshot", "activities_snapshotfigure")


def writes_to_snapshots(queries) -> list[str]:
    pattern = re.compile(r"^\s*(UPDATE|DELETE)\b", re.IGNORECASE)
    return [
        query["sql"]
        for query in queries
        if pattern.match(query["sql"]) and any(table in query["sql"] for table in SNAPSHOT_TABLES)
    ]


def test_nothing_in_the_app_writes_to_a_snapshot_once_taken(
    snapshot, period, f28, manager, officer_client, manager_client
):
    before = figures_of(snapshot)
    with CaptureQueriesContext(connection) as captured:
        # The officer's form, the API, a reopen, a close again, an unpublish, a delete.
        page = officer_client.get(f"/activities/{f28.pk}/edit/")
        data = resubmitted(page)
        data["rows-0-not_recorded"] = "660"
        data["change_reason"] = "El Salvador sent the final list: 660."
        assert officer_client.post(f"/activities/{f28.pk}/edit/", data).status_code == 302
        periods.reopen_period(period, user=manager, note="Correction")
        periods.close_period(period, user=manager, report=REPORT)
        f28.refresh_from_db()
        services.activity_unpublish(activity=f28, by=manager, change_reason="Withdrawn")
        f28.refresh_from_db()
        services.activity_delete(
            activity=f28, by=manager, expected_version=f28.version, change_reason="Duplicate"
        )
    assert writes_to_snapshots(captured.captured_queries) == []
    assert figures_of(snapshot) == before


def test_a_snapshot_outlives_an_attempt_to_delete_its_period(snapshot, period):
    from django.db.models import ProtectedError

    with pytest.raises(ProtectedError):
        period.delete()


# --- A change in a closed period needs a reason -------------------------------------------


def test_the_form_refuses_a_change_without_a_reason_and_names_the_period(
    snapshot, f28, officer_client
):
    page = officer_client.get(f"/activities/{f28.pk}/edit/")
    assert "Reason for changing a reported figure" in page.content.decode()
    data = resubmitted(page)
    data["rows-0-not_recorded"] = "660"
    response = officer_client.post(f"/activities/{f28.pk}/edit/", data)
    assert response.status_code == 400
    message = response.context["form"].errors["change_reason"][0]
    assert "2020 (GLOT-CYB), closed for E/CN.15/2021/8" in message
    assert f28.beneficiaries.get().total == 650


def test_with_a_reason_the_change_is_saved_and_the_history_shows_the_reason(
    snapshot, f28, officer_client, manager_client
):
    page = officer_client.get(f"/activities/{f28.pk}/edit/")
    data = resubmitted(page)
    data["rows-0-not_recorded"] = "660"
    data["change_reason"] = "El Salvador sent the final list: 660."
    assert officer_client.post(f"/activities/{f28.pk}/edit/", data).status_code == 302
    assert f28.beneficiaries.get().total == 660
    history = manager_client.get(f"/activities/{f28.pk}/history/").content.decode()
    assert "Reason: El Salvador sent the final list: 660." in history
    assert re.search(r"made while [^<]*2020 \(GLOT-CYB\)[^<]* (was|were) closed", history)
    entries = manager_client.get(f"/api/v1/activities/{f28.pk}/history/").json()
    row_change = next(e for e in entries if e["beneficiary_row"] and e["action"] == "changed")
    assert row_change["reason"] == "El Salvador sent the final list: 660."
    assert "2020 (GLOT-CYB)" in row_change["closed_periods"]


def test_moving_an_activity_into_a_closed_period_needs_a_reason(snapshot, project, manager):
    later = Activity.objects.filter(status="published", start_date__year=2021).first()
    later.projects.add(project)
    with pytest.raises(periods.ReasonRequired):
        services.activity_update(
            activity=later,
            expected_version=later.version,
            fields={"start_date": datetime.date(2020, 6, 1), "end_date": datetime.date(2020, 6, 2)},
            by=manager,
        )


def test_a_change_outside_closed_periods_needs_no_reason(snapshot, manager):
    later = Activity.objects.filter(status="published", start_date__year=2021).first()
    services.activity_update(
        activity=later, expected_version=later.version, fields={"title": "Renamed"}, by=manager
    )
    assert Activity.objects.get(pk=later.pk).title == "Renamed"


def test_after_a_reopen_a_change_needs_no_reason(snapshot, period, f28, manager):
    # Every closed period F28 lies in (its project's, and the seed's programme-wide one).
    for closed in periods.closed_periods_of(f28):
        periods.reopen_period(closed, user=manager, note="Open again")
    services.activity_update(
        activity=f28, expected_version=f28.version, fields={"title": "Renamed"}, by=manager
    )


def test_a_draft_is_in_no_reported_figure_but_publishing_it_needs_a_reason(
    snapshot, project, manager
):
    draft = services.activity_create(
        fields={
            "title": "A late 2020 workshop",
            "start_date": datetime.date(2020, 11, 3),
            "end_date": datetime.date(2020, 11, 3),
        },
        relations={
            "countries": list(Activity.objects.get(reference="report-2020/F28").countries.all())
        },
        by=manager,
    )
    draft.projects.add(project)
    services.activity_update(
        activity=draft, expected_version=draft.version, fields={"title": "Late"}, by=manager
    )
    with pytest.raises(periods.ReasonRequired):
        services.activity_publish(activity=draft, by=manager)
    services.activity_publish(activity=draft, by=manager, change_reason="Logged late.")
    assert Activity.objects.get(pk=draft.pk).status == "published"


def test_a_programme_wide_period_holds_activities_of_no_project(manager):
    closed_programme_period(2020, by=manager)
    f16 = Activity.objects.filter(status="published", start_date__year=2020).first()
    assert not f16.projects.exists()
    with pytest.raises(periods.ReasonRequired, match="2020 \\(programme-wide\\)"):
        services.activity_update(
            activity=f16, expected_version=f16.version, fields={"title": "x"}, by=manager
        )


# --- The API ------------------------------------------------------------------------------


@pytest.fixture
def manager_api(manager):
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=manager)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def etag(api, pk) -> str:
    return api.get(f"/api/v1/activities/{pk}/").headers["ETag"]


def test_the_api_refuses_a_change_without_a_reason_and_names_the_period(snapshot, f28, manager_api):
    response = manager_api.patch(
        f"/api/v1/activities/{f28.pk}/",
        {"title": "Renamed"},
        format="json",
        HTTP_IF_MATCH=etag(manager_api, f28.pk),
    )
    assert response.status_code == 400
    assert REPORT in response.json()["change_reason"][0]
    assert Activity.objects.get(pk=f28.pk).title != "Renamed"


def test_the_api_takes_the_reason_in_x_change_reason_percent_encoded(snapshot, f28, manager_api):
    response = manager_api.patch(
        f"/api/v1/activities/{f28.pk}/",
        {"title": "Renamed"},
        format="json",
        HTTP_IF_MATCH=etag(manager_api, f28.pk),
        HTTP_X_CHANGE_REASON="Titre corrig%C3%A9",
    )
    assert response.status_code == 200, response.json()
    record = Activity.history.filter(id=f28.pk).latest("history_date")
    assert record.history_change_reason == "Titre corrigé"


def test_the_api_refuses_a_delete_without_a_reason(snapshot, f28, manager_api):
    tag = etag(manager_api, f28.pk)
    response = manager_api.delete(f"/api/v1/activities/{f28.pk}/", HTTP_IF_MATCH=tag)
    assert response.status_code == 400
    assert "2020" in response.json()["change_reason"][0]
    assert Activity.objects.filter(pk=f28.pk).exists()
    response = manager_api.delete(
        f"/api/v1/activities/{f28.pk}/", HTTP_IF_MATCH=tag, HTTP_X_CHANGE_REASON="Duplicate of F27"
    )
    assert response.status_code == 204


def test_the_schema_documents_the_reason_header(api):
    schema = api.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    operation = schema["paths"]["/api/v1/activities/{id}/"]["patch"]
    assert "X-Change-Reason" in {parameter["name"] for parameter in operation["parameters"]}


# --- "As reported" beside what the data says now ---------------------------------------


@pytest.fixture
def corrected(snapshot, f28, officer_client):
    """After the close, the officer corrects F28 from 650 to 660, with the reason."""
    page = officer_client.get(f"/activities/{f28.pk}/edit/")
    data = resubmitted(page)
    data["rows-0-not_recorded"] = "660"
    data["change_reason"] = "El Salvador sent the final list: 660."
    assert officer_client.post(f"/activities/{f28.pk}/edit/", data).status_code == 302
    return f28


def test_as_reported_gives_each_cell_as_reported_with_the_reasoned_changes_since(
    corrected, snapshot, project, indicator
):
    from activities.results.as_reported import as_reported

    reported = as_reported(project)
    whole = reported[(indicator.pk, 2020, None, "")]
    assert (whole.value, whole.qualifier, whole.target) == (5600, "more_than", 5000)
    assert (whole.taken_at, whole.report) == (snapshot.taken_at, REPORT)
    assert whole.text() == "more than 5,600"
    assert (indicator.pk, 2021, None, "") not in reported
    [change] = [c for c in whole.changes if c.subject != "activity"]
    assert change.reason == "El Salvador sent the final list: 660."
    assert change.who == "olga-officer"
    assert ("sex not recorded", "650", "660") in {(c.label, c.old, c.new) for c in change.changes}


def test_the_include_shows_as_reported_now_and_the_reasons(corrected, snapshot, project, indicator):
    from django.template.loader import render_to_string

    from activities.results.as_reported import as_reported
    from activities.results.compute import Figure

    reported = as_reported(project)[(indicator.pk, 2020, None, "")]
    html = render_to_string(
        "projects/includes/as_reported.html",
        {"reported": reported, "current": Figure(5640, "at_least")},
    )
    day = f"{snapshot.taken_at:%-d %B %Y}"
    assert f"As reported on {day} ({REPORT}): <strong>more than 5,600</strong>" in html
    assert "now: <strong>at least 5,640</strong>" in html
    assert "Reason: El Salvador sent the final list: 660." in html
    assert "<del>650</del> → <ins>660</ins>" in html


def test_a_cell_that_has_not_moved_says_unchanged(snapshot, project, indicator):
    from django.template.loader import render_to_string

    from activities.results.as_reported import as_reported
    from activities.results.compute import Figure

    reported = as_reported(project)[(indicator.pk, 2020, 3, "")]
    html = render_to_string(
        "projects/includes/as_reported.html",
        {"reported": reported, "current": Figure(300, "exact")},
    )
    assert "<strong>300</strong> (unchanged)" in html
    assert "now:" not in html


def test_nothing_is_as_reported_before_a_period_closes(period, project):
    from activities.results.as_reported import as_reported

    assert as_reported(project) == {}


# --- The attendance import changes derived tallies: it needs a reason too --------------


def test_an_attendance_import_into_a_closed_period_needs_a_reason(manager, manager_api):
    import io

    from tests.factories import ActivityFactory
    from tests.people_sheets import csv_bytes, people

    dated_2020 = ActivityFactory(
        places=["SLV"], start_date=datetime.date(2020, 5, 4), end_date=datetime.date(2020, 5, 5)
    )
    closed_programme_period(2020, by=manager)

    def upload(**headers):
        sheet = io.BytesIO(csv_bytes(people(3)))
        sheet.name = "sheet.csv"
        return manager_api.post(
            f"/api/v1/activities/{dated_2020.pk}/attendance/import/",
            {"file": sheet},
            format="multipart",
            **headers,
        )

    refused = upload()
    assert refused.status_code == 400
    assert "2020 (programme-wide)" in refused.json()["change_reason"][0]
    assert not dated_2020.attendance.exists()
    assert upload(HTTP_X_CHANGE_REASON="Sheet found late").status_code == 201
    reasons = set(
        dated_2020.beneficiaries.model.history.filter(activity_id=dated_2020.pk).values_list(
            "history_change_reason", flat=True
        )
    )
    assert "Sheet found late" in reasons


def test_a_computed_indicator_keeps_650_as_reported_while_the_data_say_660_and_why(
    project, period, manager, officer_client, f28
):
    """The issue's sentence: a closed period's snapshot never changes, and a later edit
    shows beside it with its reason."""
    from activities.models import Indicator
    from activities.results import compute
    from activities.results.as_reported import as_reported

    participations = Indicator.objects.create(
        project=project,
        code="2.1",
        title="Participations",
        kind=Indicator.Kind.COMPUTED,
        measure="participants",
    )
    periods.close_period(period, user=manager, report=REPORT)
    page = officer_client.get(f"/activities/{f28.pk}/edit/")
    data = resubmitted(page)
    data["rows-0-not_recorded"] = "660"
    data["change_reason"] = "El Salvador sent the final list: 660."
    assert officer_client.post(f"/activities/{f28.pk}/edit/", data).status_code == 302

    [live] = compute.indicator_results([participations], user=manager)
    now = live.cell(2020)
    reported = as_reported(project)[(participations.pk, 2020, None, "")]
    assert (reported.value, now.actual.value) == (650, 660)
    assert reported.text() == "650" and now.actual.text() == "660"
    assert [change.reason for change in reported.changes][:1] == [
        "El Salvador sent the final list: 660."
    ]


# --- The admin and the publish form ask for the reason too -----------------------------


def test_the_admin_asks_the_reason_in_a_closed_period(snapshot, f28, superuser_client):
    from tests.test_history_admin import admin_post, change_url

    data = admin_post(superuser_client.get(change_url(f28)))
    data["title"] = "Admin's title"
    data["change_reason"] = ""
    response = superuser_client.post(change_url(f28), data)
    assert response.status_code == 200
    assert "2020 (GLOT-CYB), closed for E/CN.15/2021/8" in response.content.decode()
    data["change_reason"] = "Title as in the report"
    assert superuser_client.post(change_url(f28), data).status_code == 302
    record = Activity.history.filter(id=f28.pk).latest("history_date")
    assert record.history_change_reason == "Title as in the report"


def test_withdrawing_a_published_activity_of_a_closed_period_asks_the_reason(
    snapshot, f28, manager_client
):
    page = manager_client.get(f"/activities/{f28.pk}/edit/").content.decode()
    assert 'id="id_publish_change_reason"' in page
    url = f"/activities/{f28.pk}/publish/"
    response = manager_client.post(url, {"action": "unpublish", "version": f28.version})
    assert response.status_code == 302
    f28.refresh_from_db()
    assert f28.status == "published"
    manager_client.post(
        url, {"action": "unpublish", "version": f28.version, "change_reason": "Double count"}
    )
    f28.refresh_from_db()
    assert f28.status == "draft"
