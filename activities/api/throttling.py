"""Throttles whose counts all workers share, and the count of wrong tokens per address.

DRF keeps a throttle's history in Django's default cache, which is each worker's own
memory: with four workers the real anonymous limit was four times the setting. These
throttles keep it in the "throttle" cache instead (tacbapp/settings.py): Redis when
THROTTLE_CACHE_URL (by default ANSWER_CACHE_SHARED_URL) names one, this worker's memory
otherwise. A Redis that is down or slow lets the request through (logged): a throttle
must not turn a cache outage into an outage of the API.
"""

from __future__ import annotations

import logging
from typing import cast

from django.core.cache import BaseCache, caches
from django.utils.connection import ConnectionProxy
from redis.exceptions import RedisError
from rest_framework import throttling

logger = logging.getLogger(__name__)

THROTTLE_CACHE_ALIAS = "throttle"
# Looked up per thread on each use, as django.core.cache.cache is (override_settings works).
throttle_cache = cast(BaseCache, ConnectionProxy(caches, THROTTLE_CACHE_ALIAS))


class AnonRateThrottle(throttling.AnonRateThrottle):
    """DRF's anonymous throttle (rate "anon", API_ANON_RATE), counted in the shared cache.

    Still an AnonRateThrottle: the answer cache's front door applies it as the view would
    (answer_cache.front_door_throttles), on the same shared counts.
    """

    cache = throttle_cache

    def allow_request(self, request, view) -> bool:
        try:
            return super().allow_request(request, view)
        except RedisError:
            logger.warning("Throttle cache unavailable: request let through", exc_info=True)
            return True


class TokenFailureThrottle(throttling.SimpleRateThrottle):
    """Wrong API tokens per client address (rate "token_failure", API_TOKEN_FAILURE_RATE).

    Only failures are counted (`record_failure`), but once an address has used them up,
    every token it sends is refused until the oldest failure ages out, a right one too:
    otherwise a client guessing tokens would still learn which guess was right.
    """

    scope = "token_failure"
    cache = throttle_cache
    num_requests: int  # set by SimpleRateThrottle from the rate
    duration: int

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}

    def wait_before_next_attempt(self, request) -> float | None:
        """Seconds this address must wait before a token is checked again; None: go on."""
        if self.rate is None:
            return None
        self.key = self.get_cache_key(request, None)
        self.now = self.timer()
        try:
            history = self.cache.get(self.key, [])
        except RedisError:
            logger.warning("Throttle cache unavailable: token checked", exc_info=True)
            history = []
        self.history = [moment for moment in history if moment > self.now - self.duration]
        if len(self.history) >= self.num_requests:
            return self.wait() or 1.0
        return None

    def record_failure(self) -> None:
        """Counts one more wrong token (after `wait_before_next_attempt` let it through)."""
        if self.rate is None:
            return
        self.history.insert(0, self.now)
        try:
            self.cache.set(self.key, self.history, self.duration)
        except RedisError:
            logger.warning("Throttle cache unavailable: failure not counted", exc_info=True)
