"""The delivery list pages and the route list API read with a fixed number of queries,
however many routes, stops, drivers and reveals there are."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from deliveries.models import Route
from mutualaid.members import member_add
from tests.conftest import api_client_for, page_client
from tests.deliveries.factories import make_driver, planned_requests, route_in_state, stocked_item
from tests.household_requests.factories import contact
from tests.querycount import count_queries

pytestmark = pytest.mark.django_db

# url, who asks, the queries it takes
LISTS = [
    ("/drive/", "driver", 8),
    ("/drive/mine/", "driver", 6),
    ("/deliveries/routes/", "organizer", 6),
    ("/deliveries/drivers/", "organizer", 6),
    ("/deliveries/reveals/", "organizer", 6),
    ("/api/v1/routes/", "driver api", 8),
    ("/api/v1/routes/", "organizer api", 6),
]


def reader(client: Client, url: str) -> Callable[[], object]:
    return lambda: client.get(url)


def test_it_reads_each_list_with_a_fixed_number_of_queries(
    settings: Any, organizer: User, driver: User
):
    settings.ROUTE_MAX_STOPS = 1
    profile = make_driver(driver, max_active_routes=10)
    clients: dict[str, Client] = {
        "driver": page_client(driver),
        "organizer": page_client(organizer),
        "driver api": api_client_for(driver),
        "organizer api": api_client_for(organizer),
    }
    item = stocked_item()

    def grow(count: int) -> dict[tuple[str, str], int]:
        requests = planned_requests(
            [contact(phone=f"612-555-{n:04d}") for n in range(count)], item=item
        )
        for request in requests[: count // 2]:
            route = Route.objects.get(stops__request=request)
            route_in_state(route, "claimed", profile)
            clients["driver"].get(f"/drive/routes/{route.pk}/")  # a reveal in the log
        for n in range(count):
            make_driver(member_add(username=f"extra-{count}-{n}", role="driver", password="x"))
        return {(url, who): count_queries(reader(clients[who], url)) for url, who, _n in LISTS}

    few = grow(2)
    many = grow(6)

    assert Route.objects.count() == 8
    assert many == few
    assert few == {(url, who): n for url, who, n in LISTS}
