"""Every list page and list API reads with an exact number of queries, whatever the rows.

QUERIES is the one table: a view changed on purpose changes its number here, and only here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from deliveries.drivers import driver_save
from deliveries.models import ContactReveal, Driver, Route, RouteStatus, Stop
from household_requests.models import HouseholdRequest, Zone
from household_requests.zones import zone_save
from inventory.models import Item, StockLot
from mutualaid.members import member_add
from tests.conftest import PASSWORD, api_client_for, page_client
from tests.deliveries.factories import plan, route_in_state, stocked_item
from tests.household_requests.factories import contact, make_zone, submit
from tests.inventory.factories import ItemFactory, fill_shelves, stocked_lot
from tests.querycount import count_queries

pytestmark = pytest.mark.django_db

# (path, who reads it, queries). {route} is the driver's latest route, {item} the item that
# families ask for.
QUERIES: list[tuple[str, str, int]] = [
    # Organizer pages
    ("/dashboard/", "organizer", 11),  # with the paused-zones banner (issue 14)
    ("/inventory/", "organizer", 6),
    ("/inventory/?show=below_target", "organizer", 6),
    ("/inventory/items/{item}/lots/", "organizer", 5),
    ("/inventory/donations/", "organizer", 4),
    ("/inventory/stock.csv", "organizer", 4),
    ("/inventory/donations.csv", "organizer", 4),
    ("/requests/", "organizer", 5),
    ("/requests/export.csv?status=", "organizer", 4),
    ("/deliveries/routes/", "organizer", 6),
    ("/deliveries/drivers/", "organizer", 6),
    ("/deliveries/reveals/", "organizer", 7),
    # Driver pages
    ("/drive/", "driver", 8),  # a page of the board without a count (issue 9)
    ("/drive/mine/", "driver", 6),
    # Public page
    ("/needed/", "anonymous", 1),
    # List APIs
    ("/api/v1/categories/", "organizer api", 2),
    ("/api/v1/items/", "organizer api", 2),
    ("/api/v1/locations/", "organizer api", 2),
    ("/api/v1/zones/", "organizer api", 3),
    ("/api/v1/donations/", "organizer api", 4),
    ("/api/v1/stock/", "organizer api", 2),
    ("/api/v1/requests/", "organizer api", 3),
    ("/api/v1/routes/", "organizer api", 4),  # loads summed from the stops read
    ("/api/v1/routes/", "driver api", 5),  # and the driver read once
    ("/api/v1/routes/{route}/", "organizer api", 5),
    ("/api/v1/public/needs/", "anonymous api", 1),
]


def _body(response: Any) -> bytes:
    """Read a streamed export to its end: its queries run while it streams."""
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return bytes(response.content)


def _reader(client: Client, path: str) -> Callable[[], object]:
    def read() -> bytes:
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        return _body(response)

    return read


class Network:
    """A network that grows: stock, zones, drivers, requests, routes and reveals."""

    def __init__(self, organizer: User, driver: User) -> None:
        self.phillips = make_zone("Phillips", ("55407",))
        self.frogtown = make_zone("Frogtown", ("55103",))
        self.item = stocked_item(1000, name="Rice")
        self.driver = driver_save(
            user=driver, zones=[self.phillips, self.frogtown], vetted=True, max_active_routes=50
        )
        self.clients: dict[str, Client] = {
            "organizer": page_client(organizer),
            "driver": page_client(driver),
            "anonymous": Client(),
            "organizer api": api_client_for(organizer),
            "driver api": api_client_for(driver),
            "anonymous api": api_client_for(None),
        }
        self.grown = 0

    def grow(self, n: int) -> None:
        """n more of everything the lists show."""
        fill_shelves(n)
        for _ in range(n):
            self.grown += 1
            tag = self.grown
            zone_save(name=f"Zone {tag}", postal_codes=[f"560{tag:02d}", f"561{tag:02d}"])
            extra = member_add(username=f"extra-driver-{tag}", role="driver", password=PASSWORD)
            driver_save(user=extra, zones=[self.phillips], vetted=True)
            stocked_lot(self.item, quantity=50)
            for postal_code in ("55407", "55103"):
                family = contact(phone=f"612-555-{tag:02d}{postal_code[-2:]}")
                submit(postal_code=postal_code, items=[(self.item, 1)], contact=family)
            # Asked for, never stocked: a shortfall on the "most needed" lists.
            submit(postal_code="55407", items=[(ItemFactory.create(target_on_hand=9), 2)])
        plan()
        # Phillips routes go to the driver, who starts each on its day and opens it (a
        # reveal per stop); Frogtown's stay on the board.
        for route in Route.objects.filter(zone=self.phillips, status=RouteStatus.OPEN):
            route_in_state(route, "in_progress", self.driver)
            _reader(self.clients["driver"], f"/drive/routes/{route.pk}/")()

    def queries(self) -> dict[tuple[str, str], int]:
        route = Route.objects.filter(driver=self.driver).latest("pk")
        counted = {}
        for path, who, _expected in QUERIES:
            url = path.format(route=route.pk, item=self.item.pk)
            counted[(path, who)] = count_queries(_reader(self.clients[who], url))
        return counted

    def rows(self) -> list[int]:
        return [
            Item.objects.count(),
            StockLot.objects.count(),
            Zone.objects.count(),
            Driver.objects.count(),
            HouseholdRequest.objects.count(),
            Stop.objects.filter(route__status=RouteStatus.OPEN).count(),
            Route.objects.filter(driver=self.driver).count(),
            ContactReveal.objects.count(),
        ]


def test_it_reads_every_list_with_a_fixed_number_of_queries(
    organizer: User, driver: User, settings: Any
):
    settings.DRIVER_CLAIMS_PER_DAY = 1000  # the network's driver takes every Phillips route
    network = Network(organizer, driver)

    network.grow(2)
    few, few_rows = network.queries(), network.rows()
    network.grow(6)
    many, many_rows = network.queries(), network.rows()

    assert all(after > before for before, after in zip(few_rows, many_rows, strict=True))
    wrong = [
        f"{path} ({who}): {few[path, who]} with few rows, {many[path, who]} with many, "
        f"QUERIES says {n}"
        for path, who, n in QUERIES
        if few[path, who] != n or many[path, who] != n
    ]
    assert not wrong, "\n".join(wrong)
