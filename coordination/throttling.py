"""The API's throttles: DRF's, identifying anonymous clients by `client_ip` (the
trusted-proxy setting) and letting requests through when the cache cannot count them
(a Redis outage must not stop the API; the cache backend normally falls back to a
per-process count on its own, see coordination/cache.py)."""

from __future__ import annotations

import logging

from rest_framework import throttling

from .client_ip import client_ip

logger = logging.getLogger(__name__)


class ClientIPMixin:
    def get_ident(self, request) -> str:
        return client_ip(request)

    def allow_request(self, request, view) -> bool:
        try:
            return super().allow_request(request, view)
        except Exception as exc:  # the cache is unusable: fail open, never a 500
            logger.warning(
                "API throttle skipped: cache error (%s).", type(exc).__name__
            )
            return True


class AnonRateThrottle(ClientIPMixin, throttling.AnonRateThrottle):
    """Anonymous requests, one budget per client address."""


class UserRateThrottle(ClientIPMixin, throttling.UserRateThrottle):
    """Signed-in users and tokens, one budget per user."""


class ScopedRateThrottle(ClientIPMixin, throttling.ScopedRateThrottle):
    """Per-view scopes (`throttle_scope`), one budget per user or client address."""


__all__ = ["AnonRateThrottle", "ScopedRateThrottle", "UserRateThrottle"]
