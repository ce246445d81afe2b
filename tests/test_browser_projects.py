"""The project pages in a real browser (headless Chromium against the live server): they
fit a 375-pixel phone (tables scroll inside their wrapper, the page does not) and raise
no console or Content-Security-Policy error. Screenshots go to test-artifacts/."""

from __future__ import annotations

import pytest

from tests.fixtures_browser import PHONE
from tests.project_factories import CODE, make_project

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAGES = [
    ("projects", "/projects/"),
    ("project", f"/projects/{CODE}/"),
    ("project-results", f"/projects/{CODE}/results/"),
]


def test_the_project_pages_fit_a_375_pixel_phone_without_errors(browser_page, artifacts):
    make_project()
    page = browser_page
    page.set_viewport_size(PHONE)
    for name, path in PAGES:
        page.goto(page.url_for(path))
        page.wait_for_load_state("load")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{path} is {width}px wide on a phone"
        assert page.locator("main h1").count() == 1
        page.screenshot(path=artifacts / f"{name}-phone.png", full_page=True)
    assert page.console_errors == []


def test_an_actual_on_the_results_page_opens_the_activities_behind_it(browser_page):
    make_project()
    page = browser_page
    page.goto(page.url_for(f"/projects/{CODE}/results/"))
    page.locator('[id="indicator-1.1"] table a').first.click()
    page.wait_for_url("**/activities/?*")
    assert f"project={CODE}" in page.url
    assert page.locator("table.activities tbody tr").count() == 2
