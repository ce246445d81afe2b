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
import threading
from collections.abc import Iterable, Iterator
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


class _OneRequestAtATime:
    """A WSGI app that lets one request in at a time, until its response is closed.

    On SQLite the live server's threads share the test's in-memory connection. Two
    requests at once (a form that submits itself on change while a button submits it
    too) then interleave on one connection: one drops a temporary table the other reads,
    or nests its transaction in the other's, and answers 503. PostgreSQL gives each
    thread its own connection, so there requests still run side by side.
    """

    _lock = threading.Lock()

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        self._lock.acquire()
        try:
            result = self.app(environ, start_response)
        except BaseException:
            self._lock.release()
            raise
        return _ReleasedOnClose(result, self._lock)


class _ReleasedOnClose:
    """The response's body; closing it (the server always does) lets the next one in."""

    def __init__(self, result: Iterable[bytes], lock: threading.Lock):
        self.result = result
        self.lock = lock

    def __iter__(self) -> Iterator[bytes]:
        return iter(self.result)

    def close(self) -> None:
        try:
            close = getattr(self.result, "close", None)
            if close is not None:
                close()
        finally:
            self.lock.release()


@pytest.fixture(scope="session")
def live_server(request):
    """pytest-django's live server, one request at a time when it shares a connection."""
    from django.contrib.staticfiles.handlers import StaticFilesHandler
    from pytest_django.live_server_helper import LiveServer

    address = request.config.getvalue("liveserver") or os.getenv(
        "DJANGO_LIVE_TEST_SERVER_ADDRESS", "localhost"
    )
    server = LiveServer(address, start=False)
    if server.thread.connections_override:
        server.thread.static_handler = lambda app: _OneRequestAtATime(StaticFilesHandler(app))
    server.start()
    yield server
    server.stop()


def relaunched(browser):
    """A new Chromium like the one given, for a test that lost its browser mid-module."""
    return browser.browser_type.launch(
        executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
    )


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
