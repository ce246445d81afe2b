"""Importing attendance sheets (activities/people/imports.py, sheets.py): every row's
outcome previewed, all rows or none written, the same sheet twice changes nothing, and
every bad file refused with a message that says what to do."""

from __future__ import annotations

import codecs

import pytest
from django.test import override_settings

from activities.models import (
    Attendance,
    AttendanceImport,
    BeneficiaryGroup,
    DataVersion,
    Participant,
)
from activities.people import imports
from activities.people.names import name_key
from tests.factories import ActivityFactory, country
from tests.people_sheets import HEADERS, csv_bytes, people, xlsx_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def activity():
    return ActivityFactory(places=["SLV"])


def state():
    """What an import may change: row counts and the data version."""
    return (
        Participant.objects.count(),
        Attendance.objects.count(),
        AttendanceImport.objects.count(),
        BeneficiaryGroup.objects.count(),
        DataVersion.objects.get().version,
    )


def test_a_small_sheet_previews_then_imports(activity, officer):
    data = csv_bytes(people(5))
    before = state()
    seen = imports.preview(activity=activity, file=data, filename="s.csv", by=officer)
    assert seen.ok, seen.all_errors
    assert seen.counts == {"rows": 5, "new": 5, "same": 0, "possible": 0, "error": 0}
    assert state() == before  # a preview writes nothing

    result = imports.confirm(activity=activity, file=data, filename="s.csv", by=officer)
    assert result.status == "imported"
    assert (result.created, result.matched, result.attendance_created) == (5, 0, 5)
    persons = Participant.objects.filter(attendances__activity=activity)
    assert persons.count() == 5
    for person in persons:
        assert person.name_key == name_key(person.given_name, person.family_name)
        assert person.country == country("SLV")
        assert person.created_by == officer
    # The tallies come from the attendance now.
    rows = BeneficiaryGroup.objects.filter(activity=activity)
    assert all(row.from_attendance for row in rows)
    assert sum(row.female + row.male + row.not_recorded for row in rows) == 5


def test_2000_rows_with_3_percent_bad_preview_every_error_and_import_nothing_until_fixed(
    activity, officer
):
    rows = people(2000)
    bad = sorted(range(0, 2000, 33))[:60]
    assert len(bad) == 60
    broken = [list(row) for row in rows]
    reasons = ["sex", "year", "email", "score", "country", "name"]
    for n, index in enumerate(bad):
        what = reasons[n % len(reasons)]
        if what == "sex":
            broken[index][2] = "Z"
        elif what == "year":
            broken[index][3] = "19x5"
        elif what == "email":
            broken[index][6] = "not-an-address"
        elif what == "score":
            broken[index][10] = "140"
        elif what == "country":
            broken[index][5] = "Atlantis"
        else:
            broken[index][0] = broken[index][1] = ""
    data = csv_bytes(broken)
    before = state()

    seen = imports.preview(activity=activity, file=data, filename="bad.csv", by=officer)
    errors = [outcome for outcome in seen.rows if outcome.status == "error"]
    assert len(errors) == 60
    # Every error names its row (the header is row 1) and says what is wrong.
    assert sorted(outcome.number for outcome in errors) == [index + 2 for index in bad]
    for outcome in errors:
        assert outcome.errors and all(f"Row {outcome.number}" in e for e in outcome.errors)
    assert any("“Z” is not a sex" in e for e in seen.row_errors)
    assert any("column “Post-test”: “140” is not a score" in e for e in seen.row_errors)
    assert any("“Atlantis” is not a known country" in e for e in seen.row_errors)

    result = imports.confirm(activity=activity, file=data, filename="bad.csv", by=officer)
    assert result.status == "refused"
    assert len(result.preview.row_errors) == 60
    assert state() == before

    # Fixed, it imports, whole.
    fixed = csv_bytes(rows)
    result = imports.confirm(activity=activity, file=fixed, filename="fixed.csv", by=officer)
    assert result.status == "imported"
    assert Attendance.objects.filter(activity=activity).count() == 2000


def test_the_same_sheet_again_changes_nothing_even_saved_as_xlsx(activity, officer):
    rows = people(40)
    imports.confirm(activity=activity, file=csv_bytes(rows), filename="a.csv", by=officer)
    before = state()
    again = imports.confirm(activity=activity, file=csv_bytes(rows), filename="a.csv", by=officer)
    assert again.status == "already"
    assert "already imported on" in again.preview.already_message
    assert state() == before
    # The same rows from Excel (numbers as numbers): the same sheet.
    as_excel = [[*row[:3], int(row[3]), *row[4:9], int(row[9]), int(row[10])] for row in rows]
    again = imports.confirm(
        activity=activity, file=xlsx_bytes(as_excel), filename="a.xlsx", by=officer
    )
    assert again.status == "already"
    assert state() == before


def test_a_changed_sheet_with_the_same_persons_updates_attendance_in_place(activity, officer):
    rows = people(10)
    imports.confirm(activity=activity, file=csv_bytes(rows), by=officer)
    rows[0][10] = "99"
    rows[1][7] = "no"
    result = imports.confirm(activity=activity, file=csv_bytes(rows), by=officer)
    assert result.status == "imported"
    assert (result.created, result.matched) == (0, 10)
    assert (result.attendance_created, result.attendance_updated) == (0, 2)
    assert Attendance.objects.filter(activity=activity).count() == 10
    assert Participant.objects.filter(attendances__activity=activity).count() == 10
    first = Participant.objects.get(email=rows[0][6])
    assert first.attendances.get().post_score == 99


def test_the_same_person_at_another_activity_is_matched_exactly(activity, officer):
    rows = people(3)
    imports.confirm(activity=activity, file=csv_bytes(rows), by=officer)
    other = ActivityFactory(places=["SLV"])
    # Same names and country, no e-mail: the same persons (name key and country).
    rows_without_email = [[*row[:6], "", *row[7:]] for row in rows]
    seen = imports.preview(activity=other, file=csv_bytes(rows_without_email), by=officer)
    assert seen.counts["same"] == 3
    result = imports.confirm(activity=other, file=csv_bytes(rows_without_email), by=officer)
    assert (result.created, result.matched) == (0, 3)
    assert Participant.objects.count() == 3
    assert Attendance.objects.count() == 6


def test_a_person_twice_in_one_sheet_is_an_error(activity, officer):
    rows = people(3)
    rows.append(list(rows[0]))
    seen = imports.preview(activity=activity, file=csv_bytes(rows), by=officer)
    assert seen.counts["error"] == 1
    assert "the same person as row 2" in seen.row_errors[0]


def test_french_and_spanish_headers(activity, officer):
    french = ["Prénom", "Nom", "Sexe", "Année de naissance", "Pays", "Courriel", "Présent"]
    data = csv_bytes(
        [["Aminata", "Diallo", "femme", "1985", "Sénégal", "a@example.org", "oui"]],
        french,
        delimiter=";",
        encoding="cp1252",
    )
    seen = imports.preview(activity=activity, file=data, by=officer)
    assert seen.ok, seen.all_errors
    assert seen.unmapped == []
    row = seen.rows[0].row
    assert (row.given_name, row.family_name, row.sex, row.birth_year) == (
        "Aminata",
        "Diallo",
        "female",
        1985,
    )
    assert row.country_id == country("SEN").pk
    spanish = ["Nombre", "Apellidos", "Sexo", "Año de nacimiento", "País", "Correo", "Asistió"]
    data = csv_bytes(
        [["Lucía", "Martínez Gómez", "Mujer", "1990", "El Salvador", "l@example.org", "sí"]],
        spanish,
    )
    seen = imports.preview(activity=activity, file=data, by=officer)
    assert seen.ok, seen.all_errors
    row = seen.rows[0].row
    assert (row.given_name, row.family_name, row.sex, row.attended) == (
        "Lucía",
        "Martínez Gómez",
        "female",
        True,
    )


def test_other_headers_are_mapped_by_the_officer(activity, officer):
    headers = ["Vorname", "Nachname", "Geschlecht", "Remarks"]
    data = csv_bytes([["Eva", "Muster", "F", "front row"]], headers)
    seen = imports.preview(activity=activity, file=data, by=officer)
    assert not seen.ok
    assert seen.unmapped == headers
    assert "no column for the given name and family name" in seen.errors[0]
    mapping = {"Vorname": "given_name", "Nachname": "family_name", "Geschlecht": "sex"}
    mapping["Remarks"] = ""  # left out
    seen = imports.preview(activity=activity, file=data, mapping=mapping, by=officer)
    assert seen.ok, seen.all_errors
    assert seen.unmapped == []
    assert seen.rows[0].row.sex == "female"
    assert imports.confirm(activity=activity, file=data, mapping=mapping, by=officer).created == 1


def test_a_near_match_is_proposed_not_merged(activity, officer):
    rows = [["María José", "Pérez Gómez", "F", "", "", "SV", "", "", "", "", ""]]
    imports.confirm(activity=activity, file=csv_bytes(rows), by=officer)
    known = Participant.objects.get()
    other = ActivityFactory(places=["SLV"])
    near = [
        ["Maria Jose", "Perez Gomes", "F", "", "", "SV", "", "", "", "", ""],  # typo
        ["María José", "Pérez", "F", "", "", "SV", "", "", "", "", ""],  # one surname
    ]
    seen = imports.preview(activity=other, file=csv_bytes(near), by=officer)
    assert [outcome.status for outcome in seen.rows] == ["possible", "possible"]
    for outcome in seen.rows:
        assert outcome.candidates[0].participant_id == known.pk
        assert outcome.candidates[0].score >= 85
    # Not confirmed: new persons.
    result = imports.confirm(activity=other, file=csv_bytes(near[:1]), by=officer)
    assert result.created == 1
    assert Participant.objects.count() == 2
    # Confirmed: the same person.
    third = ActivityFactory(places=["SLV"])
    result = imports.confirm(
        activity=third, file=csv_bytes(near[1:]), decisions={"2": known.pk}, by=officer
    )
    assert (result.created, result.matched) == (0, 1)
    assert third.attendance.get().participant == known
    # A choice that was not proposed is refused.
    fourth = ActivityFactory(places=["SLV"])
    result = imports.confirm(
        activity=fourth, file=csv_bytes(near[1:]), decisions={"2": 999999}, by=officer
    )
    assert result.status == "refused"


def refused(activity, user, data, *fragments):
    before = state()
    result = imports.confirm(activity=activity, file=data, filename="x", by=user)
    assert result.status == "refused"
    message = " ".join(result.preview.errors)
    for fragment in fragments:
        assert fragment in message, message
    assert state() == before


def test_bad_files_get_a_clear_message_and_change_nothing(activity, officer):
    rows = people(3)
    # Wrong encoding: EBCDIC is not text in any accepted encoding.
    refused(activity, officer, csv_bytes(rows, encoding="cp500"), "not text in UTF-8")
    # UTF-8 read once as Windows-1252 and saved again.
    garbled = csv_bytes(rows).decode("utf-8").encode("utf-8").decode("cp1252").encode("utf-8")
    refused(activity, officer, garbled, "already garbled")
    # Missing columns.
    refused(
        activity,
        officer,
        csv_bytes([["F", "1980"]], ["Sex", "Year of birth"]),
        "no column for the given name and family name",
    )
    # Empty files and sheets.
    refused(activity, officer, b"", "The file is empty")
    refused(activity, officer, csv_bytes([], HEADERS), "no rows of people")
    refused(activity, officer, xlsx_bytes([], []), "The sheet is empty")
    # 200 columns.
    wide = [f"Column {i}" for i in range(200)]
    refused(activity, officer, csv_bytes([["x"] * 200], wide), "200 columns", "50")
    # Formulas and merged cells.
    with_formula = [[*rows[0][:9], "=40+2", rows[0][10]]]
    refused(activity, officer, xlsx_bytes(with_formula), "formulas", "J2")
    refused(activity, officer, csv_bytes(with_formula), "formulas", "J2")
    merged = xlsx_bytes(rows, setup=lambda sheet: sheet.merge_cells("E2:E4"))
    refused(activity, officer, merged, "merged cells", "E2:E4")
    # An old .xls file.
    refused(activity, officer, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, ".xls")
    # Over the size limit.
    with override_settings(ATTENDANCE_MAX_FILE_BYTES=100):
        refused(activity, officer, csv_bytes(rows), "over the limit of 100 bytes")
    with override_settings(ATTENDANCE_MAX_ROWS=2):
        refused(activity, officer, csv_bytes(rows), "3 rows, over the limit of 2")


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "cp1252", "latin-1"], ids=str)
def test_accepted_encodings_read_accents_right(activity, officer, encoding):
    rows = [["José", "Núñez", "M", "", "", "SV", "", "", "", "", ""]]
    data = csv_bytes(rows, encoding=encoding)
    if encoding == "utf-16":
        assert data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    seen = imports.preview(activity=activity, file=data, by=officer)
    assert seen.ok, seen.all_errors
    assert (seen.rows[0].row.given_name, seen.rows[0].row.family_name) == ("José", "Núñez")


# --- The pages: upload, preview, confirm -------------------------------------------------


@pytest.fixture
def upload_dir(tmp_path, settings):
    settings.ATTENDANCE_UPLOAD_DIR = str(tmp_path / "uploads")
    return tmp_path / "uploads"


def page_upload(client, activity, data, name="sheet.csv"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(
        f"/activities/{activity.pk}/attendance/", {"file": SimpleUploadedFile(name, data)}
    )


def test_the_page_flow_upload_preview_confirm(officer_client, activity, upload_dir):
    page = officer_client.get(f"/activities/{activity.pk}/")
    assert f"/activities/{activity.pk}/attendance/" in page.content.decode()
    rows = people(3)
    answer = page_upload(officer_client, activity, csv_bytes(rows))
    assert answer.status_code == 302
    preview_url = answer["Location"]
    assert "/attendance/preview/" in preview_url
    # The file waits on the server, in the user's folder.
    assert len(list(upload_dir.glob("*/*.sheet"))) == 1
    page = officer_client.get(preview_url)
    assert page.status_code == 200
    text = page.content.decode()
    assert "Confirm import" in text
    assert page.context["counts"]["new"] == 3
    assert not Participant.objects.exists()
    answer = officer_client.post(preview_url, {"action": "confirm"})
    assert answer.status_code == 302
    assert Attendance.objects.filter(activity=activity).count() == 3
    assert not list(upload_dir.glob("*/*.sheet"))  # deleted once imported
    listing = officer_client.get(answer["Location"])
    assert "Imported 3 rows" in listing.content.decode()
    assert rows[0][1] in listing.content.decode()


def test_the_preview_page_lists_errors_and_offers_no_confirm(officer_client, activity, upload_dir):
    rows = people(4)
    rows[1][2] = "Z"
    preview_url = page_upload(officer_client, activity, csv_bytes(rows))["Location"]
    page = officer_client.get(preview_url)
    text = page.content.decode()
    assert "Row 3, column “Sex”: “Z” is not a sex" in text
    assert "Confirm import" not in text
    answer = officer_client.post(preview_url, {"action": "confirm"})
    assert answer.status_code == 400
    assert not Participant.objects.exists()


def test_the_preview_page_maps_headers_and_decides_matches(
    officer_client, officer, activity, upload_dir
):
    known = [["Ana Lucía", "Reyes Mena", "F", "", "", "SV", "", "", "", "", ""]]
    imports.confirm(activity=activity, file=csv_bytes(known), by=officer)
    person = Participant.objects.get()
    other = ActivityFactory(places=["SLV"])
    data = csv_bytes(
        [["Ana Lucia", "Reyes", "F", "SV"], ["Pablo", "Neruda", "M", "SV"]],
        ["Vorname", "Nachname", "Sexe", "Land"],
    )
    preview_url = page_upload(officer_client, other, data)["Location"]
    page = officer_client.get(preview_url)
    assert "Vorname" in page.content.decode()
    assert [c["header"] for c in page.context["mappable"]] == ["Vorname", "Nachname", "Land"]
    answer = officer_client.post(
        preview_url,
        {"action": "preview", "map-0": "given_name", "map-1": "family_name", "map-3": "country"},
    )
    assert answer.status_code == 302
    page = officer_client.get(preview_url)
    assert page.context["counts"] == {"rows": 2, "new": 1, "same": 0, "possible": 1, "error": 0}
    assert f'value="{person.pk}"' in page.content.decode()
    answer = officer_client.post(preview_url, {"action": "confirm", "decision-2": str(person.pk)})
    assert answer.status_code == 302
    assert other.attendance.filter(participant=person).exists()
    assert Participant.objects.count() == 2


def test_pages_refuse_who_may_not_see_people(
    client, donor_client, west_africa_officer_client, activity, upload_dir, sahel_draft,
    officer_client,
):  # fmt: skip
    url = f"/activities/{activity.pk}/attendance/"
    assert client.get(url).status_code == 302  # to sign in
    assert donor_client.get(url).status_code == 403
    assert west_africa_officer_client.get(url).status_code == 403
    assert page_upload(donor_client, activity, csv_bytes(people(2))).status_code == 403
    assert officer_client.get(f"/activities/{sahel_draft.pk}/attendance/").status_code == 404
    # Another user cannot open an officer's upload.
    preview_url = page_upload(officer_client, activity, csv_bytes(people(2)))["Location"]
    from activities.roles import PROGRAMME_OFFICER
    from tests.fixtures_roles import logged_in, make_role_user

    colleague = logged_in(make_role_user("otto-officer", PROGRAMME_OFFICER, regions=["013"]))
    assert colleague.get(preview_url).status_code == 404
    # No name on the pages of those who may not see people.
    assert "Attendance" not in donor_client.get(f"/activities/{activity.pk}/").content.decode()


def test_a_known_persons_empty_fields_are_filled_never_overwritten(activity, officer):
    first = [["Rosa", "Amaya", "", "", "", "SV", "rosa@example.org", "", "", "", ""]]
    imports.confirm(activity=activity, file=csv_bytes(first), by=officer)
    second = [["Rosa", "Amaya", "F", "1980", "Policía", "SV", "rosa@example.org", "", "", "", ""]]
    other = ActivityFactory(places=["SLV"])
    assert imports.confirm(activity=other, file=csv_bytes(second), by=officer).matched == 1
    rosa = Participant.objects.get()
    assert (rosa.sex, rosa.birth_year, rosa.institution) == ("female", 1980, "Policía")
    third = [["Rosa", "Amaya", "M", "1990", "Fiscalía", "SV", "rosa@example.org", "", "", "", ""]]
    imports.confirm(activity=ActivityFactory(places=["SLV"]), file=csv_bytes(third), by=officer)
    rosa.refresh_from_db()
    assert (rosa.sex, rosa.birth_year, rosa.institution) == ("female", 1980, "Policía")


def test_the_same_sheet_confirmed_twice_at_once_is_imported_once(activity, officer, monkeypatch):
    data = csv_bytes(people(5))
    imports.confirm(activity=activity, file=data, by=officer)
    before = state()
    real_preview = imports.preview

    def preview_that_missed_the_other(**kwargs):
        seen = real_preview(**kwargs)
        seen.already = None  # as if the other request had not committed yet
        return seen

    monkeypatch.setattr(imports, "preview", preview_that_missed_the_other)
    result = imports.confirm(activity=activity, file=data, by=officer)
    assert result.status == "already"
    assert state() == before


def test_the_attendance_page_costs_the_same_queries_for_3_or_100_rows(
    manager_client, activity, upload_dir
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    bigger = ActivityFactory(places=["SLV"])
    imports.confirm(activity=activity, file=csv_bytes(people(3)), by=None)
    imports.confirm(activity=bigger, file=csv_bytes(people(100, seed=5)), by=None)
    manager_client.get(f"/activities/{activity.pk}/attendance/")
    counts = []
    for target in (activity, bigger):
        with CaptureQueriesContext(connection) as queries:
            assert manager_client.get(f"/activities/{target.pk}/attendance/").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_excels_separator_line_and_semicolons(activity, officer):
    data = b"sep=;\r\n" + csv_bytes([["Ana", "Reyes, hija", "F"]], HEADERS[:3], delimiter=";")
    seen = imports.preview(activity=activity, file=data, by=officer)
    assert seen.ok, seen.all_errors
    assert seen.rows[0].row.family_name == "Reyes, hija"
    assert seen.rows[0].number == 2  # as Excel shows it: the "sep=" line is hidden


def test_every_row_lands_on_its_own_person_across_batches(activity, officer):
    """More rows than one INSERT takes (1,000 a statement on SQLite, 5,000 on
    PostgreSQL, whose new ids come back by RETURNING): each attendance holds its own
    row's scores and completion, on the person of that row's e-mail."""
    rows = people(5_200)
    result = imports.confirm(activity=activity, file=csv_bytes(rows), filename="s.csv", by=officer)
    assert result.attendance_created == 5_200
    recorded = {
        email: (completed, pre, post, birth_year)
        for email, completed, pre, post, birth_year in Attendance.objects.filter(
            activity=activity
        ).values_list(
            "participant__email",
            "completed",
            "pre_score",
            "post_score",
            "participant__birth_year",
        )
    }
    expected = {row[6]: (row[8] == "yes", int(row[9]), int(row[10]), int(row[3])) for row in rows}
    assert recorded == expected
