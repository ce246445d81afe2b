"""The three languages in a real browser, at 1280 and 375 pixels: the switcher on the
dashboard and on the officer's log form, the choice remembered from page to page, and
no French or Spanish word pushing the page wider than a phone.

Headless Debian Chromium through Playwright (tests/fixtures_browser.py). Screenshots go
to test-artifacts/; with UPDATE_SCREENSHOTS=1 the dashboards are also written to
docs/screenshots/ (dashboard-fr-1280.png, dashboard-es-375.png...) for the README.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from tests.fixtures_browser import DESKTOP, PHONE
from tests.fixtures_roles import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DOCS_SCREENSHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
WIDTHS = {1280: DESKTOP, 375: PHONE}
DASHBOARD_HEADING = {
    "en": "What the programme delivered",
    "fr": "Ce que le programme a réalisé",
    "es": "Lo que el programa realizó",
}
FORM_HEADING = {
    "en": "Log a training",
    "fr": "Saisir une formation",
    "es": "Registrar una capacitación",
}
SWITCH_BUTTON = {"en": "Change", "fr": "Changer", "es": "Cambiar"}


def switch_to(page, current: str, language: str) -> None:
    """Choose a language in the header's switcher and send it, as a reader does."""
    page.select_option("#language-select", language)
    with page.expect_navigation():
        page.get_by_role("button", name=SWITCH_BUTTON[current]).click()


def page_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def too_wide(page, width: int) -> list[str]:
    """The innermost elements that reach past the right edge (for the failure message)."""
    return page.evaluate(
        """(width) => [...document.querySelectorAll('body *')]
          .filter(e => e.getBoundingClientRect().right > width + 1
                    && !e.closest('.table-wrap, .chart-data'))
          .slice(0, 8)
          .map(e => e.tagName + '.' + e.className + ' ' + (e.id || '') + ' '
                    + Math.round(e.getBoundingClientRect().right))""",
        width,
    )


def keep(page, artifacts: Path, name: str) -> None:
    path = artifacts / name
    page.screenshot(path=str(path), full_page=True)
    # The first screen alone, as a reader sees it on arrival.
    page.screenshot(path=str(artifacts / name.replace(".png", "-screen.png")))
    if os.environ.get("UPDATE_SCREENSHOTS") == "1":
        DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, DOCS_SCREENSHOTS / name)


@pytest.mark.parametrize("width", WIDTHS)
def test_a_reader_switches_the_dashboard_to_french_then_spanish(
    chromium, live_server, seeded_transactional_db, artifacts, width
):
    context = chromium.new_context(viewport=WIDTHS[width])
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        page.goto(f"{live_server.url}/")
        assert page.locator("html").get_attribute("lang") == "en"
        assert page.locator("h1").inner_text() == DASHBOARD_HEADING["en"]

        previous = "en"
        for language in ("fr", "es"):
            switch_to(page, previous, language)
            previous = language
            assert page.locator("html").get_attribute("lang") == language
            assert page.locator("h1").inner_text() == DASHBOARD_HEADING[language]
            # Numbers grouped as the language writes them (a narrow space, not a comma).
            headline = page.locator(".headline-item").nth(1).locator(".headline-value")
            assert re.fullmatch(r"\d{1,3}(\u00a0\d{3})+\+?", headline.inner_text())
            assert page_width(page) <= width, f"{language} overflows {width} px"
            keep(page, artifacts, f"dashboard-{language}-{width}.png")

        # The choice is remembered: another page opens in Spanish.
        page.goto(f"{live_server.url}/activities/")
        assert page.locator("html").get_attribute("lang") == "es"
        assert page.locator("h1").inner_text() == "Actividades"
        assert page_width(page) <= width
    finally:
        context.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_an_officer_uses_the_log_form_in_french_and_spanish(
    chromium, live_server, seeded_transactional_db, officer, artifacts, width
):
    context = chromium.new_context(viewport=WIDTHS[width])
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        page.goto(f"{live_server.url}/accounts/login/?next=/log/")
        page.fill("#id_username", "olga-officer")
        page.fill("#id_password", PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(re.compile(r"/log/$"))
        assert page.locator("h1").inner_text() == FORM_HEADING["en"]
        assert page_width(page) <= width, too_wide(page, width)

        previous = "en"
        for language in ("fr", "es"):
            switch_to(page, previous, language)
            previous = language
            assert re.search(r"/log/$", page.url)
            assert page.locator("h1").inner_text() == FORM_HEADING[language]
            legend = {"fr": "Précision des dates ?", "es": "¿Qué precisión tienen las fechas?"}
            assert page.get_by_text(legend[language]).first.is_visible()
            assert page_width(page) <= width, f"the {language} form overflows {width} px"
            keep(page, artifacts, f"log-form-{language}-{width}.png")

        # A form error comes back in the language too.
        page.get_by_role("button", name="Guardar como borrador").click()
        page.wait_for_load_state()
        assert page.get_by_text("Aún no se guardó: corrija lo señalado abajo").is_visible()
    finally:
        context.close()
