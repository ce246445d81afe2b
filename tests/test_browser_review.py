"""The review in a real browser (issue #19): an officer submits a draft, a manager
returns it with a comment, the officer fixes it and submits it again, the manager
publishes it from the review queue; each is told in the in-app notifications.

Headless Debian Chromium through Playwright (tests/fixtures_browser.py), against the
live server. The review queue's screenshots go to docs/screenshots/.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from activities.models import Activity
from tests.fixtures_roles import PASSWORD, make_draft, work_from_hub

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
COMMENT = "Give the city where it was held."


def sign_in(page, username: str, next_path: str) -> None:
    page.goto(page.url_for(f"/accounts/login/?next={next_path}"))
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(re.escape(next_path) + "$"))


def sign_out(page) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(r"/$"))


def nav_count(page, label: str) -> str:
    return page.locator(".account a", has_text=label).locator(".count").inner_text()


def test_a_draft_goes_through_submit_return_fix_resubmit_and_publish(
    browser_page, officer, manager, west_africa_officer
):
    page = browser_page
    work_from_hub(officer, "el-salvador", "SV")
    work_from_hub(west_africa_officer, "senegal", "SN")
    draft = make_draft("San Salvador prosecutors on cryptocurrency tracing", ["SLV"], by=officer)
    other = make_draft("Dakar judges on electronic evidence", ["SEN"], by=west_africa_officer)
    record = f"/activities/{draft.pk}/"

    # --- The officer submits the draft from its page.
    sign_in(page, "olga-officer", record)
    page.get_by_role("button", name="Submit for review").click()
    page.wait_for_url(re.compile(re.escape(record) + "$"))
    assert "Submitted for review" in page.locator(".messages").inner_text()
    sign_out(page)

    # Another officer's draft waits too (for the queue's screenshot).
    sign_in(page, "wale-officer", f"/activities/{other.pk}/")
    page.get_by_role("button", name="Submit for review").click()
    page.wait_for_url(re.compile(rf"/activities/{other.pk}/$"))
    sign_out(page)

    # --- The manager finds both in the queue, and is told of them.
    sign_in(page, "mona-manager", "/review/")
    assert nav_count(page, "Review queue") == "2"
    assert nav_count(page, "Notifications") == "2"
    rows = page.locator(".review-queue tbody tr")
    assert rows.count() == 2
    assert "El Salvador hub" in rows.nth(0).inner_text()
    page.select_option("#id_hub", "senegal")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url(re.compile(r"hub=senegal"))
    assert page.locator(".review-queue tbody tr").count() == 1
    page.goto(page.url_for("/review/"))
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "review-queue-1280.png"), full_page=True)
    page.set_viewport_size({"width": 375, "height": 812})
    page.screenshot(path=str(SCREENSHOTS / "review-queue-375.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    notes = page.goto(page.url_for("/notifications/"))
    assert notes is not None and notes.status == 200
    assert "was submitted for review by olga-officer" in page.locator(".notifications").inner_text()

    # --- ...and returns the Salvador one with a comment.
    page.goto(page.url_for(record))
    page.fill("#return-comment", COMMENT)
    page.get_by_role("button", name="Return with this comment").click()
    page.wait_for_url(re.compile(re.escape(record) + "$"))
    assert "Returned to its officer" in page.locator(".messages").inner_text()
    sign_out(page)

    # --- The officer sees it returned, with the comment, and is told.
    sign_in(page, "olga-officer", "/review/returned/")
    assert nav_count(page, "Returned to me") == "1"
    assert COMMENT in page.locator("table").inner_text()
    page.goto(page.url_for("/notifications/"))
    told = page.locator(".notifications").inner_text()
    assert "was returned to you by mona-manager" in told and COMMENT in told

    # --- The officer fixes it on the edit page and submits it again.
    page.goto(page.url_for(f"/activities/{draft.pk}/edit/"))
    page.fill("#id_description", "Held in San Salvador.")
    page.fill("#id_source_paragraph", "MR 2026/3")  # the form asks for a source
    page.get_by_role("button", name="Save changes").click()
    page.wait_for_url(re.compile(re.escape(record) + "$"))  # saving lands on the record
    assert Activity.objects.get(pk=draft.pk).description == "Held in San Salvador."
    page.goto(page.url_for(record))
    assert COMMENT in page.locator(".review-box").inner_text()
    page.get_by_role("button", name="Submit again for review").click()
    page.wait_for_url(re.compile(re.escape(record) + "$"))
    assert "Submitted again for review" in page.locator(".messages").inner_text()
    sign_out(page)

    # --- The manager publishes it from the queue.
    sign_in(page, "mona-manager", "/review/")
    page.get_by_role("checkbox", name=draft.title).check()
    page.get_by_role("button", name="Publish checked").click()
    page.wait_for_url(re.compile(r"/review/$"))
    assert "Published 1 draft." in page.locator(".messages").inner_text()
    assert page.locator(".review-queue tbody tr").count() == 1  # the Dakar one waits
    sign_out(page)

    # --- The officer is told; the history lists every step.
    sign_in(page, "olga-officer", "/notifications/")
    told = page.locator(".notifications").inner_text()
    assert "was published by mona-manager" in told
    page.goto(page.url_for(f"/activities/{draft.pk}/history/"))
    history = page.locator(".history").inner_text()
    assert history.count("submitted for review") >= 3
    assert COMMENT in history
    assert Activity.objects.get(pk=draft.pk).status == Activity.Status.PUBLISHED
