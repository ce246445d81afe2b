"""Evidence files (activities/evidence/): types told by content, the size limit, names
sanitised, private unless a manager makes them public (404, never 403, to those who may
not read them), served with X-Accel-Redirect / X-Sendfile when configured, listed in the
history, an attendance sheet handed to the attendance import, nothing personal logged."""

from __future__ import annotations

import io
import logging
import random
import re
import zipfile
from pathlib import Path

import pytest
from django.test import Client
from docx import Document
from rest_framework.authtoken.models import Token

from activities import audit
from activities.evidence import names
from activities.models import Attendance, EvidenceFile
from tests.factories import ActivityFactory
from tests.fixtures_roles import logged_in, make_draft
from tests.people_sheets import HEADERS, csv_bytes, people, xlsx_bytes

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def docx_bytes() -> bytes:
    document = Document()
    document.add_paragraph("Agenda: day 1, opening; day 2, exercises.")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def zip_bytes(entries: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return out.getvalue()


XLSX_CONTENT_TYPES = (
    b'<?xml version="1.0"?><Types><Override PartName="/xl/workbook.xml" ContentType="'
    b'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>'
)


@pytest.fixture(autouse=True)
def evidence_root(settings, tmp_path) -> Path:
    """Files stored in this test's own folder; the attendance upload folder too."""
    root = tmp_path / "evidence"
    settings.EVIDENCE_ROOT = str(root)
    settings.STORAGES = {
        **settings.STORAGES,
        "evidence": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(root)},
        },
    }
    settings.ATTENDANCE_UPLOAD_DIR = str(tmp_path / "attendance-uploads")
    settings.EVIDENCE_SENDFILE = ""
    return root


@pytest.fixture
def training(db):
    """A published training in El Salvador: within the Central America officer's scope."""
    return ActivityFactory()


def token_client(user) -> Client:
    token, _created = Token.objects.get_or_create(user=user)
    return Client(headers={"Authorization": f"Token {token.key}"})


def api_upload(client, activity, name, data, **fields):
    return client.post(
        f"/api/v1/activities/{activity.pk}/evidence/",
        {"file": _named(name, data), **fields},
    )


def _named(name: str, data: bytes) -> io.BytesIO:
    upload = io.BytesIO(data)
    upload.name = name
    return upload


def stored_files(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def attach(activity, by, name="agenda.pdf", data=PDF, **fields) -> EvidenceFile:
    from activities.evidence import services

    return services.evidence_upload(
        activity=activity, file=_named(name, data), filename=name, by=by, **fields
    )


# --- Types, by content -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "content_type"),
    [
        ("agenda.pdf", PDF, "application/pdf"),
        ("group.png", PNG, "image/png"),
        ("room.jpg", JPEG, "image/jpeg"),
        ("sheet.xlsx", xlsx_bytes(people(3)), XLSX),
        ("agenda.docx", docx_bytes(), DOCX),
        ("sheet.csv", csv_bytes(people(3)), "text/csv"),
        ("notes.txt", "Séance 1 : ouverture.\n".encode(), "text/plain"),
    ],
)
def test_an_officer_attaches_every_accepted_type(officer, training, name, data, content_type):
    response = api_upload(token_client(officer), training, name, data, kind="report")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["content_type"] == content_type
    assert body["name"] == name
    assert body["size"] == len(data)
    assert body["is_public"] is False
    assert EvidenceFile.objects.get(pk=body["id"]).uploaded_by == officer


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" * 64, id="exe"),
        pytest.param(b"<!doctype html><script>alert(document.cookie)</script>", id="html"),
        pytest.param(b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', id="svg"),
        pytest.param(random.Random(19).randbytes(4096), id="random-bytes"),
        pytest.param(zip_bytes({"payload.exe": b"MZ" * 100}), id="plain-zip"),
        pytest.param(
            zip_bytes(
                {
                    "[Content_Types].xml": XLSX_CONTENT_TYPES,
                    "xl/workbook.xml": b"<workbook/>",
                    "xl/vbaProject.bin": b"\x00" * 100,
                }
            ),
            id="macros",
        ),
        pytest.param(b"name,value\nx,\x00\x00\x00\n", id="text-with-nul"),
    ],
)
def test_a_file_of_a_forbidden_type_renamed_pdf_is_refused(officer, training, evidence_root, data):
    response = api_upload(token_client(officer), training, "report.pdf", data)
    assert response.status_code == 400
    message = " ".join(response.json()["file"])
    assert "not accepted" in message or "not of a type accepted" in message or "macros" in message
    assert not EvidenceFile.objects.exists()
    assert stored_files(evidence_root) == []


def test_a_spreadsheet_that_unpacks_to_more_than_the_limit_is_refused(officer, training, settings):
    settings.EVIDENCE_MAX_UNPACKED_BYTES = 1_000_000
    bomb = zip_bytes(
        {
            "[Content_Types].xml": XLSX_CONTENT_TYPES,
            "xl/workbook.xml": b"<workbook/>",
            "xl/worksheets/sheet1.xml": b"\x00" * 2_000_000,
        }
    )
    assert len(bomb) < 20_000
    response = api_upload(token_client(officer), training, "sheet.xlsx", bomb)
    assert response.status_code == 400
    assert "EVIDENCE_MAX_UNPACKED_BYTES" in response.json()["file"][0]


def test_a_png_named_pdf_is_kept_as_png(officer, training):
    response = api_upload(token_client(officer), training, "photo.pdf", PNG, kind="photo")
    assert response.status_code == 201
    assert response.json()["name"] == "photo.png"
    assert response.json()["content_type"] == "image/png"


def test_the_same_file_twice_on_one_activity_is_refused(officer, training):
    client = token_client(officer)
    assert api_upload(client, training, "agenda.pdf", PDF).status_code == 201
    again = api_upload(client, training, "agenda-copy.pdf", PDF)
    assert again.status_code == 400
    assert "already attached" in again.json()["file"][0]


# --- Size ---------------------------------------------------------------------------------


def test_a_file_over_the_limit_is_a_413_naming_it_in_the_api(officer, training, settings):
    settings.EVIDENCE_MAX_BYTES = 1000
    response = api_upload(token_client(officer), training, "big.pdf", PDF + b"x" * 2000)
    assert response.status_code == 413
    assert response.json()["limit"] == "1000"
    assert "EVIDENCE_MAX_BYTES" in response.json()["detail"]
    assert not EvidenceFile.objects.exists()


def test_a_body_declared_far_over_the_limit_is_refused_unread(officer, training, settings):
    settings.EVIDENCE_MAX_BYTES = 1000
    response = token_client(officer).post(
        f"/api/v1/activities/{training.pk}/evidence/",
        {"file": _named("big.pdf", PDF + b"x" * 200_000)},
    )
    assert response.status_code == 413


def test_a_file_over_the_limit_is_a_400_naming_it_on_the_page(officer, training, settings):
    settings.EVIDENCE_MAX_BYTES = 1000
    response = logged_in(officer).post(
        f"/activities/{training.pk}/evidence/",
        {"file": _named("big.pdf", PDF + b"x" * 2000), "kind": "report"},
    )
    assert response.status_code == 400
    assert "1000 bytes" in response.content.decode()
    assert "EVIDENCE_MAX_BYTES" in response.content.decode()


# --- Names --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\ana\\agenda.pdf", "agenda.pdf"),
        ("rep\x00ort.pdf", "report.pdf"),
        ("line\nbreak.pdf", "line break.pdf"),
        ("cod\u202egpj.exe", "codgpj.exe"),
        (".hidden.pdf", "hidden.pdf"),
        ('a<b>:"c"|?*.pdf', "a_b___c____.pdf"),
        ("", "file"),
        ("\x00\x01", "file"),
    ],
)
def test_names_lose_folders_control_characters_and_hidden_dots(given, kept):
    assert names.sanitise(given) == kept


def test_a_very_long_name_is_cut_and_keeps_its_extension():
    kept = names.sanitise("é" * 400 + ".pdf")
    assert len(kept) <= names.MAX_LENGTH
    assert kept.endswith(".pdf")


def test_uploaded_names_are_sanitised_and_stored_under_a_random_name(
    officer, training, evidence_root
):
    client = token_client(officer)
    traversal = api_upload(client, training, "../../etc/passwd", b"root:x:0:0\n")
    assert traversal.status_code == 201
    assert traversal.json()["name"] == "passwd.txt"
    nul = api_upload(client, training, "rep\x00ort.pdf", PDF)
    assert nul.json()["name"] == "report.pdf"
    long = api_upload(client, training, "x" * 300 + ".png", PNG)
    assert len(long.json()["name"]) <= 120 and long.json()["name"].endswith(".png")
    for evidence in EvidenceFile.objects.all():
        assert re.fullmatch(r"\d{4}/[0-9a-f]{32}", evidence.file.name)
    assert {path.parent.parent for path in stored_files(evidence_root)} == {evidence_root}


# --- Who may read ---------------------------------------------------------------------------


def download_paths(evidence) -> list[str]:
    base = f"/activities/{evidence.activity_id}/evidence/{evidence.pk}/download/"
    api = f"/api/v1/activities/{evidence.activity_id}/evidence/{evidence.pk}/download/"
    return [base, api]


def test_a_private_file_is_a_404_to_anonymous_users_donor_viewers_and_officers_elsewhere(
    officer, manager, donor_viewer, west_africa_officer, training
):
    evidence = attach(training, officer)
    for client in (Client(), logged_in(donor_viewer), logged_in(west_africa_officer)):
        for path in download_paths(evidence):
            assert client.get(path).status_code == 404, path
        assert (
            client.get(f"/api/v1/activities/{training.pk}/evidence/{evidence.pk}/").status_code
            == 404
        )
        listing = client.get(f"/api/v1/activities/{training.pk}/evidence/")
        assert listing.status_code == 200 and listing.json()["results"] == []
        page = client.get(f"/activities/{training.pk}/")
        assert "agenda.pdf" not in page.content.decode()
    for user in (officer, manager):
        for path in download_paths(evidence):
            response = logged_in(user).get(path)
            assert response.status_code == 200, (user, path)
            assert b"".join(response.streaming_content) == PDF


def test_a_public_file_is_downloaded_by_anyone_when_the_activity_is_published(
    officer, manager, training
):
    evidence = attach(training, officer)
    response = token_client(manager).patch(
        f"/api/v1/activities/{training.pk}/evidence/{evidence.pk}/",
        {"is_public": True},
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["is_public"] is True
    for path in download_paths(evidence):
        answer = Client().get(path)
        assert answer.status_code == 200
        assert b"".join(answer.streaming_content) == PDF
    page = Client().get(f"/activities/{training.pk}/").content.decode()
    assert "agenda.pdf" in page


def test_a_drafts_files_are_never_public_to_anonymous_users(officer, manager, roles):
    draft = make_draft("Draft with an agenda", ["SLV"], by=officer)
    evidence = attach(draft, manager, is_public=True)
    for path in download_paths(evidence):
        assert Client().get(path).status_code == 404
    assert Client().get(f"/api/v1/activities/{draft.pk}/evidence/").status_code == 404


def test_only_a_manager_makes_a_file_public(officer, training):
    client = token_client(officer)
    refused = api_upload(client, training, "agenda.pdf", PDF, is_public="true")
    assert refused.status_code == 403
    evidence = attach(training, officer)
    change = client.patch(
        f"/api/v1/activities/{training.pk}/evidence/{evidence.pk}/",
        {"is_public": True},
        content_type="application/json",
    )
    assert change.status_code == 403
    page = logged_in(officer).get(f"/activities/{training.pk}/").content.decode()
    assert "Make public" not in page and 'name="is_public"' not in page


def test_a_donor_viewer_and_an_officer_elsewhere_may_not_upload(
    donor_viewer, west_africa_officer, training
):
    for user in (donor_viewer, west_africa_officer):
        response = api_upload(token_client(user), training, "agenda.pdf", PDF)
        assert response.status_code == 403
    assert (
        Client()
        .post(f"/api/v1/activities/{training.pk}/evidence/", {"file": _named("a.pdf", PDF)})
        .status_code
        == 401
    )


def test_a_download_is_an_attachment_with_nosniff_and_its_detected_type(officer, training):
    evidence = attach(training, officer, name="Agenda día 1.pdf")
    response = logged_in(officer).get(download_paths(evidence)[0])
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "filename*=utf-8''Agenda%20d%C3%ADa%201.pdf" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    assert response["Content-Security-Policy"].startswith("sandbox")


def test_the_front_server_sends_the_bytes_when_configured(
    officer, training, settings, evidence_root
):
    evidence = attach(training, officer)
    settings.EVIDENCE_SENDFILE = "nginx"
    nginx = logged_in(officer).get(download_paths(evidence)[0])
    assert nginx.status_code == 200
    assert nginx["X-Accel-Redirect"] == f"/_evidence/{evidence.file.name}"
    assert nginx.content == b""
    assert nginx["Content-Disposition"].startswith("attachment;")
    settings.EVIDENCE_SENDFILE = "apache"
    apache = logged_in(officer).get(download_paths(evidence)[1])
    assert apache["X-Sendfile"] == str(evidence_root / evidence.file.name)
    assert apache.content == b""


# --- Deletion and history -------------------------------------------------------------------


def test_a_deletion_removes_the_bytes_once_committed_and_both_are_in_the_history(
    officer, manager, training, evidence_root, django_capture_on_commit_callbacks
):
    evidence = attach(training, officer, kind="agenda")
    assert len(stored_files(evidence_root)) == 1
    with django_capture_on_commit_callbacks(execute=True):
        response = token_client(officer).delete(
            f"/api/v1/activities/{training.pk}/evidence/{evidence.pk}/"
        )
    assert response.status_code == 204
    assert stored_files(evidence_root) == []
    entries = [e for e in audit.activity_history(training.pk) if "evidence" in e.subject]
    assert [(e.who, e.action) for e in entries] == [
        ("olga-officer", "deleted"),
        ("olga-officer", "created"),
    ]
    assert entries[1].subject == f"evidence file {evidence.pk}: agenda.pdf"
    assert {c.field: c.new for c in entries[1].changes}["kind"] == "agenda"


def test_a_public_file_is_deleted_by_a_manager_only(officer, manager, training):
    evidence = attach(training, manager, is_public=True)
    path = f"/api/v1/activities/{training.pk}/evidence/{evidence.pk}/"
    assert token_client(officer).delete(path).status_code == 403
    assert token_client(manager).delete(path).status_code == 204


def test_the_history_tab_lists_uploads_to_those_who_may_read_them(officer, donor_viewer, training):
    attach(training, officer, name="signatures.pdf")
    page = logged_in(officer).get(f"/activities/{training.pk}/history/").content.decode()
    assert "evidence file" in page and "signatures.pdf" in page
    donor = logged_in(donor_viewer).get(f"/activities/{training.pk}/history/")
    assert donor.status_code == 200
    assert "signatures.pdf" not in donor.content.decode()


def test_the_api_history_lists_a_made_public_change(officer, manager, training):
    evidence = attach(training, officer)
    from activities.evidence import services

    services.evidence_change(evidence=evidence, by=manager, is_public=True)
    history = token_client(manager).get(f"/api/v1/activities/{training.pk}/history/").json()
    (made_public,) = [e for e in history if e["action"] == "changed" and "evidence" in e["subject"]]
    assert made_public["who"] == "mona-manager"
    assert made_public["changes"] == [
        {"field": "is_public", "label": "public", "old": "no", "new": "yes"}
    ]


# --- Pages ----------------------------------------------------------------------------------


def test_an_officer_attaches_a_file_on_the_record_page(officer, training):
    client = logged_in(officer)
    page = client.get(f"/activities/{training.pk}/").content.decode()
    assert f'action="/activities/{training.pk}/evidence/"' in page
    response = client.post(
        f"/activities/{training.pk}/evidence/",
        {"file": _named("agenda.pdf", PDF), "kind": "agenda", "description": "Day 1 and 2"},
    )
    assert response.status_code == 302
    assert response["Location"] == f"/activities/{training.pk}/#evidence"
    page = client.get(f"/activities/{training.pk}/").content.decode()
    assert "agenda.pdf" in page and "Day 1 and 2" in page and "private" in page


def test_a_forbidden_type_on_the_page_is_a_400_with_the_message_by_the_field(officer, training):
    response = logged_in(officer).post(
        f"/activities/{training.pk}/evidence/",
        {"file": _named("report.pdf", b"<html><body>hi</body></html>"), "kind": "report"},
    )
    assert response.status_code == 400
    assert "HTML, XML and SVG are not accepted" in response.content.decode()


def test_a_manager_makes_a_file_public_on_the_page(manager, officer, training):
    evidence = attach(training, officer)
    response = logged_in(manager).post(
        f"/activities/{training.pk}/evidence/{evidence.pk}/public/", {"public": "1"}
    )
    assert response.status_code == 302
    evidence.refresh_from_db()
    assert evidence.is_public
    officer_try = logged_in(officer).post(
        f"/activities/{training.pk}/evidence/{evidence.pk}/public/", {"public": "0"}
    )
    assert officer_try.status_code == 403


# --- Attendance sheets ----------------------------------------------------------------------


def test_an_attached_attendance_sheet_is_offered_for_import_and_previewed(officer, training):
    sheet = xlsx_bytes(people(4))
    evidence = attach(
        training, officer, name="attendance.xlsx", data=sheet, kind="attendance_sheet"
    )
    agenda = attach(training, officer, name="agenda.pdf", kind="agenda")
    client = logged_in(officer)
    page = client.get(f"/activities/{training.pk}/").content.decode()
    assert f"/activities/{training.pk}/evidence/{evidence.pk}/import-attendance/" in page
    assert f"/evidence/{agenda.pk}/import-attendance/" not in page
    listing = token_client(officer).get(f"/api/v1/activities/{training.pk}/evidence/").json()
    offered = {row["name"]: row["importable_as_attendance"] for row in listing["results"]}
    assert offered == {"attendance.xlsx": True, "agenda.pdf": False}
    handed = client.post(f"/activities/{training.pk}/evidence/{evidence.pk}/import-attendance/")
    assert handed.status_code == 302
    assert f"/activities/{training.pk}/attendance/preview/" in handed["Location"]
    preview = client.get(handed["Location"])
    assert preview.status_code == 200
    assert preview.context["counts"]["new"] == 4
    assert not Attendance.objects.filter(activity=training).exists()  # a preview only


def test_a_donor_viewer_is_offered_no_import(donor_viewer, officer, manager, training):
    evidence = attach(
        training,
        manager,
        name="a.csv",
        data=csv_bytes(people(2)),
        kind="attendance_sheet",
        is_public=True,
    )
    page = logged_in(donor_viewer).get(f"/activities/{training.pk}/").content.decode()
    assert "a.csv" in page and "import-attendance" not in page
    refused = logged_in(donor_viewer).post(
        f"/activities/{training.pk}/evidence/{evidence.pk}/import-attendance/"
    )
    assert refused.status_code == 403


# --- Logs and query counts -------------------------------------------------------------------


def test_no_file_name_nor_content_reaches_the_logs(officer, training, caplog):
    sheet = csv_bytes([["Zacarías", "Quintanilla-Xol", "male", "1984"]], HEADERS[:4])
    with caplog.at_level(logging.DEBUG):
        client = token_client(officer)
        created = api_upload(
            client, training, "Quintanilla-Xol attendance.csv", sheet, kind="attendance_sheet"
        )
        assert created.status_code == 201
        api_upload(client, training, "Quintanilla-Xol.pdf", b"<html>Zacarias</html>")
        logged_in(officer).get(created.json()["download_url"])
    assert caplog.records, "the upload is logged, by id"
    assert "Quintanilla" not in caplog.text and "Zacar" not in caplog.text


def test_the_files_list_costs_the_same_queries_for_one_file_and_many(
    officer, manager, training, django_assert_num_queries
):
    client = token_client(manager)
    path = f"/api/v1/activities/{training.pk}/evidence/"
    attach(training, officer)
    client.get(path)  # the token and the permissions, once

    def count() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            assert client.get(path).status_code == 200
        return len(queries)

    one = count()
    for index in range(5):
        attach(training, officer, name=f"p{index}.png", data=PNG + bytes([index]))
    # The token and its user, the user's permissions (2), the activity, the page's count,
    # its files with their uploaders: no query per file.
    with django_assert_num_queries(one):
        response = client.get(path)
    assert len(response.json()["results"]) == 6


def test_the_record_page_lists_files_in_the_same_queries_for_one_and_many(
    officer, training, django_assert_num_queries
):
    client = logged_in(officer)
    path = f"/activities/{training.pk}/"
    attach(training, officer)
    client.get(path)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        client.get(path)
    for index in range(5):
        attach(training, officer, name=f"p{index}.png", data=PNG + bytes([index]))
    with django_assert_num_queries(len(queries)):
        page = client.get(path)
    assert page.content.decode().count('class="evidence-file"') == 6


def test_deleting_an_activity_deletes_its_files_and_their_bytes(
    officer, manager, training, evidence_root, django_capture_on_commit_callbacks
):
    from activities import services

    attach(training, officer)
    attach(training, officer, name="p.png", data=PNG)
    with django_capture_on_commit_callbacks(execute=True):
        services.activity_delete(activity=training, by=manager, expected_version=None)
    assert not EvidenceFile.objects.exists()
    assert stored_files(evidence_root) == []
    deleted = EvidenceFile.history.filter(history_type="-")
    assert deleted.count() == 2
    assert {record.history_user for record in deleted} == {manager}


# --- Storage settings ------------------------------------------------------------------------


def test_a_storage_other_than_the_filesystem_is_streamed_even_with_a_front_server(
    officer, training, settings
):
    settings.STORAGES = {
        **settings.STORAGES,
        "evidence": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }
    settings.EVIDENCE_SENDFILE = "nginx"
    evidence = attach(training, officer)
    response = logged_in(officer).get(download_paths(evidence)[0])
    assert response.status_code == 200
    assert "X-Accel-Redirect" not in response
    assert b"".join(response.streaming_content) == PDF


def _settings_of(code: str, **env: str):
    import os
    import subprocess
    import sys

    root = Path(__file__).resolve().parent.parent
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("EVIDENCE_", "AWS_"))}
    return subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=root,
        env=clean | env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_evidence_storage_s3_is_an_s3_compatible_bucket_through_django_storages():
    """Configured by the environment; building the storage reaches no network."""
    result = _settings_of(
        "from django.core.files.storage import storages; s = storages['evidence']; "
        "print(type(s).__name__, s.bucket_name, s.endpoint_url, s.location, s.default_acl, "
        "s.file_overwrite)",
        EVIDENCE_STORAGE="s3",
        AWS_STORAGE_BUCKET_NAME="tacbapp-evidence",
        AWS_S3_ENDPOINT_URL="http://127.0.0.1:9",
        AWS_ACCESS_KEY_ID="test",
        AWS_SECRET_ACCESS_KEY="test",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1].split() == [
        "S3Storage",
        "tacbapp-evidence",
        "http://127.0.0.1:9",
        "evidence",
        "private",
        "False",
    ]


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"EVIDENCE_SENDFILE": "lighttpd"}, "EVIDENCE_SENDFILE must be"),
        ({"EVIDENCE_STORAGE": "ftp"}, "EVIDENCE_STORAGE must be"),
        ({"EVIDENCE_ROOT": "staticfiles/evidence"}, "must not lie under STATIC_ROOT"),
    ],
)
def test_settings_refuse_an_unknown_front_server_storage_or_a_served_folder(env, message):
    result = _settings_of("print('started')", **env)
    assert result.returncode != 0
    assert message in result.stderr
