"""An officer logs a training in a real browser; a manager publishes it; the public sees it.

Headless Debian Chromium through Playwright (tests/fixtures_browser.py), against the
live server. Screenshots go to test-artifacts/ (gitignored).
"""

from __future__ import annotations

import re

import pytest

from activities.models import Activity
from tests.fixtures_roles import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TITLE = "Santa Ana prosecutors on electronic evidence"


def headline_people(page) -> int:
    """The "people reached" headline of the dashboard, as a number (40,267+ -> 40267)."""
    text = page.locator(".headline-item").nth(1).locator(".headline-value").inner_text()
    return int(re.sub(r"[^0-9]", "", text))


def refused(page) -> list[str]:
    """Console errors of scripts, styles or frames refused by the Content-Security-Policy
    (the form's 400 answer to a validation error is expected and logged too)."""
    return [m for m in page.console_errors if "Content Security Policy" in m or "Refused" in m]


def sign_in(page, username: str, next_path: str) -> None:
    page.goto(page.url_for(f"/accounts/login/?next={next_path}"))
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(re.escape(next_path) + "$"))


def sign_out(page) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(r"/$"))


def test_an_officer_logs_a_training_a_manager_publishes_it_and_the_dashboard_counts_it(
    browser_page, officer, manager, artifacts
):
    page = browser_page
    page.goto(page.url_for("/"))
    people_before = headline_people(page)

    # --- The officer logs a training with two beneficiary rows.
    sign_in(page, "olga-officer", "/log/")
    assert page.locator("h1").inner_text() == "Log a training"
    page.fill("#id_title", TITLE)
    page.fill("#id_start_date", "2021-03-08")
    page.fill("#id_end_date", "2021-03-10")
    page.get_by_label("in person", exact=True).check()
    page.get_by_label("El Salvador", exact=True).check()
    page.get_by_label("Guatemala", exact=True).check()
    page.select_option("#id_rows-0-audience", label="Prosecutors")
    page.fill("#id_rows-0-country", "El Salvador")
    page.fill("#id_rows-0-female", "10")
    page.fill("#id_rows-0-male", "5")
    page.fill("#id_rows-0-total", "20")  # a slip: 10 + 5 is not 20
    page.fill("#id_rows-1-country", "GT")
    page.fill("#id_rows-1-not_recorded", "30")
    # The live total flags the slip before anything is sent.
    assert page.locator("#beneficiary-rows tbody tr").nth(0).locator(
        "[data-row-total]"
    ).inner_text() == ("15 ≠ 20")
    assert "check the marked rows" in page.locator("#grand-total").inner_text()
    page.fill("#id_source_paragraph", "MR 2021/4")
    # A third row can be added without reloading; left empty, it is ignored.
    page.get_by_role("button", name="Add a row").click()
    assert page.locator("#beneficiary-rows tbody tr").count() == 3
    page.get_by_role("button", name="Save as draft").click()

    # --- The error is next to the field, and everything typed is still there.
    error = page.locator("#beneficiary-rows .error").first
    assert "Female (10) + male (5) + not recorded (0) = 15, not 20" in error.inner_text()
    assert page.locator("#id_title").input_value() == TITLE
    assert page.locator("#id_rows-1-not_recorded").input_value() == "30"
    page.screenshot(path=artifacts / "officer-log-error.png", full_page=True)
    page.fill("#id_rows-0-total", "15")
    assert page.locator("#grand-total").inner_text() == "45"
    page.get_by_role("button", name="Save as draft").click()
    page.wait_for_url(re.compile(r"/activities/\d+/$"))  # the record
    assert "Saved as a draft" in page.locator(".messages").inner_text()
    activity = Activity.objects.get(title=TITLE)
    assert activity.status == "draft"
    assert sorted(activity.beneficiaries.values_list("total", flat=True)) == [15, 30]
    assert refused(page) == []
    sign_out(page)

    # --- Anonymous visitors do not see the draft.
    page.goto(page.url_for("/"))
    assert headline_people(page) == people_before
    assert page.goto(page.url_for(f"/activities/{activity.pk}/")).status == 404

    # --- The manager publishes it.
    sign_in(page, "mona-manager", f"/activities/{activity.pk}/edit/")
    page.get_by_role("button", name="Publish").click()
    page.wait_for_url(re.compile(rf"/activities/{activity.pk}/$"))
    assert "it is now public" in page.locator(".messages").inner_text()
    page.get_by_role("link", name="History").click()
    page.wait_for_url(re.compile(rf"/activities/{activity.pk}/history/$"))
    history = page.locator(".history").inner_text()
    assert "mona-manager changed the activity" in history
    assert "olga-officer created the activity" in history
    sign_out(page)

    # --- The anonymous dashboard now counts its 45 people.
    page.goto(page.url_for("/"))
    assert headline_people(page) == people_before + 45
    page.screenshot(path=artifacts / "dashboard-after-publishing.png", full_page=True)
    page.goto(page.url_for(f"/activities/{activity.pk}/"))
    assert TITLE in page.locator("h1").inner_text()
    assert refused(page) == []


def test_the_admin_and_the_api_docs_work_under_the_content_security_policy(
    browser_page, administrator
):
    page = browser_page
    sign_in(page, "ada-admin", "/admin/activities/activity/")
    assert page.locator("#result_list").count() == 1
    page.goto(page.url_for("/admin/activities/activity/add/"))
    assert page.locator("#activity_form").count() == 1
    page.goto(page.url_for("/api/v1/docs/"))
    page.wait_for_selector(".swagger-ui .information-container", timeout=20_000)
    assert "tacbapp API" in page.locator(".swagger-ui .title").inner_text()
    assert refused(page) == []
