"""Answers that depend on who asks are for that client only: `Cache-Control: private`.

A request that carries credentials (an Authorization header, or a session cookie) may
get an answer no one else would: a manager's draft list by token, a donor's counts with
drafts, a signed-in page with a name and forms. Such a response carries
`Cache-Control: private` (a shared proxy must not keep it) and `Vary: Authorization,
Cookie` (a browser's cache must not hand it to other credentials). An anonymous answer
keeps the headers it has always had: it may be kept and served publicly, and the answer
cache serves it byte for byte with the same headers (middleware.py).
"""

from __future__ import annotations

from django.conf import settings
from django.utils.cache import patch_cache_control, patch_vary_headers


def carries_credentials(request) -> bool:
    """The request names someone: an Authorization header or a session cookie."""
    return "HTTP_AUTHORIZATION" in request.META or settings.SESSION_COOKIE_NAME in request.COOKIES


class PrivateAnswerMiddleware:
    """Marks every response to a request with credentials as private to that client.

    Above the answer cache's front door (which only answers requests without
    credentials), so a kept answer never carries these headers and a personal one never
    lacks them; below ConditionalGetMiddleware, whose 304 copies Cache-Control and Vary.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if carries_credentials(request):
            patch_cache_control(response, private=True)
            patch_vary_headers(response, ("Authorization", "Cookie"))
        return response
