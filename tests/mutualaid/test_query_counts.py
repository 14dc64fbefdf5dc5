"""List endpoints and pages read with a number of queries that does not grow with rows."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from household_requests.zones import zone_save
from inventory.models import Item
from tests.conftest import api_client_for
from tests.deliveries.scenario import make_driver, routed_request
from tests.household_requests.factories import make_zone, submit
from tests.inventory.factories import ItemFactory, donate

pytestmark = pytest.mark.django_db


def _queries(fetch: Callable[[], object]) -> int:
    fetch()  # warm the per-user role cache
    with CaptureQueriesContext(connection) as captured:
        fetch()
    return len(captured)


def _page(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _body(response: object) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)  # type: ignore[attr-defined]
    return response.content  # type: ignore[attr-defined]


def test_it_lists_routes_with_a_fixed_number_of_queries(organizer: User, driver: User):
    world = routed_request()
    make_driver(driver, world.zone)
    organizer_api, driver_api = api_client_for(organizer), api_client_for(driver)
    counts = {
        "board": lambda: driver_api.get("/api/v1/routes/"),
        "all": lambda: organizer_api.get("/api/v1/routes/"),
        "detail": lambda: organizer_api.get(f"/api/v1/routes/{world.route.pk}/"),
    }
    few = {name: _queries(fetch) for name, fetch in counts.items()}

    for _ in range(4):
        routed_request(zone=world.zone)  # more requests: more stops and lines per route
    many = {name: _queries(fetch) for name, fetch in counts.items()}

    assert many == few
    assert organizer_api.get("/api/v1/routes/").json()["count"] >= 1


def test_it_lists_zones_needs_and_exports_with_a_fixed_number_of_queries(
    organizer: User, driver: User
):
    make_zone()
    item = ItemFactory.create()
    submit(items=[(item, 1)])
    driver_api = api_client_for(driver)
    page = _page(organizer)
    anonymous = Client()
    counts = {
        "zones": lambda: driver_api.get("/api/v1/zones/"),
        "needs api": lambda: Client().get("/api/v1/public/needs/"),
        "needs page": lambda: anonymous.get("/needed/"),
        "csv": lambda: _body(page.get("/requests/export.csv?status=")),
        "item lots": lambda: page.get(f"/inventory/items/{item.pk}/lots/"),
        "below target": lambda: page.get("/inventory/?show=below_target"),
    }
    few = {name: _queries(fetch) for name, fetch in counts.items()}

    for n in range(5):
        zone_save(name=f"Zone {n}", postal_codes=[f"5600{n}", f"5610{n}"])
        other = ItemFactory.create(target_on_hand=50)
        donate((item, 3), (other, 2))
        submit(items=[(item, 1), (other, 2)])
    many = {name: _queries(fetch) for name, fetch in counts.items()}

    assert many == few
    assert Item.objects.count() == 6
