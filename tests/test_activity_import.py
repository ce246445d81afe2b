"""Bulk entry (activities/bulk/): a sheet with the columns of the list's
download previewed row by row, applied all or nothing, and applied again without a
single write; the list's own download comes back unchanged; officers stay in their scope;
bad files are refused with a message that says what to do."""

from __future__ import annotations

import csv
import io
import time

import pytest
from django.test import override_settings
from django.urls import reverse
from openpyxl import Workbook

from activities import bulk, exports
from activities.models import Activity, BeneficiaryGroup, DataVersion

pytestmark = pytest.mark.django_db

IMPORT_URL = "/api/v1/activities/import/"


def sheet_rows(count: int, *, prefix: str = "bulk", country: str = "SV") -> list[dict]:
    return [
        {
            "reference": f"{prefix}-{i:04d}",
            "title": f"Training of prosecutors {i}",
            "kind": "workshop" if i % 2 else "training",
            "start_date": f"2023-{1 + i % 12:02d}-10",
            "end_date": f"2023-{1 + i % 12:02d}-12",
            "date_precision": "day",
            "modality": "in person",
            "country_codes": country,
            "participations_total": str(20 + i % 7),
            "participations_qualifier": "exact",
            "participations_female": str(10 + i % 7),
            "participations_male": "10",
            "participations_sex_not_recorded": "0",
            "themes": "",
        }
        for i in range(count)
    ]


def csv_bytes(rows: list[dict], headers=None) -> bytes:
    headers = headers or exports.COLUMNS
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(headers)
    for row in rows:
        writer.writerow([row.get(header, "") for header in headers])
    return out.getvalue().encode("utf-8-sig")


def xlsx_bytes(rows: list[dict], headers=None, *, setup=None) -> bytes:
    headers = headers or exports.COLUMNS
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(headers))
    for row in rows:
        sheet.append([row.get(header, "") for header in headers])
    if setup:
        setup(sheet)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def state() -> tuple:
    """What an import may change: activities, their rows, history, the data version."""
    return (
        Activity.objects.count(),
        BeneficiaryGroup.objects.count(),
        Activity.history.count(),
        BeneficiaryGroup.history.count(),
        DataVersion.objects.get().version,
    )


def test_500_activities_are_previewed_applied_and_applied_again_with_no_change(officer):
    data = xlsx_bytes(sheet_rows(500))
    before = state()

    started = time.perf_counter()
    seen = bulk.preview(data=data, filename="bulk.xlsx", by=officer)
    previewed = time.perf_counter() - started
    assert seen.ok, seen.all_errors[:5]
    assert seen.counts == {"rows": 500, "new": 500, "update": 0, "unchanged": 0, "error": 0}
    assert state() == before  # a preview writes nothing

    started = time.perf_counter()
    result = bulk.apply(data=data, filename="bulk.xlsx", by=officer)
    applied = time.perf_counter() - started
    assert result.applied, result.preview.all_errors[:5]
    assert len(result.created) == 500
    imported = Activity.objects.filter(reference__startswith="bulk-")
    assert imported.count() == 500
    assert set(imported.values_list("status", flat=True)) == {"draft"}
    assert BeneficiaryGroup.objects.filter(activity__in=imported).count() == 500
    one = imported.get(reference="bulk-0003")
    assert (one.kind_id, one.modality_id, str(one.start_date)) == (
        "workshop",
        "in_person",
        "2023-04-10",
    )
    assert list(one.countries.values_list("iso2", flat=True)) == ["SV"]
    row = one.beneficiaries.get()
    assert (row.total, row.female, row.male, row.not_recorded) == (23, 13, 10, 0)
    assert one.scope_region is not None and row.place_country.iso2 == "SV"  # attributed
    # One history record each, with its links, as activity_create writes it.
    record = one.history.get()
    assert (record.history_type, record.history_user) == ("+", officer)
    assert [link.country.iso2 for link in record.countries.all()] == ["SV"]
    assert row.history.get().history_type == "+"

    after_first = state()
    started = time.perf_counter()
    again = bulk.apply(data=data, filename="bulk.xlsx", by=officer)
    reapplied = time.perf_counter() - started
    assert again.applied
    assert again.preview.counts["unchanged"] == 500
    assert (again.created, again.updated) == ([], [])
    assert state() == after_first  # no version, no history row, the data version unmoved
    print(f"500 rows: preview {previewed:.2f}s, apply {applied:.2f}s, again {reapplied:.2f}s")


def test_a_changed_row_is_an_update_listing_its_columns(officer):
    rows = sheet_rows(3)
    bulk.apply(data=csv_bytes(rows), by=officer)
    rows[1]["title"] = "Training of judges"
    rows[1]["participations_total"] = "30"
    rows[1]["participations_female"] = "20"
    seen = bulk.preview(data=csv_bytes(rows), by=officer)
    assert seen.counts == {"rows": 3, "new": 0, "update": 1, "unchanged": 2, "error": 0}
    changed = next(row for row in seen.rows if row.status == "update")
    assert changed.changes == ["title", "participations"]
    activity = Activity.objects.get(reference="bulk-0001")
    version = activity.version
    bulk.apply(data=csv_bytes(rows), by=officer)
    activity.refresh_from_db()
    assert activity.title == "Training of judges"
    assert activity.version == version + 1
    assert activity.beneficiaries.get().total == 30  # the row updated, not a second one


def test_a_sheet_with_bad_rows_previews_each_error_and_imports_nothing(officer):
    rows = sheet_rows(6)
    rows[1]["start_date"] = "12/03/2023"
    rows[2]["end_date"] = "2023-01-01"  # before its start
    rows[3]["country_codes"] = "SV; XX"
    rows[4]["participations_total"] = "99"  # not female + male + not recorded
    rows[5]["reference"] = ""
    before = state()
    seen = bulk.preview(data=csv_bytes(rows), by=officer)
    assert seen.counts == {"rows": 6, "new": 1, "update": 0, "unchanged": 0, "error": 5}
    messages = " | ".join(seen.all_errors)
    assert "Row 3, column “start_date”: “12/03/2023” is not a date" in messages
    assert "Row 4, column “end_date”: The end" in messages
    assert "Row 5, column “country_codes”: unknown countries: “XX”" in messages
    assert "Row 6, column “participations_total”: Female (14) + male (10)" in messages
    assert "Row 7, column “reference”: give a reference" in messages
    result = bulk.apply(data=csv_bytes(rows), by=officer)
    assert not result.applied
    assert state() == before


def test_the_lists_own_download_comes_back_unchanged(manager, manager_client):
    before = state()
    for file_format in ("xlsx", "csv"):
        download = manager_client.get(reverse("pages:activity_export", args=[file_format]))
        assert download.status_code == 200
        seen = bulk.preview(data=download.content, filename=f"list.{file_format}", by=manager)
        assert seen.ok, seen.all_errors[:5]
        assert seen.counts["rows"] >= 20
        assert seen.counts["unchanged"] == seen.counts["rows"], [
            (row.number, row.changes) for row in seen.rows if row.changes
        ][:5]
        assert {"period", "status", "url", "participations_label"} <= set(seen.ignored_columns)
        result = bulk.apply(data=download.content, by=manager)
        assert result.applied and not result.created and not result.updated
    assert state() == before


def test_an_officer_sends_back_their_download_of_the_whole_list_unchanged(officer, officer_client):
    """Published activities outside their scope come back unchanged (changed, they are
    errors): an officer edits their rows in the list's download and sends it back."""
    download = officer_client.get(reverse("pages:activity_export", args=["csv"])).content
    seen = bulk.preview(data=download, by=officer)
    assert seen.ok, seen.all_errors[:3]
    assert seen.counts["unchanged"] == seen.counts["rows"] >= 20
    changed = download.replace(b"Sixth meeting of the Expert Group", b"Sixth meeting", 1)
    assert changed != download
    outcome = bulk.preview(data=changed, by=officer)
    assert outcome.counts["error"] == 1
    assert "outside what you may edit" in " ".join(outcome.all_errors)


def test_an_officer_imports_only_within_their_scope(officer, sahel_draft):
    rows = sheet_rows(2)
    rows[1]["country_codes"] = "SN"
    rows.append({"id": str(sahel_draft.pk), "title": "Mine now", "start_date": "2023-01-01",
                 "end_date": "2023-01-02", "country_codes": "SV"})  # fmt: skip
    seen = bulk.preview(data=csv_bytes(rows), by=officer)
    assert [row.status for row in seen.rows] == ["new", "error", "error"]
    assert "Senegal lie outside your scope" in seen.rows[1].errors[0]
    assert f"no activity {sahel_draft.pk} that you may edit" in seen.rows[2].errors[0] or (
        "outside what you may edit" in seen.rows[2].errors[0]
    )
    assert not bulk.apply(data=csv_bytes(rows), by=officer).applied


def test_a_manager_may_publish_the_new_activities_an_officer_may_not(manager, officer):
    result = bulk.apply(data=csv_bytes(sheet_rows(2)), by=manager, publish=True)
    assert result.published == 2
    assert set(Activity.objects.filter(pk__in=result.created).values_list("status", flat=True)) == {
        "published"
    }
    other = bulk.apply(data=csv_bytes(sheet_rows(2, prefix="officer")), by=officer, publish=True)
    assert other.published == 0


def test_new_activities_are_not_published_into_a_closed_period(manager):
    """The seed's 2020 is closed: publishing there needs a reason, a bulk write takes
    none; as drafts they import."""
    rows = sheet_rows(2)
    rows[1].update(start_date="2020-03-10", end_date="2020-03-12")
    refused = bulk.apply(data=csv_bytes(rows), by=manager, publish=True)
    assert not refused.applied
    assert "2020" in " ".join(refused.preview.errors)
    assert not Activity.objects.filter(reference__startswith="bulk-").exists()
    assert bulk.apply(data=csv_bytes(rows), by=manager).applied


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty."),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "old Excel file"),
        (b"title,start_date\nA,2023-01-01\n", "The sheet has no column “reference”"),
        (csv_bytes([{"reference": "x", "title": "=1+1"}]), "The sheet has formulas"),
        (b"title,reference\n", "no rows of activities"),
        ("r\u00e9f\u00e9rence\n".encode("utf-16-le"), "not text in UTF-8"),
    ],
)
def test_a_bad_file_is_refused_with_a_message(officer, data, message):
    before = state()
    seen = bulk.preview(data=data, by=officer)
    assert not seen.ok
    assert message in " ".join(seen.errors)
    assert state() == before


def test_merged_cells_and_too_many_rows_are_refused(officer):
    merged = xlsx_bytes(sheet_rows(3), setup=lambda sheet: sheet.merge_cells("C2:C3"))
    assert "merged cells" in " ".join(bulk.preview(data=merged, by=officer).errors)
    with override_settings(ACTIVITY_IMPORT_MAX_ROWS=2):
        seen = bulk.preview(data=csv_bytes(sheet_rows(3)), by=officer)
    assert "setting ACTIVITY_IMPORT_MAX_ROWS" in " ".join(seen.errors)
    with override_settings(ACTIVITY_IMPORT_MAX_FILE_BYTES=100):
        seen = bulk.preview(data=csv_bytes(sheet_rows(3)), by=officer)
    assert "setting ACTIVITY_IMPORT_MAX_FILE_BYTES" in " ".join(seen.errors)


# --- Pages and API -----------------------------------------------------------------


def test_an_officer_uploads_previews_and_confirms_on_the_pages(officer_client):
    page = officer_client.get(reverse("officer-import"))
    assert page.status_code == 200
    assert "Import activities from a sheet" in page.content.decode()
    upload = io.BytesIO(csv_bytes(sheet_rows(3)))
    upload.name = "three.csv"
    response = officer_client.post(reverse("officer-import"), {"file": upload})
    assert response.status_code == 302
    preview = officer_client.get(response["Location"])
    text = preview.content.decode()
    assert preview.status_code == 200
    assert "Preview of three.csv" in text and "new activity" in text
    assert "Publish the new activities" not in text  # officers log drafts only
    confirmed = officer_client.post(response["Location"], {"action": "confirm"})
    assert confirmed.status_code == 302
    assert Activity.objects.filter(reference__startswith="bulk-", status="draft").count() == 3
    assert officer_client.get(response["Location"]).status_code == 404  # the file is gone


def test_a_page_preview_with_errors_lists_them_and_offers_no_confirm(officer_client):
    rows = sheet_rows(2)
    rows[0]["country_codes"] = "SN"
    upload = io.BytesIO(csv_bytes(rows))
    upload.name = "bad.csv"
    location = officer_client.post(reverse("officer-import"), {"file": upload})["Location"]
    text = officer_client.get(location).content.decode()
    assert "Row 2: Senegal lie outside your scope." in text
    assert "Confirm import" not in text
    assert officer_client.post(location, {"action": "confirm"}).status_code == 400
    assert not Activity.objects.filter(reference__startswith="bulk-").exists()


def test_the_template_has_the_downloads_columns(officer_client):
    response = officer_client.get(reverse("officer-import-template", args=["csv"]))
    header = response.content.decode("utf-8-sig").strip().split(",")
    assert header == bulk.template_headers()
    assert set(header) <= set(exports.COLUMNS) and "reference" in header
    xlsx = officer_client.get(reverse("officer-import-template", args=["xlsx"]))
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"


def test_donors_may_not_import_and_anonymous_users_sign_in_first(client, donor_client):
    assert donor_client.get(reverse("officer-import")).status_code == 403
    assert client.get(reverse("officer-import")).status_code == 302
    data = {"file": ("a.csv", csv_bytes(sheet_rows(1)))}
    for who in (client, donor_client):
        upload = io.BytesIO(csv_bytes(sheet_rows(1)))
        upload.name = "a.csv"
        assert who.post(IMPORT_URL, {"file": upload}).status_code in (401, 403)
    assert data and not Activity.objects.filter(reference__startswith="bulk-").exists()


def test_the_api_previews_applies_and_applies_again(manager_client):
    def post(**extra):
        upload = io.BytesIO(csv_bytes(sheet_rows(4)))
        upload.name = "four.csv"
        return manager_client.post(IMPORT_URL, {"file": upload, **extra})

    dry = post(dry_run="true")
    assert dry.status_code == 200, dry.content
    assert dry.json()["counts"] == {"rows": 4, "new": 4, "update": 0, "unchanged": 0, "error": 0}
    assert not Activity.objects.filter(reference__startswith="bulk-").exists()
    applied = post(publish="true")
    assert applied.status_code == 201
    assert len(applied.json()["created"]) == 4
    assert Activity.objects.filter(reference__startswith="bulk-", status="published").count() == 4
    again = post()
    assert again.status_code == 200
    assert again.json()["counts"]["unchanged"] == 4


def test_the_api_answers_400_with_every_rows_outcome(officer_client):
    rows = sheet_rows(2)
    rows[1]["end_date"] = "not a date"
    upload = io.BytesIO(csv_bytes(rows))
    upload.name = "bad.csv"
    response = officer_client.post(IMPORT_URL, {"file": upload})
    assert response.status_code == 400
    body = response.json()
    assert [row["status"] for row in body["rows"]] == ["new", "error"]
    assert "not a date" in body["rows"][1]["errors"][0]
    upload = io.BytesIO(csv_bytes(sheet_rows(1)))
    upload.name = "a.csv"
    refused = officer_client.post(IMPORT_URL, {"file": upload, "publish": "true"})
    assert refused.status_code == 403  # only a manager publishes


def test_a_preview_reads_the_same_number_of_queries_for_5_and_50_rows(officer):
    """No query per row: the lookups (countries, regions, themes, partners, source
    documents), the activities by reference, the user's scope; for rows that match, the
    activities with their participations, places, themes and partners and beneficiary
    rows, five and one queries per 500."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries(count: int) -> int:
        data = csv_bytes(sheet_rows(count, prefix=f"q{count}"))
        with CaptureQueriesContext(connection) as new:
            bulk.preview(data=data, by=officer)
        bulk.apply(data=data, by=officer)
        with CaptureQueriesContext(connection) as known:
            seen = bulk.preview(data=data, by=officer)
        assert seen.counts["unchanged"] == count
        return len(new), len(known)

    queries(1)  # the user's permissions and scope, cached on the user from then on
    # New rows: countries, regions, themes, partners, source documents, kinds and
    # modalities (reference tables since issue 20); the activities
    # by reference; the scope's countries and regions. Rows that match add the
    # activities with their participations, their countries, regions, themes and
    # partners, the ids of those the user may edit, and their beneficiary rows.
    assert queries(5) == queries(50) == (10, 17)
