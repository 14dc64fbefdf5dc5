"""Django's Redis cache, failing fast while Redis is unreachable.

The first call that finds Redis down waits at most the socket timeouts (settings.py); for
the next `PAUSE_SECONDS` every cache call in this process raises `RedisUnavailable` at
once instead of waiting again. Callers handle the error: the request limiter counts in the
process (`mutualaid.ratelimit`), a job's enqueue is left to its sweep (`mutualaid.jobs`).
So an outage, or a Redis that accepts and never answers, costs a page seconds once per
pause, not on every call.
"""

from __future__ import annotations

import time
from typing import Any

import redis
from django.core.cache.backends.redis import RedisCache
from django.utils.functional import cached_property

PAUSE_SECONDS = 10.0

# Django builds a cache object per thread, so the mark lives here, per server address.
_down_until: dict[str, float] = {}


class RedisUnavailable(redis.exceptions.ConnectionError):
    """Redis failed less than PAUSE_SECONDS ago; not tried again yet."""


class _FailFast:
    """Forwards each call to Django's Redis client unless Redis failed just now."""

    def __init__(self, client: Any, location: str) -> None:
        self._client = client
        self._location = location

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._client, name)

        def call(*args: Any, **kwargs: Any) -> Any:
            if time.monotonic() < _down_until.get(self._location, 0.0):
                raise RedisUnavailable(f"Redis failed less than {PAUSE_SECONDS:g} s ago")
            try:
                return method(*args, **kwargs)
            except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError):
                _down_until[self._location] = time.monotonic() + PAUSE_SECONDS
                raise

        return call


class FailFastRedisCache(RedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._location = server

    @cached_property
    def _cache(self) -> Any:
        return _FailFast(super()._cache, self._location)
