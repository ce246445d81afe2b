"""Browser fixtures: headless Debian Chromium driven by Playwright for Python.

Playwright's own browser download cannot work here (no internet), so the tests launch
the system's /usr/bin/chromium. Without it they skip with a clear reason, unless
REQUIRE_BROWSER=1 (set by .ci/run), where a missing browser is a failure.

Playwright's sync API runs an asyncio event loop in the test thread, and Django then
refuses synchronous database access from that thread ("SynchronousOnlyOperation").
The browser tests touch the database only through the live server (another thread)
and the seed fixture, so DJANGO_ALLOW_ASYNC_UNSAFE is set while the browser runs, and
only then: the browser is module-scoped, so the loop and the variable are gone before
any other test module runs (`check --deploy` rightly refuses the variable).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ASYNC_UNSAFE = "DJANGO_ALLOW_ASYNC_UNSAFE"
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


@pytest.fixture(scope="module")
def chromium():
    """One headless Chromium per test module."""
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing: install Debian's chromium to run the browser tests"
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(f"REQUIRE_BROWSER=1 but {reason}", pytrace=False)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    previous = os.environ.get(ASYNC_UNSAFE)
    os.environ[ASYNC_UNSAFE] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
            )
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop(ASYNC_UNSAFE, None)
        else:
            os.environ[ASYNC_UNSAFE] = previous


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
