"""The Redis cache backend, made to survive a Redis outage.

Django's RedisCache raises on every call while Redis is down, and the cache is read on
almost every request (API throttles, allauth's login rate limits), so an outage turned
the API and the login form into 500s. This subclass catches connection errors and
timeouts and serves the call from a per-process in-memory cache instead:

- cache reads fail open: what was cached in Redis is missed (the caller's default);
- counters keep counting, per process: the API throttles still throttle (more loosely,
  one budget per process) and the login rate limits still stop brute force (fail closed
  with a local fallback: an attacker gets at most the limit per process, never
  unlimited attempts);
- after a failure Redis is left alone for RETRY_AFTER seconds (default 5), so a Redis
  that does not answer costs one connect timeout per interval and process, not one per
  call; then the next call tries it again;
- a warning is logged at most once per WARN_EVERY seconds (default 60) and process.

OPTIONS takes RETRY_AFTER, WARN_EVERY and FALLBACK_MAX_ENTRIES besides the options of
redis-py's connection pool (socket_connect_timeout, socket_timeout…).
"""

from __future__ import annotations

import logging
import time
from functools import cached_property
from threading import Lock

from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)

# Per process and Redis location (Django makes one backend instance per thread).
_state_lock = Lock()
_down_until: dict[str, float] = {}
_warned_at: dict[str, float] = {}


class ResilientRedisCache(RedisCache):
    """RedisCache that falls back to a per-process memory cache while Redis is down."""

    def __init__(self, server, params):
        params = dict(params)
        options = dict(params.get("OPTIONS") or {})
        self.retry_after = float(options.pop("RETRY_AFTER", 5))
        self.warn_every = float(options.pop("WARN_EVERY", 60))
        max_entries = int(options.pop("FALLBACK_MAX_ENTRIES", 10000))
        params["OPTIONS"] = options
        super().__init__(server, params)
        self._location = server if isinstance(server, str) else ",".join(server)
        self._fallback_params = {
            key: params[key]
            for key in ("TIMEOUT", "KEY_PREFIX", "VERSION", "KEY_FUNCTION")
            if key in params
        } | {"OPTIONS": {"MAX_ENTRIES": max_entries}}

    @cached_property
    def fallback(self) -> LocMemCache:
        """The in-memory cache used while Redis is unreachable (shared by the threads of
        a process, like every LocMemCache of one name)."""
        return LocMemCache(f"redis-fallback:{self._location}", self._fallback_params)

    # -- the breaker ---------------------------------------------------------------
    def redis_is_resting(self) -> bool:
        """True while Redis is left alone after a failure."""
        return time.monotonic() < _down_until.get(self._location, 0.0)

    def _trip(self, exc: Exception) -> None:
        now = time.monotonic()
        with _state_lock:
            _down_until[self._location] = now + self.retry_after
            warn = now - _warned_at.get(self._location, -1e9) >= self.warn_every
            if warn:
                _warned_at[self._location] = now
        if warn:
            logger.warning(
                "Redis cache unreachable (%s): using a per-process fallback cache, "
                "retrying every %g s.",
                type(exc).__name__,
                self.retry_after,
            )

    def _call(self, name: str, *args, **kwargs):
        if not self.redis_is_resting():
            try:
                return getattr(super(), name)(*args, **kwargs)
            except UNREACHABLE as exc:
                self._trip(exc)
        return getattr(self.fallback, name)(*args, **kwargs)

    # -- every operation RedisCache implements (BaseCache builds the rest on them) --
    def add(self, *args, **kwargs):
        return self._call("add", *args, **kwargs)

    def get(self, *args, **kwargs):
        return self._call("get", *args, **kwargs)

    def set(self, *args, **kwargs):
        return self._call("set", *args, **kwargs)

    def touch(self, *args, **kwargs):
        return self._call("touch", *args, **kwargs)

    def delete(self, *args, **kwargs):
        return self._call("delete", *args, **kwargs)

    def get_many(self, *args, **kwargs):
        return self._call("get_many", *args, **kwargs)

    def has_key(self, *args, **kwargs):
        return self._call("has_key", *args, **kwargs)

    def incr(self, *args, **kwargs):
        return self._call("incr", *args, **kwargs)

    def set_many(self, *args, **kwargs):
        return self._call("set_many", *args, **kwargs)

    def delete_many(self, *args, **kwargs):
        return self._call("delete_many", *args, **kwargs)

    def clear(self):
        self.fallback.clear()
        return self._call("clear")


def reset_breakers() -> None:
    """Forget every outage (tests; a process that knows Redis is back)."""
    with _state_lock:
        _down_until.clear()
        _warned_at.clear()


__all__ = ["ResilientRedisCache", "reset_breakers"]
