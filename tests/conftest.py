"""Personas and service switches shared by every test.

Personas: organizer, driver, other_driver, member_without_role, anonymous.
Marker `services`: the test needs PostgreSQL and Redis. Without them it skips, unless
REQUIRE_SERVICES=1 (CI), where it fails.
Every test starts with an empty cache (rate limits, "job already queued" marks).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.cache import cache
from django.db import connection
from django.test import Client, override_settings
from rest_framework.test import APIClient

from mutualaid.members import member_add

PASSWORD = "correct-horse-battery-staple"
REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"


def _missing_services() -> list[str]:
    missing = []
    if connection.vendor != "postgresql":
        missing.append("PostgreSQL (set DATABASE_URL)")
    if not settings.REDIS_URL:
        missing.append("Redis (set REDIS_URL)")
    return missing


def need(what: str, available: bool) -> None:
    """Skip without a service, or fail when CI demands every service."""
    if available:
        return
    message = f"{what} is not available"
    if REQUIRE_SERVICES:
        pytest.fail(message + " and REQUIRE_SERVICES=1", pytrace=False)
    pytest.skip(message)


@pytest.fixture(autouse=True)
def _services_marker(request: pytest.FixtureRequest) -> None:
    if request.node.get_closest_marker("services"):
        missing = _missing_services()
        need(", ".join(missing), not missing)
    if request.node.get_closest_marker("postgres"):
        need("PostgreSQL (set DATABASE_URL)", connection.vendor == "postgresql")


def forget_cached() -> None:
    """Empty this test process's cache.

    On Redis, only the keys under this process's prefix go: other test runs and the
    Celery broker share the database, and `cache.clear()` there is FLUSHDB.
    """
    if not settings.REDIS_URL:
        cache.clear()  # local memory: this process's alone
        return
    prefix = settings.CACHES["default"]["KEY_PREFIX"]
    assert prefix == settings.TEST_RUN, f"not a test run's cache prefix: {prefix!r}"
    client = cache._cache.get_client(write=True)  # type: ignore[attr-defined]
    keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
    if keys:
        client.delete(*keys)


def _drop_job_queue() -> None:
    """Delete this test process's Celery queue and any job left in it (on Redis)."""
    from mutualaid.celery import app

    queue = app.amqp.queues[app.conf.task_default_queue]
    assert queue.name == settings.TEST_RUN, f"not a test run's queue: {queue.name!r}"
    with app.connection_for_write() as broker:
        bound = queue(broker.default_channel)
        bound.declare()  # binds it on this channel, so that delete() unbinds it too
        bound.delete()


@pytest.fixture(scope="session", autouse=True)
def _nothing_left_behind() -> Iterator[None]:
    """A run leaves no cache keys and no queue in a shared Redis database."""
    yield
    forget_cached()
    if settings.REDIS_URL:
        _drop_job_queue()


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    forget_cached()


@pytest.fixture
def organizer(db: None) -> User:
    return member_add(username="olga", role="organizer", password=PASSWORD)


@pytest.fixture
def driver(db: None) -> User:
    return member_add(username="dario", role="driver", password=PASSWORD)


@pytest.fixture
def other_driver(db: None) -> User:
    return member_add(username="dana", role="driver", password=PASSWORD)


@pytest.fixture
def member_without_role(db: None) -> User:
    return User.objects.create_user(username="nobody", password=PASSWORD)


def api_client_for(user: User | None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def page_client(user: User | None) -> Client:
    """A browser session signed in as `user` (anonymous for None)."""
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def anonymous_api() -> APIClient:
    return APIClient()


@pytest.fixture
def organizer_api(organizer: User) -> APIClient:
    return api_client_for(organizer)


@pytest.fixture
def driver_api(driver: User) -> APIClient:
    return api_client_for(driver)


# Key store (mutualaid/keystore.py) --------------------------------------------------------


@pytest.fixture(scope="session", autouse=True)
def _run_key_dir() -> Iterator[None]:
    """Each run seals under its own KEY_DIR (mutualaid/settings_test.py), removed at the end."""
    import shutil
    import tempfile
    from pathlib import Path

    yield
    key_dir = Path(settings.KEY_DIR)
    if key_dir.parent == Path(tempfile.gettempdir()) / "mutualaid-keys":
        shutil.rmtree(key_dir, ignore_errors=True)


# Notices (deliveries/notify) ---------------------------------------------------------------


@pytest.fixture
def signal_server() -> Iterator[Any]:
    """A local server speaking signal-cli's REST API, with families and drivers notified
    through it (tests/deliveries/notice_servers.py)."""
    from tests.deliveries.notice_servers import provider_server

    with (
        provider_server("signal") as server,
        override_settings(
            NOTIFY_CHANNELS=["console", "signal"],
            NOTIFY_FAMILY_CHANNEL="signal",
            SIGNAL_CLI_URL=server.url,
            SIGNAL_NUMBER="+15550001111",
            NOTIFY_TIMEOUT_SECONDS=1,
        ),
    ):
        yield server
