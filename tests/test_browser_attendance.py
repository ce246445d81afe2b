"""An officer imports an attendance sheet in a real browser: upload, preview, confirm,
the attendance list. Headless Debian Chromium through Playwright (fixtures_browser.py).
Screenshots of the preview at desktop and phone widths go to test-artifacts/."""

from __future__ import annotations

import re

import pytest

from activities.models import Attendance, Participant
from activities.people import imports
from tests.factories import ActivityFactory
from tests.fixtures_browser import PHONE
from tests.people_sheets import csv_bytes, people

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

from tests.test_browser_officer import refused, sign_in  # noqa: E402


def test_an_officer_imports_an_attendance_sheet(
    browser_page, officer, artifacts, tmp_path, settings
):
    settings.ATTENDANCE_UPLOAD_DIR = str(tmp_path / "uploads")
    page = browser_page
    activity = ActivityFactory(places=["SLV"])
    # One person already known, so that the sheet proposes a possible match.
    known = [["Ana Lucía", "Reyes Mena", "F", "1984", "Fiscalía", "SV", "", "", "", "", ""]]
    imports.confirm(activity=ActivityFactory(places=["SLV"]), file=csv_bytes(known), by=officer)
    person = Participant.objects.get()
    rows = people(6)
    rows.append(["Ana Lucia", "Reyes", "F", "1984", "Fiscalía", "SV", "", "yes", "", "", ""])
    sheet = tmp_path / "asistencia.csv"
    sheet.write_bytes(csv_bytes(rows))

    sign_in(page, "olga-officer", f"/activities/{activity.pk}/")
    page.get_by_label("Attendance sheet (CSV or XLSX)").set_input_files(str(sheet))
    page.get_by_role("button", name="Preview").click()
    page.wait_for_url(re.compile(r"/attendance/preview/"))

    counts = page.locator(".import-counts")
    assert "7" in counts.locator("li").nth(0).inner_text()
    assert "6" in counts.locator(".count-new").inner_text()
    assert "1" in counts.locator(".count-possible").inner_text()
    possible = page.locator(".possible-row")
    assert "Row 8: Ana Lucia Reyes" in possible.inner_text()
    # A new person unless the officer says otherwise.
    assert page.get_by_label("a new person").is_checked()
    page.screenshot(path=str(artifacts / "attendance-preview-1280.png"), full_page=True)
    page.set_viewport_size(PHONE)
    page.screenshot(path=str(artifacts / "attendance-preview-375.png"), full_page=True)
    # Nothing scrolls sideways on a phone but the tables inside their wrappers.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.set_viewport_size({"width": 1280, "height": 900})

    page.get_by_label(re.compile(r"the same person as Ana Lucía Reyes Mena")).check()
    page.get_by_role("button", name="Confirm import").click()
    page.wait_for_url(re.compile(rf"/activities/{activity.pk}/attendance/$"))
    assert "Imported 7 rows: 6 new persons, 1 known." in page.locator(".messages").inner_text()
    table = page.locator("table.attendance-list")
    assert table.locator("tbody tr").count() == 7
    assert "Reyes Mena, Ana Lucía" in table.inner_text()
    page.screenshot(path=str(artifacts / "attendance-list-1280.png"), full_page=True)
    assert Attendance.objects.filter(activity=activity, participant=person).exists()
    assert Participant.objects.count() == 7
    assert not refused(page)


def test_a_sheet_with_errors_and_unknown_headers_is_explained_not_imported(
    browser_page, officer, artifacts, tmp_path, settings
):
    settings.ATTENDANCE_UPLOAD_DIR = str(tmp_path / "uploads")
    page = browser_page
    activity = ActivityFactory(places=["SLV"])
    headers = ["Prénom", "Nom", "Sexe", "Pays", "Remarque"]
    rows = [
        ["Awa", "Ndiaye", "F", "SV", "premier rang"],
        ["Moussa", "Diop", "Z", "SV", ""],
        ["Fatou", "Sow", "F", "Atlantide", ""],
    ]
    sheet = tmp_path / "presence.csv"
    sheet.write_bytes(csv_bytes(rows, headers, delimiter=";", encoding="cp1252"))
    sign_in(page, "olga-officer", f"/activities/{activity.pk}/attendance/")
    page.get_by_label("Attendance sheet (CSV or XLSX)").set_input_files(str(sheet))
    page.get_by_role("button", name="Preview").click()
    page.wait_for_url(re.compile(r"/attendance/preview/"))
    errors = page.locator(".row-errors").inner_text()
    assert "Row 3, column “Sexe”: “Z” is not a sex" in errors
    assert "Row 4, column “Pays”: “Atlantide” is not a known country" in errors
    assert page.get_by_role("button", name="Confirm import").count() == 0
    assert page.get_by_label("Remarque").input_value() == ""  # left out unless mapped
    page.set_viewport_size(PHONE)
    page.screenshot(path=str(artifacts / "attendance-errors-375.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert not Participant.objects.exists()
    assert not refused(page)
