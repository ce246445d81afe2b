"""The public pages in a real browser: headless Chromium against the live server.

Screenshots at desktop (1280) and phone (375) widths go to test-artifacts/ (gitignored).
"""

from __future__ import annotations

import csv
import re

import pytest

from tests.fixtures_browser import PHONE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CENTRAL_AMERICA_2020 = {
    "report-2020/F04",
    "report-2020/F12",
    "report-2020/F16",
    "report-2020/F18",
    "report-2020/F19",
    "report-2020/F26-SLV",
    "report-2020/F26-GTM",
    "report-2020/F28",
}


def test_the_dashboard_shows_headline_figures_charts_and_the_map(browser_page, artifacts):
    page = browser_page
    page.goto(page.url_for("/"))
    assert page.locator("h1").inner_text().startswith("What the programme delivered")
    assert "40,267+" in page.locator(".headline").inner_text()
    assert "2,440 persons from 64 countries" in page.locator(".umbrella").inner_text()
    assert page.locator("svg.chart-svg").count() == 4
    assert page.locator("svg.map-svg a").count() > 200
    # The stylesheet and the script load from the app itself (no CDN).
    assert page.evaluate("getComputedStyle(document.body).margin") == "0px"
    page.screenshot(path=artifacts / "dashboard-desktop.png", full_page=True)


def test_filtering_the_list_to_central_america_in_2020(browser_page, artifacts):
    page = browser_page
    page.goto(page.url_for("/activities/"))
    page.select_option("#id_region", "013")  # the form submits itself on change
    page.wait_for_url(re.compile(r"region=013"))
    page.fill("#id_year", "2020")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url(re.compile(r"year=2020"))
    assert page.locator(".result-count").inner_text() == "8 activities match these filters"
    assert page.locator("table.activities tbody tr").count() == 8
    # Empty filters are left out of the address, so it can be shared as it is.
    query = page.url.split("?", 1)[1]
    assert sorted(query.split("&")) == ["region=013", "year=2020"]
    page.screenshot(path=artifacts / "list-desktop.png", full_page=True)


def test_a_map_link_opens_the_country_page(browser_page):
    page = browser_page
    page.goto(page.url_for("/"))
    page.locator('svg.map-svg a[href="/countries/SV/"] path').click()
    page.wait_for_url(re.compile(r"/countries/SV/$"))
    assert page.locator("h1").inner_text().startswith("El Salvador")
    assert "263 cases" in page.locator("main").inner_text()  # context statistic F09


def test_the_csv_download_holds_the_filtered_rows(browser_page, artifacts):
    page = browser_page
    page.goto(page.url_for("/activities/?region=013&year=2020"))
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download CSV").click()
    download = download_info.value
    path = artifacts / "central-america-2020.csv"
    download.save_as(path)
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert {row["reference"] for row in rows} == CENTRAL_AMERICA_2020
    teachers = next(row for row in rows if row["reference"] == "report-2020/F16")
    assert teachers["participations_label"] == "5,600+"


def test_a_bad_filter_shows_the_error_next_to_the_field(browser_page):
    page = browser_page
    response = page.goto(page.url_for("/activities/?country=XX"))
    assert response.status == 400
    assert "XX" in page.locator("#id_country_error").inner_text()


def test_the_pages_fit_a_375_pixel_phone(browser_page, artifacts):
    page = browser_page
    page.set_viewport_size(PHONE)
    for name, path in [
        ("dashboard", "/"),
        ("list", "/activities/?region=013&year=2020"),
        ("country", "/countries/SV/"),
        ("region", "/regions/013/"),
        ("figures", "/figures/"),
    ]:
        page.goto(page.url_for(path))
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{path} is {width}px wide on a phone"
        page.screenshot(path=artifacts / f"{name}-phone.png", full_page=True)


def test_the_keyboard_reaches_the_skip_link_first(browser_page):
    page = browser_page
    page.goto(page.url_for("/activities/"))
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"


def test_the_pages_raise_no_console_or_content_security_policy_error(browser_page):
    page = browser_page
    for path in ["/", "/activities/?region=013", "/countries/SV/", "/regions/001/", "/figures/"]:
        page.goto(page.url_for(path))
        page.wait_for_load_state("load")
    assert page.console_errors == []
