"""Token authentication with a limit on wrong tokens per client address.

DRF answers a wrong `Authorization: Token ...` with a 401 as often as it is sent, so a
client could try tokens as fast as the server answers. Here an address that has sent
API_TOKEN_FAILURE_RATE wrong tokens (say "10/minute") gets 429 with Retry-After for any
token until its oldest failure is older than the period (TokenFailureThrottle).
"""

from __future__ import annotations

from django.utils.translation import gettext
from rest_framework import authentication, exceptions

from .throttling import TokenFailureThrottle


class ThrottledTokenAuthentication(authentication.TokenAuthentication):
    """DRF's token authentication, refusing an address that sent too many wrong tokens."""

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None  # no token: nothing to count
        throttle = TokenFailureThrottle()
        wait = throttle.wait_before_next_attempt(request)
        if wait is not None:
            raise exceptions.Throttled(
                wait, detail=gettext("Too many wrong tokens from this address.")
            )
        try:
            return super().authenticate(request)
        except exceptions.AuthenticationFailed:
            throttle.record_failure()
            raise
