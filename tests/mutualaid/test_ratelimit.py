"""The per-address counter lets exactly `limit` through, even when requests race."""

from __future__ import annotations

import threading
import uuid

from django.conf import settings
from django.test import RequestFactory, override_settings

from mutualaid import ratelimit
from tests.conftest import need


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
    key = ratelimit._key("request-form", "203.0.113.7", 60)

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
