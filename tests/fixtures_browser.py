"""Browser fixtures: headless Debian Chromium driven by Playwright for Python.

Playwright's own browser download cannot work here (no internet), so the tests launch
the system's /usr/bin/chromium. Without it they skip with a clear reason, unless
REQUIRE_BROWSER=1 (set by .ci/run), where a missing browser is a failure.

Playwright's sync API runs an asyncio event loop in the test thread, and Django then
refuses synchronous database access from that thread ("SynchronousOnlyOperation").
The browser tests touch the database only through the live server (another thread)
and the seed fixture, so allowing it here is safe.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 812}


@pytest.fixture(scope="session")
def chromium():
    """One headless Chromium for the whole session."""
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing: install Debian's chromium to run the browser tests"
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(f"REQUIRE_BROWSER=1 but {reason}", pytrace=False)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


@pytest.fixture
def browser_page(chromium, live_server, seeded_transactional_db):
    """A fresh desktop-sized page; `browser_page.url_for("/path")` is the live URL."""
    context = chromium.new_context(viewport=DESKTOP, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.url_for = lambda path: f"{live_server.url}{path}"
    # Console errors, CSP violations among them (an inline script or style attribute
    # refused by the Content-Security-Policy shows up here).
    page.console_errors = []
    page.on(
        "console",
        lambda message: (
            page.console_errors.append(message.text) if message.type == "error" else None
        ),
    )
    yield page
    context.close()


@pytest.fixture
def artifacts() -> Path:
    """test-artifacts/ (gitignored): screenshots and downloads of the browser tests."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
