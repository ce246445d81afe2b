"""The writing request rolls up what it wrote, as it ends."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from .refresh import catch_up

_WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class RollupMiddleware:
    """After a write request (its transaction committed), the noted activities are
    rolled up again, so the next reader finds the rollups current. One cheap query when
    nothing was noted; never an error for the client (catch_up logs and gives up)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.method in _WRITES and response.status_code < 500:
            catch_up()
        return response
