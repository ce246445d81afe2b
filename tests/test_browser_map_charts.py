"""The dashboard's map and charts in a real browser, at 1280 and 375 pixels: zooming the
map and back, the keyboard's focus on a country and a region reading out its figure,
each chart's table and the list behind it, and nothing wider than a phone."""

from __future__ import annotations

import re

import pytest

from tests.fixtures_browser import DESKTOP, PHONE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = [pytest.param(DESKTOP, id="1280"), pytest.param(PHONE, id="375")]


def _view_box(page) -> list[float]:
    return [float(n) for n in page.locator("svg.map-svg").get_attribute("viewBox").split()]


@pytest.mark.parametrize("size", SIZES)
def test_the_map_zooms_to_central_america_and_back_out(browser_page, size):
    page = browser_page
    page.set_viewport_size(size)
    page.goto(page.url_for("/?year=2020"))
    world = _view_box(page)
    page.get_by_role("navigation", name="Zoom the map").get_by_role(
        "link", name="Central America"
    ).click()
    page.wait_for_url(re.compile(r"zoom=013"))
    assert "year=2020" in page.url
    zoomed = _view_box(page)
    assert zoomed[2] < world[2] / 5
    region = page.locator('a.map-region[data-region="013"]')
    assert region.locator("text").text_content() == "6,255+"
    # The circle and its number are drawn inside the view, at a readable size.
    box = region.locator("text").bounding_box()
    svg = page.locator("svg.map-svg").bounding_box()
    assert svg["x"] <= box["x"] and box["x"] + box["width"] <= svg["x"] + svg["width"] + 1
    assert box["height"] >= 10
    page.get_by_role("link", name="Whole world").click()
    page.wait_for_url(re.compile(r"/\?year=2020#map-section-title$"))
    assert _view_box(page) == world


@pytest.mark.parametrize("size", SIZES)
def test_the_keyboard_reaches_countries_and_regions_and_reads_their_figures(browser_page, size):
    page = browser_page
    page.set_viewport_size(size)
    page.goto(page.url_for("/?map=participants&year=2020"))
    readout = page.locator(".map-readout")
    # Tab from the last control before the map into it: only places with a figure stop.
    page.locator("nav.map-zoom a").last.focus()
    names = []
    for _ in range(10):
        page.keyboard.press("Tab")
        name = page.evaluate("document.activeElement.getAttribute('aria-label')")
        if not name:
            break
        names.append(name)
        assert readout.inner_text() == name
    assert any(name.startswith("El Salvador: 650 participations") for name in names), names
    central_america = next(name for name in names if name.startswith("Central America:"))
    assert "more than 6,255 participations region-wide" in central_america
    assert any(name.startswith("Asia: more than 130") for name in names)
    # Enter follows the focused region to its page.
    page.locator('a.map-region[data-region="013"]').focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/regions/013/$"))


@pytest.mark.parametrize("size", SIZES)
def test_each_charts_table_and_link_lead_to_a_list_with_the_same_total(browser_page, size):
    page = browser_page
    page.set_viewport_size(size)
    page.goto(page.url_for("/?year=2020"))
    for chart_id, expected in [
        ("chart-time", ("2020", "19", "40,267+")),
        ("chart-region", ("Americas", "650", "Central America 6,255+", "6,905+")),
        ("chart-sex", ("Sex not recorded", "40,267+", "100 %")),
    ]:
        section = page.locator(f"section[aria-labelledby='{chart_id}-heading']")
        details = section.locator("details.chart-data")
        details.locator("summary").click()
        row = details.locator("tbody tr").filter(has_text=expected[0]).first
        assert row.is_visible()
        cells = [c.strip() for c in row.locator("th, td").all_inner_texts()]
        assert tuple(cells) == expected, (chart_id, cells)
    # The region table's link: the list of the Americas in 2020 says 6,905+.
    page.locator("section[aria-labelledby='chart-region-heading'] tbody").get_by_role(
        "link", name="Americas"
    ).click()
    page.wait_for_url(re.compile(r"region=019"))
    assert "6,905+" in page.locator("dl.totals").inner_text()
    # Each chart's "list" link: the list shows the dashboard's activities and total.
    page.goto(page.url_for("/?year=2020"))
    headline = page.locator(".headline-item").first.locator(".headline-value").inner_text()
    page.locator("section[aria-labelledby='chart-sex-heading'] .chart-list a").click()
    page.wait_for_url(re.compile(r"/activities/\?year=2020$"))
    assert page.locator(".result-count").inner_text().startswith(f"{headline} activities")
    assert "40,267+" in page.locator("dl.totals").inner_text()
    page.goto(page.url_for("/?year=2020"))
    page.locator("section[aria-labelledby='chart-time-heading'] summary").click()
    page.locator("section[aria-labelledby='chart-time-heading'] tbody").get_by_role(
        "link", name="2020"
    ).click()
    page.wait_for_url(re.compile(r"/activities/\?year=2020$"))
    assert page.locator(".result-count").inner_text().startswith("19 activities")


def test_nothing_is_wider_than_a_phone(browser_page):
    page = browser_page
    page.set_viewport_size(PHONE)
    for path in ["/", "/?zoom=013", "/?map=participants&zoom=035", "/countries/GT/"]:
        page.goto(page.url_for(path))
        for summary in page.locator("details.chart-data summary").all():
            summary.click()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{path} is {width}px wide on a phone"
    assert page.console_errors == []
