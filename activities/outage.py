"""The database is unreachable: a 503 with Retry-After, never a 500.

While the database restarts, or is out of reach, a query raises OperationalError or
InterfaceError. `DatabaseUnavailableMiddleware` turns that into 503 Service Unavailable
with `Retry-After` (DATABASE_UNAVAILABLE_RETRY_AFTER seconds): JSON `{"detail": ...}`
under /api/, a plain page (templates/503.html) elsewhere. The page is rendered without
the request's context, which would read the session and the user from the database.

A read (GET, HEAD) whose connection was lost is run once more on a new connection: a
database that came back meanwhile answers it; a read from a replica that went away is
run again on the primary (tacbapp/replicas.py). A write is never run again, and is never
half-applied: services write in one transaction, which the error rolls back (or the
connection drops), and nothing on the way to the 503 writes. `server_error`
(handler500) answers the same 503 for an outage met outside a view (a session saved on
the way out, say).
"""

from __future__ import annotations

import logging
import sys

from django.conf import settings
from django.db import InterfaceError, OperationalError, connections
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext
from django.views import defaults

from tacbapp import replicas

logger = logging.getLogger(__name__)

DATABASE_ERRORS = (OperationalError, InterfaceError)
SAFE_METHODS = ("GET", "HEAD")


def unavailable_response(request) -> HttpResponse:
    """503 with Retry-After: JSON for the API, a page for people; kept by no cache."""
    if request.path.startswith("/api/"):
        detail = gettext("The database is unavailable: try again in a few seconds.")
        response: HttpResponse = JsonResponse({"detail": detail}, status=503)
    else:
        response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = str(settings.DATABASE_UNAVAILABLE_RETRY_AFTER)
    add_never_cache_headers(response)
    return response


def _connection_lost() -> bool:
    """A connection of this request is closed or broken (not a lock or a timeout): the
    primary's, or that of the replica it reads from (not another replica's, which this
    request never opened)."""
    return any(
        connection.connection is None or not connection.is_usable()
        for connection in replicas.request_connections()
    )


class DatabaseUnavailableMiddleware:
    """A view that met an unreachable database answers 503 (a lost read is retried once)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, DATABASE_ERRORS):
            return None  # Django's handling (a 500) for anything else
        if request.method in SAFE_METHODS and request.resolver_match and _connection_lost():
            logger.warning("Database connection lost: reading once more", exc_info=exception)
            try:
                return self._run_again(request)
            except DATABASE_ERRORS as again:
                exception = again
        logger.error("Database unavailable: 503", exc_info=exception)
        return unavailable_response(request)

    @staticmethod
    def _run_again(request):
        # A replica that went away: this read is run again on the primary.
        lost = replicas.lost_replica()
        if lost is not None:
            replicas.fall_back_to_primary(lost)
        for connection in connections.all(initialized_only=True):
            if connection.connection is None or not connection.is_usable():
                connection.close()  # the next query connects anew
        match = request.resolver_match
        response = match.func(request, *match.args, **match.kwargs)
        if callable(getattr(response, "render", None)):
            response = response.render()  # a page's queries run as it renders
        return response


def server_error(request, *args, **kwargs):
    """handler500: the 503 if the error on its way is the database's, else Django's 500."""
    if isinstance(sys.exc_info()[1], DATABASE_ERRORS):
        return unavailable_response(request)
    return defaults.server_error(request, *args, **kwargs)
