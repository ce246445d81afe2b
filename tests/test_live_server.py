"""The live server the browser tests use lets one request in at a time on SQLite.

A browser sends requests together: a form that submits itself on change while its button
submits it too. On SQLite the server's threads share one in-memory connection; two
answers at once dropped each other's temporary table, or nested one transaction in the
other, and one came back 503 (seen in CI under load). tests/fixtures_browser.py wraps
the app so that the next request waits until the previous response is closed.
"""

from __future__ import annotations

import threading
import time

import pytest

from tests.fixtures_browser import _OneRequestAtATime


class _App:
    """A WSGI app that notes how many requests it serves at once."""

    def __init__(self):
        self.inside = 0
        self.most = 0
        self.guard = threading.Lock()

    def __call__(self, environ, start_response):
        with self.guard:
            self.inside += 1
            self.most = max(self.most, self.inside)
        time.sleep(0.02)
        if environ.get("fail"):
            with self.guard:
                self.inside -= 1
            raise RuntimeError("the view failed")
        start_response("200 OK", [])
        return _Body(self)


class _Body(list):
    def __init__(self, app):
        super().__init__([b"ok"])
        self.app = app

    def close(self):
        time.sleep(0.01)  # the body is still being sent: the next request must wait
        with self.app.guard:
            self.app.inside -= 1


def _serve(app, environ):
    body = app(environ, lambda status, headers: None)
    try:
        return b"".join(body)
    finally:
        body.close()


def test_requests_sent_together_are_served_one_after_the_other():
    inner = _App()
    app = _OneRequestAtATime(inner)
    threads = [threading.Thread(target=_serve, args=(app, {})) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert inner.most == 1
    assert inner.inside == 0


def test_a_failing_request_lets_the_next_one_in():
    inner = _App()
    app = _OneRequestAtATime(inner)
    with pytest.raises(RuntimeError):
        _serve(app, {"fail": True})
    assert _serve(app, {}) == b"ok"


def test_without_the_wrapper_they_overlap():
    """The check above can fail: the same app, unwrapped, serves requests together."""
    inner = _App()
    threads = [threading.Thread(target=_serve, args=(inner, {})) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert inner.most > 1
