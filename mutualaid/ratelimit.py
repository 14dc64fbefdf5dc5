"""A fixed-window counter in the cache, atomic where the cache is (Redis INCR).

DRF's throttles read, then write, so concurrent requests slip past them; `cache.incr` on
Redis cannot. Callers are identified by a keyed hash of their network address, so the
cache never holds IP addresses.
"""

from __future__ import annotations

import hashlib
import hmac
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    """The caller's address, trusting X-Forwarded-For only from configured proxies."""
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies:
        forwarded = [p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [p for p in forwarded if p]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return str(request.META.get("REMOTE_ADDR", "unknown"))


def _key(scope: str, ident: str, window: int) -> str:
    digest = hmac.new(settings.SECRET_KEY.encode(), ident.encode(), hashlib.sha256).hexdigest()
    bucket = int(time.time() // window)
    return f"ratelimit:{scope}:{digest[:32]}:{bucket}"


def hit(*, scope: str, ident: str, limit: int, window: int) -> bool:
    """Count one use; True while the caller is within `limit` uses per `window` seconds."""
    key = _key(scope, ident, window)
    cache.add(key, 0, timeout=window + 5)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 0, timeout=window + 5)
        count = cache.incr(key)
    return count <= limit
