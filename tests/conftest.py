"""Personas and service switches shared by every test.

Personas: organizer, driver, other_driver, member_without_role, anonymous.
Marker `services`: the test needs PostgreSQL and Redis. Without them it skips, unless
REQUIRE_SERVICES=1 (CI), where it fails.
"""

from __future__ import annotations

import os

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.db import connection
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


@pytest.fixture
def anonymous_api() -> APIClient:
    return APIClient()


@pytest.fixture
def organizer_api(organizer: User) -> APIClient:
    return api_client_for(organizer)


@pytest.fixture
def driver_api(driver: User) -> APIClient:
    return api_client_for(driver)
