"""The front door: a kept answer without resolving, negotiating or running the view.

AnswerCacheMiddleware remembers, per request (host, path, query, Accept header, language), which
kept response of the view's own cache (activities/answer_cache/http.py) last answered it
and at which data version. The next identical request of a plainly anonymous visitor at
that version is answered from that kept response: the version read and two cache
lookups, with the view's client-keyed throttle applied here. Anything else goes down to
the view as usual.
"""

from __future__ import annotations

from django.conf import settings
from django.core.cache import caches
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.utils.cache import patch_vary_headers
from django.utils.translation import get_language
from rest_framework.throttling import AnonRateThrottle

from tacbapp.replicas import read_alias

from .places import Place
from .store import CACHE_ALIAS, make_key
from .version import current, current_in_place, just_read


def front_door_throttles(throttles) -> tuple[type, ...] | None:
    """The view's throttle classes as the front door applies them, or None if it cannot:
    one that reads the view (ScopedRateThrottle) would see none there, and with several,
    a refusal by one after another had counted would be counted again on the way down."""
    classes = tuple(type(throttle) for throttle in throttles)
    if len(classes) > 1 or not all(issubclass(cls, AnonRateThrottle) for cls in classes):
        return None
    return classes


def _plainly_anonymous(request) -> bool:
    """A GET with no credentials, session or message: whoever sends it is the anonymous
    reader of reader_key(), and cached_page() would serve it too. (Without a session
    cookie request.user is AnonymousUser; not asking keeps a hit from touching the
    session, which would add `Vary: Cookie` to every anonymous response, /healthz's too.)"""
    return (
        request.method in ("GET", "HEAD")
        and "HTTP_AUTHORIZATION" not in request.META
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "messages" not in request.COOKIES
    )


class AnswerCacheMiddleware:
    """Serves a kept answer to an anonymous visitor before URL resolution and the view.

    The view's own cache (cached_response) still decides what is kept and computes it in
    one snapshot; this remembers which kept response last answered which request (URL,
    host, Accept header), and at which data version, so that the next identical request
    at that version costs the version read and two cache lookups instead of DRF's
    negotiation, authentication and parameter checks. The view's throttle still applies.
    It sits below the middleware that adds headers (ETag and 304, X-Frame-Options, CSP,
    compression), so a hit leaves with the same headers as a miss.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not (settings.ANSWER_CACHE_ENABLED and _plainly_anonymous(request)):
            return self.get_response(request)
        parts = (
            request.build_absolute_uri("/"),
            request.path,
            tuple(sorted(request.GET.lists())),
            request.META.get("HTTP_ACCEPT", ""),
            # LocaleMiddleware, above, chose the language: the same URL in French is
            # another answer.
            get_language(),
        )
        front_key = make_key("front", "", parts)
        response, read = self._kept(request, front_key)
        if response is not None:
            return response
        if read is not None:  # read, and found to be newer than the kept answer's
            with just_read(read_alias(), *read):
                response = self.get_response(request)
        else:
            response = self.get_response(request)
        # Only the response object that cached_response() returned, as it returned it.
        kept_as = getattr(response, "answer_kept_as", None)
        throttles = kept_as[2] if kept_as is not None else None  # None: not at the door
        if (
            throttles is not None
            and response.status_code == 200
            and not (response.cookies or response.streaming)
            and not request.user.is_authenticated
        ):
            caches[CACHE_ALIAS].set(front_key, kept_as)
        return response

    @staticmethod
    def _kept(
        request, front_key: str
    ) -> tuple[HttpResponse | None, tuple[str, Place | None, str | None] | None]:
        """The kept response, if any; else None and what was read (None: nothing): the
        data version, and the place and its version for an answer kept by place, which
        the view's own lookup then takes instead of reading them again."""
        # A request that no view ever answered from the cache (/healthz, a form) costs
        # one lookup here, not a read of the version.
        cache = caches[CACHE_ALIAS]
        entry = cache.get(front_key)
        if entry is None:
            return None, None
        kept_version, kept_key, throttles, place = entry
        read: tuple[str, Place | None, str | None] | None
        try:
            # A question restricted to a place reads that place's version too: its
            # answer was kept under one or the other (store.cached_under_key).
            if place is None:
                version = current()
                read = (version, None, None) if version is not None else None
            else:
                versions = current_in_place(place)
                read = (versions[0], place, versions[1]) if versions is not None else None
        except (OperationalError, InterfaceError):
            # The database is out of reach: the view meets it too, and answers 503
            # (activities/outage.py), retrying a read whose connection was lost.
            return None, None
        if read is None or kept_version not in (read[0], read[2]):
            return None, read  # the data moved on: the view computes the answer again
        kept = cache.get(kept_key)
        if kept is None:
            return None, read  # evicted
        # A refusal sends the request down the whole way, where the view answers 429 as
        # usual (a refused request is not counted, so it is not counted twice).
        if not all(throttle().allow_request(request, None) for throttle in throttles):
            return None, read
        content, headers = kept
        response = HttpResponse(content, headers=headers)
        # What a miss gets on its way out, in the same order: LocaleMiddleware's
        # Accept-Language (the answer is in the language asked for), then the Cookie that
        # the view's reading of request.user makes SessionMiddleware add (the answer is for
        # visitors without a session).
        patch_vary_headers(response, ("Accept-Language", "Cookie"))
        return response, read
