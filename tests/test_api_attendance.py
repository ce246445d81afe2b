"""The attendance API: import a sheet (dry run, errors, created, already imported), list
who attended, download the template; personal data for permitted users only."""

from __future__ import annotations

import io
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from activities.models import Attendance, DataVersion, Participant
from activities.people import imports
from tests.factories import ActivityFactory
from tests.fixtures_api import token_client
from tests.people_sheets import csv_bytes, people

pytestmark = pytest.mark.django_db


@pytest.fixture
def activity():
    return ActivityFactory(places=["SLV"])


@pytest.fixture
def senegal():
    return ActivityFactory(places=["SEN"])


def url(activity, *, dry_run=False):
    return f"/api/v1/activities/{activity.pk}/attendance/import/" + (
        "?dry_run=true" if dry_run else ""
    )


def upload(client, activity, data, *, name="sheet.csv", dry_run=False, **fields):
    body = {"file": io.BytesIO(data), **{k: json.dumps(v) for k, v in fields.items()}}
    body["file"].name = name
    return client.post(url(activity, dry_run=dry_run), body, format="multipart")


def test_dry_run_previews_every_row_and_writes_nothing(officer_api, activity):
    rows = people(4)
    rows[2][2] = "Z"
    before = Participant.objects.count(), DataVersion.objects.get().version
    answer = upload(officer_api, activity, csv_bytes(rows), dry_run=True)
    assert answer.status_code == 400
    body = answer.json()
    assert body["dry_run"] is True
    assert body["counts"] == {"rows": 4, "new": 3, "same": 0, "possible": 0, "error": 1}
    assert body["rows"][2]["status"] == "error"
    assert "Row 4, column “Sex”" in body["rows"][2]["errors"][0]
    assert body["errors"] == body["rows"][2]["errors"]
    rows[2][2] = "F"
    answer = upload(officer_api, activity, csv_bytes(rows), dry_run=True)
    assert answer.status_code == 200
    assert answer.json()["counts"]["new"] == 4
    assert (Participant.objects.count(), DataVersion.objects.get().version) == before


def test_import_then_again_changes_nothing(officer_api, activity):
    data = csv_bytes(people(6))
    answer = upload(officer_api, activity, data)
    assert answer.status_code == 201, answer.json()
    body = answer.json()
    assert (body["rows"], body["created"], body["matched"]) == (6, 6, 0)
    before = Participant.objects.count(), Attendance.objects.count(), DataVersion.objects.get()
    answer = upload(officer_api, activity, data)
    assert answer.status_code == 200
    assert "already imported on" in answer.json()["detail"]
    after = Participant.objects.count(), Attendance.objects.count(), DataVersion.objects.get()
    assert before[:2] == after[:2]
    assert before[2].version == after[2].version


def test_errors_are_a_400_and_nothing_is_written(officer_api, activity):
    rows = people(5)
    rows[0][6] = "nope"
    answer = upload(officer_api, activity, csv_bytes(rows))
    assert answer.status_code == 400
    assert answer.json()["counts"]["error"] == 1
    assert "is not an e-mail address" in answer.json()["errors"][0]
    assert not Participant.objects.exists()


def test_a_bad_file_and_a_missing_file_are_400s(officer_api, activity):
    answer = upload(officer_api, activity, b"\x00\x01\x02garbage\xff\xfe")
    assert answer.status_code == 400
    assert "not text in UTF-8" in answer.json()["errors"][0]
    answer = officer_api.post(url(activity), {}, format="multipart")
    assert answer.status_code == 400
    assert "file" in answer.json()


def test_mapping_and_decisions_are_json_fields(officer_api, activity):
    data = csv_bytes([["Eva", "Muster", "F"]], ["Vorname", "Nachname", "Geschlecht"])
    answer = upload(officer_api, activity, data, dry_run=True)
    assert answer.status_code == 400
    assert answer.json()["unmapped_headers"] == ["Vorname", "Nachname", "Geschlecht"]
    mapping = {"Vorname": "given_name", "Nachname": "family_name", "Geschlecht": "sex"}
    answer = upload(officer_api, activity, data, mapping=mapping)
    assert answer.status_code == 201
    answer = officer_api.post(
        url(activity), {"file": io.BytesIO(data), "mapping": "[1, 2"}, format="multipart"
    )
    assert answer.status_code == 400
    assert "mapping" in answer.json()


def test_a_possible_match_is_confirmed_by_a_decision(officer_api, activity, officer):
    first = [["Juan Carlos", "Ramírez Soto", "M", "", "", "SV", "", "", "", "", ""]]
    imports.confirm(activity=activity, file=csv_bytes(first), by=officer)
    known = Participant.objects.get()
    other = ActivityFactory(places=["SLV"])
    near = csv_bytes([["Juan Carlos", "Ramirez", "M", "", "", "SV", "", "", "", "", ""]])
    body = upload(officer_api, other, near, dry_run=True).json()
    assert body["rows"][0]["status"] == "possible"
    assert body["rows"][0]["candidates"][0]["id"] == known.pk
    answer = upload(officer_api, other, near, decisions={"2": known.pk})
    assert answer.status_code == 201
    assert answer.json()["matched"] == 1
    assert Participant.objects.count() == 1


@pytest.mark.parametrize("who", ["anonymous", "donor", "out of scope officer"])
def test_who_may_not_import_or_list(who, api, donor_api, west_africa_officer, activity):
    client = {
        "anonymous": api,
        "donor": donor_api,
        "out of scope officer": token_client(west_africa_officer),
    }[who]
    expected = {"anonymous": 401, "donor": 403, "out of scope officer": 403}[who]
    assert upload(client, activity, csv_bytes(people(2))).status_code == expected
    assert client.get(f"/api/v1/activities/{activity.pk}/attendance/").status_code == expected
    assert not Participant.objects.exists()


def test_an_activity_the_user_cannot_see_is_a_404(officer_api, sahel_draft):
    assert officer_api.get(f"/api/v1/activities/{sahel_draft.pk}/attendance/").status_code == 404
    assert upload(officer_api, sahel_draft, csv_bytes(people(2))).status_code == 404


@pytest.mark.parametrize("who", ["officer", "manager"])
def test_in_scope_officer_and_manager_import_and_list(who, officer_api, manager_api, activity):
    client = officer_api if who == "officer" else manager_api
    assert upload(client, activity, csv_bytes(people(3))).status_code == 201
    answer = client.get(f"/api/v1/activities/{activity.pk}/attendance/")
    assert answer.status_code == 200
    body = answer.json()
    assert body["count"] == 3
    person = body["results"][0]["participant"]
    assert {"given_name", "family_name", "email", "birth_year", "country"} <= set(person)
    assert person["country"] == "SV"


def test_the_list_costs_the_same_queries_for_3_or_300_rows(manager_api, activity, senegal):
    imports.confirm(activity=activity, file=csv_bytes(people(3)), by=None)
    imports.confirm(activity=senegal, file=csv_bytes(people(300, seed=3, country="SN")), by=None)
    manager_api.get(f"/api/v1/activities/{activity.pk}/attendance/")  # warm sessions, perms
    counts = []
    for target in (activity, senegal):
        with CaptureQueriesContext(connection) as queries:
            answer = manager_api.get(f"/api/v1/activities/{target.pk}/attendance/?page_size=1000")
        assert answer.status_code == 200
        counts.append(len(queries))
    assert answer.json()["count"] == 300
    assert counts[0] == counts[1], counts


@pytest.mark.parametrize(
    ("suffix", "language", "first"),
    [("xlsx", "en", "Given name"), ("xlsx", "fr", "Prénom"), ("csv", "es", "Nombre")],
)
def test_the_template_in_the_users_language(api, suffix, language, first):
    answer = api.get(f"/api/v1/attendance/template.{suffix}", HTTP_ACCEPT_LANGUAGE=language)
    assert answer.status_code == 200
    if suffix == "xlsx":
        sheet = load_workbook(io.BytesIO(answer.content)).active
        headers = [cell.value for cell in next(sheet.iter_rows())]
    else:
        headers = answer.content.decode("utf-8-sig").strip().split(",")
    assert headers[0] == first
    # The template imports as it is, once filled.
    assert api.get("/api/v1/attendance/template.csv?lang=fr").status_code == 200


def test_the_template_reads_back(activity, officer):
    headers = imports.template_rows("fr")
    data = csv_bytes([["Awa", "Ndiaye", "F", "1988", "", "", "", "SN", "", "", "oui", "", "", ""]],
                     headers)  # fmt: skip
    seen = imports.preview(activity=activity, file=data, by=officer)
    assert seen.ok, seen.all_errors
    assert seen.unmapped == []


def test_both_operations_are_in_the_schema(api):
    schema = api.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    paths = schema["paths"]
    post = paths["/api/v1/activities/{id}/attendance/import/"]["post"]
    assert "multipart/form-data" in post["requestBody"]["content"]
    assert {"200", "201", "400", "401", "403", "404"} <= set(post["responses"])
    assert "/api/v1/activities/{id}/attendance/" in paths
    assert "/api/v1/attendance/template.xlsx" in paths
