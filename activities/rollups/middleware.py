"""The writing request rolls up what it wrote, as it ends."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from .refresh import READER_WAITS_FOR_AT_MOST, catch_up, noted_at_most

_WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})


# Up to this many notes (activities and persons written) are rolled up before the
# response leaves; more (an imported sheet of 50,000 people) right after it is sent.
# Readers wait for a refresh of as many (refresh.before_reading), not for a bigger one.
INLINE_NOTES = READER_WAITS_FOR_AT_MOST


class RollupMiddleware:
    """After a write request (its transaction committed), the noted activities and
    persons are rolled up again, so the next reader finds the rollups current.

    A write of a few records waits for it (tens of milliseconds); a big one (an imported
    sheet) gets its response first, and the worker rolls up as the response closes
    (WSGI calls close() once the body is sent), while readers elsewhere count from the
    base tables rather than queue behind it. One cheap query when nothing was noted;
    never an error for the client (catch_up logs and gives up)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.method in _WRITES and response.status_code < 500:
            if noted_at_most(INLINE_NOTES):
                catch_up()
            else:
                # Django's own hook: close() runs these, then sends request_finished.
                response._resource_closers.append(catch_up)  # type: ignore[attr-defined]
        return response
