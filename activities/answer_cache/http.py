"""Rendered responses kept as bytes: public pages, API lists and stats, with their ETag.

Rendering a page or a long JSON list costs more than unpickling its bytes, so what is
kept is the rendered body and the few headers that belong to it (KEPT_HEADERS, the ETag
among them, so that a hit does not hash the body again). Only a 200 that sets no cookie
and does not stream is kept; anything else is returned as it is.

- `cached_page`: a public HTML page, for a visitor who is not signed in and carries no
  session or message cookie (signed-in users get their name, forms, a CSRF token).
- `cached_api_response`: an API answer (list page, stats), keyed by who asks
  (`reader_key`), the host, the format and the query; not the browsable API.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING

from django.conf import settings
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.utils.cache import set_response_etag
from django.utils.translation import get_language

from .middleware import front_door_throttles
from .places import Place
from .store import cached_under_key

if TYPE_CHECKING:
    from rest_framework.response import Response
    from rest_framework.views import APIView

# What a cached response keeps besides its body (its ETag too, so that the body is not
# hashed on every hit); the middleware adds the rest anew (CSP, compression).
KEPT_HEADERS = (
    "Content-Type",
    "Content-Disposition",
    "X-Total-Count",
    "Link",
    "Vary",
    "Allow",
    "ETag",
)

# The attribute that marks a response as the one kept, read back with getattr by
# AnswerCacheMiddleware; HttpResponse declares no such attribute.
KEPT_AS_ATTRIBUTE = "answer_kept_as"


class _NotCacheable(Exception):
    def __init__(self, response: HttpResponseBase):
        self.response = response


def cached_response(
    namespace: str,
    parts: Hashable,
    produce: Callable[[], HttpResponseBase],
    throttles: tuple[type, ...] | None = (),
    before: Callable[[], None] | None = None,
    place: Place | None = None,
) -> HttpResponseBase:
    """The rendered response of `produce()` (a 200), cached as bytes like `cached()`.

    Rendering a page or a long JSON list costs more than unpickling its bytes; anything
    but a 200, and a response that sets a cookie, is returned as it is and not kept.
    `throttles`: those AnswerCacheMiddleware applies when it serves the answer without the
    view (front_door_throttles()); None keeps it from doing so. `before()` runs when the
    response must be produced, before its snapshot opens: by default the writes not yet
    rolled up are (rollups.before_reading); a view that knows its question passes its
    own, which rolls up only what that question reads. `place`: the one place the answer
    depends on, if it depends on one (store.cached_under_key, places.py).
    """

    def render() -> tuple[bytes, dict[str, str]]:
        response = produce()
        if hasattr(response, "render"):
            response.render()  # TemplateResponse, or DRF's finalized Response
        if response.status_code != 200 or response.cookies or response.streaming:
            raise _NotCacheable(response)
        # Every response that does not stream is an HttpResponse: it has a body.
        assert isinstance(response, HttpResponse)
        if not response.has_header("ETag"):
            set_response_etag(response)  # of the body, as ConditionalGetMiddleware would
        return response.content, {k: response[k] for k in KEPT_HEADERS if response.has_header(k)}

    try:
        (content, headers), kept_as = cached_under_key(
            namespace, parts, render, before=before or _roll_up_first, place=place
        )
    except _NotCacheable as refused:
        return refused.response
    response = HttpResponse(content, headers=headers)
    if kept_as is not None:
        # For AnswerCacheMiddleware: this very response object is the kept one, its
        # version, key, throttles and place.
        version, key, kept_place = kept_as
        setattr(response, KEPT_AS_ATTRIBUTE, (version, key, throttles, kept_place))
    return response


def _roll_up_first() -> None:
    """A page or response that counts reads the rollups: the writes noted and not yet
    rolled up go first, before its snapshot opens (rollups.before_reading)."""
    from ..rollups import before_reading

    before_reading()


def cached_page(view):
    """A public page, rendered, for visitors who are not signed in, until the data changes.

    Signed-in users get pages with their name, forms and CSRF token: never cached. A
    visitor carrying a session or a message (after signing out, say) is served afresh.
    """

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if (
            request.method not in ("GET", "HEAD")
            or request.user.is_authenticated
            or settings.SESSION_COOKIE_NAME in request.COOKIES
            or "messages" in request.COOKIES
        ):
            return view(request, *args, **kwargs)

        def produce():
            response = view(request, *args, **kwargs)
            if request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):
                raise _NotCacheable(response)  # the page holds a token of its own
            return response

        parts = (
            view.__module__,
            view.__qualname__,
            request.build_absolute_uri(),
            args,
            kwargs,
            get_language(),  # a page is kept once per language
        )
        return cached_response("page", parts, produce)

    return wrapper


def cached_api_response(
    view: APIView,
    request,
    name: str,
    produce: Callable[[], Response],
    before: Callable[[], None] | None = None,
    place: Place | None = None,
):
    """`produce()` rendered, or its bytes from the cache at the same data version
    (`before` and `place` as `cached_response` says). The browsable API (forms, CSRF
    tokens) is not kept."""
    if request.accepted_renderer.format == "api":
        return produce()
    parts = (
        name,
        reader_key(request),
        request.build_absolute_uri("/"),
        request.accepted_renderer.format,
        request.accepted_media_type,  # "application/json; indent=4" changes the bytes
        tuple(sorted(request.query_params.lists())),
        get_language(),  # error messages and localized names follow Accept-Language
    )
    return cached_response(
        "api",
        parts,
        lambda: view.finalize_response(request, produce()),
        throttles=front_door_throttles(view.get_throttles()),
        before=before,
        place=place,
    )


def reader_key(request) -> tuple:
    """Who asks, as far as any answer can differ: anonymous, or this user with these rights.

    A change of group or permission changes the key; a change of officer scope is a write
    to a domain table, so it moves the version.
    """
    user = request.user
    if not user.is_authenticated:
        return ("anonymous",)
    permissions = tuple(sorted(user.get_all_permissions()))
    return ("user", user.pk, user.is_active, user.is_superuser, user.is_staff, permissions)
