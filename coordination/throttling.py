"""The API's throttles (and `over_page_limit` for public pages): DRF's, identifying anonymous clients by `client_ip` (the
trusted-proxy setting) and letting requests through when the cache cannot count them
(a Redis outage must not stop the API; the cache backend normally falls back to a
per-process count on its own, see coordination/cache.py)."""

from __future__ import annotations

import logging
import time

from django.core.cache import cache
from django.utils.crypto import salted_hmac
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


def over_page_limit(request, scope: str, *, limit: int, window: int) -> bool:
    """For pages outside DRF (e.g. the public confirmation links): count this request
    against the client address's budget of `limit` requests per `window` seconds in
    `scope`, and say whether the budget is spent. A fixed window in the cache (which
    keeps counting per process while Redis is down); the address is hashed in the key;
    a cache error lets the request through, never a 500."""
    # Keyed: a plain hash of an IPv4 address is reversed by trying them all.
    address = salted_hmac("page-limit", client_ip(request)).hexdigest()[:32]
    key = f"page-limit:{scope}:{window}:{int(time.time() // window)}:{address}"
    try:
        if cache.add(key, 1, timeout=window + 1):
            return limit < 1
        try:
            count = cache.incr(key)
        except ValueError:  # the window ended between add and incr
            cache.add(key, 1, timeout=window + 1)
            count = 1
    except Exception as exc:  # the cache is unusable: fail open
        logger.warning("Page rate limit skipped: cache error (%s).", type(exc).__name__)
        return False
    return count > limit


__all__ = [
    "AnonRateThrottle",
    "ScopedRateThrottle",
    "UserRateThrottle",
    "over_page_limit",
]
