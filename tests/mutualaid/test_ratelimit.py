"""The per-address counter lets exactly `limit` through, even when requests race, across
a window's boundary, and while Redis refuses or never answers (then it counts in the
process and writes nothing to the database)."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import RequestFactory, override_settings

from mutualaid import ratelimit
from tests.conftest import need
from tests.redis_faults import refused_port, silent_listener


def _race(limit: int, callers: int) -> list[bool]:
    ident = f"198.51.100.{uuid.uuid4().int % 250}"
    scope = f"race-{uuid.uuid4().hex}"
    barrier = threading.Barrier(callers)
    results: list[bool] = []
    lock = threading.Lock()

    def call() -> None:
        barrier.wait()
        allowed = ratelimit.hit(scope=scope, ident=ident, limit=limit, window=60)
        with lock:
            results.append(allowed)

    threads = [threading.Thread(target=call) for _ in range(callers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_it_lets_exactly_the_limit_through_under_a_race():
    results = _race(limit=5, callers=40)

    assert results.count(True) == 5 and results.count(False) == 35


def test_it_holds_under_a_race_on_redis():
    need("Redis", bool(settings.REDIS_URL))
    assert "Redis" in settings.CACHES["default"]["BACKEND"]

    results = _race(limit=3, callers=50)

    assert results.count(True) == 3


def test_it_does_not_keep_the_address_in_the_cache_key():
    key = ratelimit._key("request-form", "203.0.113.7")

    assert "203.0.113.7" not in key


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_it_trusts_forwarded_for_only_from_the_configured_proxy():
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.9", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7"
    )

    assert ratelimit.client_address(request) == "203.0.113.7"


def test_it_ignores_forwarded_for_without_a_proxy():
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.9", HTTP_X_FORWARDED_FOR="6.6.6.6")

    assert ratelimit.client_address(request) == "10.0.0.9"


def test_it_counts_an_ipv6_caller_by_its_64_block():
    """One household or one server holds a /64: each of its addresses is the same caller,
    so rotating through them buys no fresh tries; another block is another caller."""
    first = RequestFactory().get("/", REMOTE_ADDR="2001:db8:1:2::1")
    rotated = RequestFactory().get("/", REMOTE_ADDR="2001:db8:1:2:ffff:ffff:ffff:fffe")
    other_block = RequestFactory().get("/", REMOTE_ADDR="2001:db8:1:3::1")
    mapped = RequestFactory().get("/", REMOTE_ADDR="::ffff:203.0.113.7")

    assert ratelimit.client_address(first) == ratelimit.client_address(rotated)
    assert ratelimit.client_address(first) == "2001:db8:1:2::/64"
    assert ratelimit.client_address(other_block) != ratelimit.client_address(first)
    assert ratelimit.client_address(mapped) == "203.0.113.7"


def test_it_counts_the_previous_window_too():
    """A burst just before a window ends earns no fresh allowance just after it."""
    scope, ident, window = f"slide-{uuid.uuid4().hex}", "198.51.100.9", 3600
    previous = int(time.time() // window) - 1
    cache.set(f"{ratelimit._key(scope, ident)}:{previous}", 1_000_000, timeout=window)

    assert not ratelimit.hit(scope=scope, ident=ident, limit=5, window=window)


def _redis_cache_at(port: int) -> dict[str, Any]:
    return {
        "default": {
            "BACKEND": "mutualaid.redis_cache.FailFastRedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/0",
            "OPTIONS": {**settings.REDIS_TIMEOUTS, "retry_on_timeout": False},
        }
    }


@pytest.fixture
def redis_refusing() -> Iterator[None]:
    with refused_port() as port, override_settings(CACHES=_redis_cache_at(port)):
        yield


@pytest.fixture
def redis_silent() -> Iterator[None]:
    with silent_listener() as port, override_settings(CACHES=_redis_cache_at(port)):
        yield


def _hits(count: int, *, limit: int = 3) -> list[bool]:
    scope, ident = f"outage-{uuid.uuid4().hex}", "198.51.100.23"
    return [ratelimit.hit(scope=scope, ident=ident, limit=limit, window=3600) for _ in range(count)]


def test_it_still_holds_a_flood_while_redis_refuses(
    db: None, redis_refusing: None, django_assert_num_queries: Any
):
    with django_assert_num_queries(0):  # no address, nor its hash, goes to the database
        results = _hits(10)

    assert results == [True] * 3 + [False] * 7


def test_it_waits_for_a_silent_redis_once_then_fails_fast(redis_silent: None):
    started = time.monotonic()
    first = _hits(1)
    first_took = time.monotonic() - started
    started = time.monotonic()
    rest = _hits(20, limit=5)
    rest_took = time.monotonic() - started

    assert first == [True] and rest == [True] * 5 + [False] * 15
    assert first_took < 2 * settings.REDIS_TIMEOUTS["socket_timeout"] + 1
    assert rest_took < 1  # not tried again while it failed moments ago


def test_it_keeps_a_bounded_number_of_counts_in_the_process(monkeypatch: pytest.MonkeyPatch):
    counts = ratelimit._LocalCounts()
    monkeypatch.setattr(counts, "MAX_KEYS", 100)

    for index in range(250):
        counts.incr(f"key-{index}")

    assert len(counts._counts) == 100
    assert counts.get("key-249") == 1 and counts.get("key-0") == 0
