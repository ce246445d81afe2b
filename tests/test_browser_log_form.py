"""The log form in Chromium at 1280 and 375 px: from empty to a saved record through an
error, the number of keys and clicks a first save takes, and the page checked by axe-core
and the Nu HTML checker before and after an error.

How interactions are counted (Interactions below): a click is 1, a key is 1 (typed text
counts each of its characters, pressed with page.keyboard), Tab is 1. Choosing in a
select is a click on it and the first letters of the choice typed, as an officer does
with a keyboard.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from activities.models import Activity
from tests.fixtures_browser import DESKTOP, PHONE
from tests.fixtures_roles import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NODE_MODULES = Path("/work/wt/node/node_modules")
AXE = NODE_MODULES / "axe-core" / "axe.min.js"
VNU = NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"
VIEWPORTS = [pytest.param(DESKTOP, id="1280"), pytest.param(PHONE, id="375")]


class Interactions:
    """An officer's hands on the page, counted."""

    def __init__(self, page) -> None:
        self.page = page
        self.count = 0

    def click(self, selector: str, **options) -> None:
        self.page.click(selector, **options)
        self.count += 1

    def type(self, text: str) -> None:
        self.page.keyboard.type(text)
        self.count += len(text)

    def press(self, key: str) -> None:
        self.page.keyboard.press(key)
        self.count += 1

    def field(self, selector: str, text: str) -> None:
        """Click into a field and type."""
        self.click(selector)
        self.type(text)

    def date(self, selector: str, month: str, day: str, year: str) -> None:
        """A date typed into Chromium's date field, from its first segment (the click
        lands on the month: the field's left edge)."""
        self.click(selector, position={"x": 12, "y": 12})
        self.type(month + day + year)


def sign_in(page, next_path: str) -> None:
    page.goto(page.url_for(f"/accounts/login/?next={next_path}"))
    page.fill("#id_username", "olga-officer")
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(re.escape(next_path) + "$"))


def page_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def dangling_descriptions(page) -> list[str]:
    """aria-describedby and aria-labelledby references to ids the page does not have."""
    return page.evaluate(
        """() => [...document.querySelectorAll('[aria-describedby], [aria-labelledby]')]
          .flatMap(el => ['aria-describedby', 'aria-labelledby']
            .flatMap(attr => (el.getAttribute(attr) || '').split(/\\s+/).filter(Boolean)))
          .filter(id => !document.getElementById(id))"""
    )


def axe_violations(page) -> list[str]:
    """axe-core's serious and critical violations on the page as it is now."""
    page.add_script_tag(path=str(AXE))
    results = page.evaluate("async () => await axe.run(document)")
    return [
        f"{v['id']}: {v['help']} ({len(v['nodes'])}: {v['nodes'][0]['target']})"
        for v in results["violations"]
        if v["impact"] in {"serious", "critical"}
    ]


def vnu_errors(page, tmp_path: Path, name: str) -> list[str]:
    """The Nu HTML checker's errors on the page's HTML as served."""
    html = tmp_path / f"{name}.html"
    html.write_text(page.content(), encoding="utf-8")
    java = shutil.which("java")
    if java is None or not VNU.exists():
        pytest.skip("Java or vnu.jar missing")
    run = subprocess.run(
        [java, "-jar", str(VNU), "--errors-only", "--format", "json", str(html)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    messages = json.loads(run.stderr or run.stdout or '{"messages": []}')["messages"]
    return [f"{m.get('lastLine')}: {m['message']}" for m in messages if m["type"] == "error"]


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_an_officer_goes_from_an_empty_form_to_a_saved_record_through_an_error(
    browser_page, officer, viewport, artifacts
):
    page = browser_page
    page.set_viewport_size(viewport)
    sign_in(page, "/log/")
    assert page.locator("h1").inner_text() == "Log a training"
    headings = page.locator(".activity-form h2").all_inner_texts()
    assert [re.sub(r"^\d\s*", "", h) for h in headings] == [
        "What",
        "When and where",
        "Who came",
        "Themes, languages and partners",
        "Source",
    ]
    page.fill("#id_title", "Santa Ana prosecutors on electronic evidence")
    page.fill("#id_start_date", "2026-03-08")
    page.get_by_label("El Salvador", exact=True).check()
    page.get_by_label("Guatemala", exact=True).check()
    page.select_option("#id_rows-0-audience", label="Prosecutors")
    page.fill("#id_rows-0-country", "SV")
    page.fill("#id_rows-0-female", "10")
    page.fill("#id_rows-0-male", "5")
    page.fill("#id_rows-0-total", "20")  # a slip: 10 + 5 is not 20
    page.select_option("#id_rows-1-audience", label="Judges")
    page.fill("#id_rows-1-country", "Guatemala")
    page.fill("#id_rows-1-not_recorded", "30")
    page.fill("#id_source_paragraph", "MR 2026/3")
    row_total = page.locator("#beneficiary-rows tbody tr").nth(0).locator("[data-row-total]")
    assert row_total.inner_text() == "15 ≠ 20"
    assert "check the marked rows" in page.locator(".footer-total").inner_text()
    page.get_by_role("button", name="Save as draft").click()

    # The error: summarized at the top with a link to the field, under the field too.
    summary = page.locator("#error-summary")
    assert summary.is_visible()
    link = summary.get_by_role("link", name="Row 1, Total (if you know it)")
    assert link.get_attribute("href") == "#id_rows-0-total"
    error = page.locator("#id_rows-0-total_error")
    assert "Female (10) + male (5) + not recorded (0) = 15, not 20" in error.inner_text()
    assert "id_rows-0-total_error" in page.get_attribute("#id_rows-0-total", "aria-describedby")
    assert dangling_descriptions(page) == []
    assert page_width(page) <= viewport["width"]
    # Everything typed is kept, no row added.
    assert page.locator("#id_rows-1-country").input_value() == "Guatemala"
    assert page.locator("#beneficiary-rows tbody tr").count() == 2
    link.click()
    assert page.evaluate("document.activeElement.id") == "id_rows-0-total"
    page.screenshot(path=artifacts / f"log-form-error-{viewport['width']}.png", full_page=True)
    page.fill("#id_rows-0-total", "15")
    assert page.locator(".footer-total output").inner_text() == "45"
    page.get_by_role("button", name="Save as draft").click()

    # The record, with a confirmation, and where the people were counted.
    # (The browser keeps the link's #fragment through the redirect.)
    page.wait_for_url(re.compile(r"/activities/\d+/(#.*)?$"))
    status = page.get_by_role("status")
    assert "Saved as a draft" in status.inner_text()
    assert status.locator(".message-success").is_visible()
    activity = Activity.objects.get(title="Santa Ana prosecutors on electronic evidence")
    assert activity.status == "draft"
    assert sorted(activity.audiences.values_list("slug", flat=True)) == ["judges", "prosecutors"]
    assert sorted(activity.beneficiaries.values_list("total", flat=True)) == [15, 30]
    counted = page.locator("dt", has_text="Participations counted for").locator("xpath=..")
    assert counted.locator("dd").inner_text() == "El Salvador; Guatemala"
    assert page_width(page) <= viewport["width"]


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_an_officers_first_save_of_a_training_with_two_rows_takes_at_most_40_interactions(
    browser_page, officer, viewport
):
    page = browser_page
    page.set_viewport_size(viewport)
    sign_in(page, "/log/")
    hands = Interactions(page)
    # The title has the focus when the page opens. Chromium gives an autofocus field the
    # focus at its first rendering update, which may come after "load": wait for it, as
    # an officer's eyes do, or the first key lands nowhere.
    page.wait_for_function("document.activeElement && document.activeElement.id === 'id_title'")
    hands.type("Cyber law")
    hands.date("#id_start_date", "03", "08", "2026")
    # No country ticked: the rows name them, and they become the activity's.
    hands.field("#id_rows-0-audience", "j")  # Judges
    hands.field("#id_rows-0-country", "SV")
    hands.field("#id_rows-0-female", "6")
    hands.field("#id_rows-0-male", "9")
    hands.field("#id_rows-1-audience", "pr")  # Prosecutors
    hands.field("#id_rows-1-country", "GT")
    hands.field("#id_rows-1-not_recorded", "30")
    hands.field("#id_source_paragraph", "34")
    hands.click("button:has-text('Save as draft')")
    page.wait_for_url(re.compile(r"/activities/\d+/$"))
    assert "Saved as a draft" in page.get_by_role("status").inner_text()
    activity = Activity.objects.get(title="Cyber law")
    assert activity.kind_id == "training"
    assert activity.delivery == "delivered"
    assert activity.modality_id == "in_person"
    assert str(activity.start_date) == "2026-03-08"
    assert sorted(activity.beneficiaries.values_list("total", flat=True)) == [15, 30]
    assert sorted(activity.countries.values_list("iso2", flat=True)) == ["GT", "SV"]
    assert hands.count <= 40, hands.count


def test_the_log_form_passes_axe_and_the_nu_checker_before_and_after_an_error(
    chromium, live_server, seeded_transactional_db, officer, tmp_path
):
    # axe-core is injected as an inline script: the page's CSP is bypassed for it.
    context = chromium.new_context(viewport=DESKTOP, bypass_csp=True)
    page = context.new_page()
    page.url_for = lambda path: f"{live_server.url}{path}"
    sign_in(page, "/log/")
    # The checker reads the page before axe-core is injected into it.
    assert vnu_errors(page, tmp_path, "log") == []
    assert axe_violations(page) == []
    page.fill("#id_rows-0-female", "3")
    page.fill("#id_rows-0-total", "4")
    page.get_by_role("button", name="Save as draft").click()
    page.wait_for_selector("#error-summary")
    assert dangling_descriptions(page) == []
    assert vnu_errors(page, tmp_path, "log-error") == []
    assert axe_violations(page) == []
    context.close()


def test_the_keyboard_reaches_every_section_and_the_save_button_in_order(browser_page, officer):
    page = browser_page
    sign_in(page, "/log/")
    assert page.evaluate("document.activeElement.id") == "id_title"
    seen = []
    for _ in range(200):
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement.id || document.activeElement.textContent")
        seen.append(focused.strip())
        if "Save as draft" in focused:
            break
    assert "Save as draft" in seen[-1]
    order = [seen.index(i) for i in ("id_start_date", "id_rows-0-audience", "id_source_paragraph")]
    assert order == sorted(order)
