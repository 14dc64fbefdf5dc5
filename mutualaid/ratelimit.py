"""A sliding-window counter in the cache, atomic where the cache is (Redis INCR).

DRF's throttles read, then write, so concurrent requests slip past them; `cache.incr` on
Redis cannot. Callers are identified by a keyed hash of their network address, so the
cache never holds IP addresses. The window slides: the previous window's count, weighted
by how much of it still overlaps, is added to the current one, so a burst across a window
boundary gets no second allowance. A refused use is not counted: the wait the caller is
told (`Verdict.retry_after`) stays true however often it tries meanwhile, and a flood is
still held to `limit` uses per window.

When the cache is unreachable, the same counts are kept in this process's memory (bounded
in size, lost on restart): each web process then holds every address to the limit on its
own. Nothing is written to the database, neither an address nor its hash.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import logging
import math
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from mutualaid.redis_cache import RedisUnavailable

logger = logging.getLogger(__name__)


def client_address(request: HttpRequest) -> str:
    """The caller's address, trusting X-Forwarded-For only from configured proxies. An IPv6
    address stands for its /64, the block one household or one server holds: otherwise
    every limit and the login lockout would give each of its 2^64 addresses fresh tries."""
    proxies = settings.TRUSTED_PROXY_COUNT
    address = str(request.META.get("REMOTE_ADDR", "unknown"))
    if proxies:
        forwarded = [p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [p for p in forwarded if p]
        if len(forwarded) >= proxies:
            address = forwarded[-proxies]
    return _as_caller(address)


def _as_caller(address: str) -> str:
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.IPv6Network((parsed, 64), strict=False))
    return address


def _key(scope: str, ident: str) -> str:
    """The counter's name without its window: a keyed hash, never the address."""
    digest = hmac.new(settings.SECRET_KEY.encode(), ident.encode(), hashlib.sha256).hexdigest()
    return f"ratelimit:{scope}:{digest[:32]}"


class _LocalCounts:
    """Counts kept in this process while the cache is unreachable; at most MAX_KEYS, the
    oldest dropped first (they belong to windows that have passed)."""

    MAX_KEYS = 20_000

    def __init__(self) -> None:
        self._counts: OrderedDict[str, int] = OrderedDict()
        self._lock = threading.Lock()

    def incr(self, key: str) -> int:
        with self._lock:
            count = self._counts.pop(key, 0) + 1
            self._counts[key] = count
            while len(self._counts) > self.MAX_KEYS:
                self._counts.popitem(last=False)
            return count

    def uncount(self, key: str) -> None:
        with self._lock:
            if self._counts.get(key, 0) > 0:
                self._counts[key] -= 1

    def get(self, key: str) -> int:
        with self._lock:
            return self._counts.get(key, 0)

    def clear(self) -> None:
        with self._lock:
            self._counts.clear()


local_counts = _LocalCounts()


def _count_in_cache(current: str, previous: str, window: int) -> tuple[int, int]:
    # Kept two windows: the next window still weighs this one.
    cache.add(current, 0, timeout=2 * window + 5)
    try:
        count = cache.incr(current)
    except ValueError:  # expired between add and incr
        cache.add(current, 0, timeout=2 * window + 5)
        count = cache.incr(current)
    return count, int(cache.get(previous) or 0)


@dataclass(frozen=True)
class Verdict:
    """One use counted, or refused: then `retry_after` seconds until one more is allowed
    (if nobody else uses it meanwhile)."""

    allowed: bool
    retry_after: int = 0


def _wait(before: int, counted: int, into: float, window: int, limit: int) -> int:
    """Seconds until `before * (1 - elapsed / window) + counted + 1 <= limit`, counting
    `before` uses in the previous window and `counted` in this one, `into` seconds in."""
    if counted + 1 <= limit and before > 0:
        # Within this window, once enough of the previous one has slid out.
        wait = window * (1 - (limit - counted - 1) / before) - into
    else:
        # This window's uses must slide out too, in the next one.
        wait = (window - into) + window * (1 - (limit - 1) / max(counted, 1))
    return max(1, math.ceil(wait))


def attempt(*, scope: str, ident: str, limit: int, window: int) -> Verdict:
    """Count one use within `limit` uses per `window` seconds, or refuse it (uncounted)
    and say how long to wait. Never raises for a cache outage: the count is then kept in
    this process."""
    bucket, into = divmod(time.time(), window)
    name = _key(scope, ident)
    current, previous = f"{name}:{int(bucket)}", f"{name}:{int(bucket) - 1}"
    in_process = False
    try:
        count, before = _count_in_cache(current, previous, window)
    except Exception as exc:  # any cache failure: Redis down, silent, full or refusing
        if not isinstance(exc, RedisUnavailable):
            logger.warning(
                "cache unreachable (%s): limits count in this process", type(exc).__name__
            )
        count, before = local_counts.incr(current), local_counts.get(previous)
        in_process = True
    if before * (1 - into / window) + count <= limit:
        return Verdict(allowed=True)
    _uncount(current, in_process=in_process)
    return Verdict(allowed=False, retry_after=_wait(before, count - 1, into, window, limit))


def _uncount(key: str, *, in_process: bool) -> None:
    if in_process:
        local_counts.uncount(key)
        return
    try:
        cache.decr(key)
    except Exception as exc:  # gone or unreachable: the count then errs high, never low
        logger.warning("could not uncount a refused use (%s)", type(exc).__name__)


def hit(*, scope: str, ident: str, limit: int, window: int) -> bool:
    """Count one use; True while the caller is within `limit` uses per `window` seconds.

    Never raises for a cache outage: the count is then kept in this process."""
    return attempt(scope=scope, ident=ident, limit=limit, window=window).allowed
