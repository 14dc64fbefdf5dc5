"""GET /api/v1/stock/: organizers see lots, filter them, and the list does not grow in queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from inventory import services
from inventory.models import Item, Location, StockLot
from mutualaid.timeutil import local_today
from tests.conftest import api_client_for
from tests.inventory.factories import (
    CategoryFactory,
    ItemFactory,
    LocationFactory,
    donate,
    reserve,
    stocked_lot,
)
from tests.querycount import assert_queries

pytestmark = pytest.mark.django_db

URL = "/api/v1/stock/"


def _ids(client: APIClient, query: str = "") -> list[int]:
    response = client.get(f"{URL}{query}")
    assert response.status_code == 200, response.json()
    return [row["id"] for row in response.json()["results"]]


def test_it_shows_a_lot_by_the_contract(organizer_api: APIClient):
    lot = stocked_lot(quantity=9, expires_in_days=4)
    reserve(lot, 2)

    body = organizer_api.get(f"{URL}{lot.pk}/").json()

    contract = {key: body[key] for key in ("id", "item", "location", "expires_on")}
    assert contract == {
        "id": lot.pk,
        "item": lot.item_id,
        "location": lot.location_id,
        "expires_on": (local_today() + dt.timedelta(days=4)).isoformat(),
    }
    assert (body["on_hand"], body["reserved"]) == (9, 2)
    assert organizer_api.get(URL).json()["results"] == [body]


def test_it_shows_a_lot_without_expiry_as_null(organizer_api: APIClient):
    lot = stocked_lot(quantity=3)

    assert organizer_api.get(f"{URL}{lot.pk}/").json()["expires_on"] is None


def test_it_lists_the_earliest_expiry_first_and_undated_lots_last(organizer_api: APIClient):
    undated = stocked_lot(quantity=1)
    later = stocked_lot(quantity=1, expires_in_days=10)
    sooner = stocked_lot(quantity=1, expires_in_days=2)

    assert _ids(organizer_api) == [sooner.pk, later.pk, undated.pk]


def test_it_refuses_drivers(driver_api: APIClient):
    lot = stocked_lot()

    assert driver_api.get(URL).status_code == 403
    assert driver_api.get(f"{URL}{lot.pk}/").status_code == 403


def test_it_refuses_members_without_a_role(member_without_role: User):
    assert api_client_for(member_without_role).get(URL).status_code == 403


def test_it_asks_anonymous_callers_to_authenticate(anonymous_api: APIClient):
    lot = stocked_lot()

    assert anonymous_api.get(URL).status_code == 401
    assert anonymous_api.get(f"{URL}{lot.pk}/").status_code == 401


def test_it_404s_for_an_unknown_lot(organizer_api: APIClient):
    assert organizer_api.get(f"{URL}424242/").status_code == 404


def test_it_is_read_only(organizer_api: APIClient):
    lot = stocked_lot(quantity=5)

    assert organizer_api.post(URL, {"item": lot.item_id, "on_hand": 99}).status_code == 405
    assert organizer_api.patch(f"{URL}{lot.pk}/", {"on_hand": 99}).status_code == 405
    assert organizer_api.delete(f"{URL}{lot.pk}/").status_code == 405
    lot.refresh_from_db()
    assert lot.on_hand == 5


# Filters ---------------------------------------------------------------------------------


@pytest.fixture
def shelves(db: None) -> dict[str, StockLot]:
    """Rice and beans (grains) at the church, milk (dairy) at the shop, in various states."""
    church, shop = LocationFactory.create(name="Church"), LocationFactory.create(name="Shop")
    grains, dairy = CategoryFactory.create(name="Grains"), CategoryFactory.create(name="Dairy")
    rice = ItemFactory.create(name="Rice", category=grains)
    beans = ItemFactory.create(name="Beans", category=grains)
    milk = ItemFactory.create(name="Milk", category=dairy, perishable=True)

    def lot(item: Item, location: Location, quantity: int, days: int | None) -> StockLot:
        expires = None if days is None else local_today() + dt.timedelta(days=days)
        donation = donate((item, quantity, expires), location=location)
        return StockLot.objects.get(donation_line__donation=donation)

    lots = {
        "rice": lot(rice, church, 10, None),
        "beans": lot(beans, church, 4, 30),
        "milk soon": lot(milk, shop, 6, 2),
        "milk later": lot(milk, shop, 6, 9),
    }
    # All beans are promised; the earlier milk is half promised.
    reserve(lots["beans"], 4)
    reserve(lots["milk soon"], 3)
    # Nothing left of one milk lot: spoiled.
    empty = lot(milk, shop, 2, 5)
    services.lots_spoil(lot_ids=[empty.pk])
    lots["milk spoiled"] = empty
    return lots


def _names(shelves: dict[str, StockLot], ids: list[int]) -> set[str]:
    by_id = {lot.pk: name for name, lot in shelves.items()}
    return {by_id[pk] for pk in ids}


def test_it_filters_by_item(organizer_api: APIClient, shelves: dict[str, StockLot]):
    milk = shelves["milk soon"].item_id

    assert _names(shelves, _ids(organizer_api, f"?item={milk}")) == {
        "milk soon",
        "milk later",
        "milk spoiled",
    }


def test_it_filters_by_category(organizer_api: APIClient, shelves: dict[str, StockLot]):
    grains = shelves["rice"].item.category_id

    assert _names(shelves, _ids(organizer_api, f"?category={grains}")) == {"rice", "beans"}


def test_it_filters_by_location(organizer_api: APIClient, shelves: dict[str, StockLot]):
    church = shelves["rice"].location_id

    assert _names(shelves, _ids(organizer_api, f"?location={church}")) == {"rice", "beans"}


def test_it_filters_by_expiring_before(organizer_api: APIClient, shelves: dict[str, StockLot]):
    in_a_week = (local_today() + dt.timedelta(days=7)).isoformat()

    assert _names(shelves, _ids(organizer_api, f"?expiring_before={in_a_week}")) == {
        "milk soon",
        "milk spoiled",
    }


def test_it_filters_lots_with_stock_still_available(
    organizer_api: APIClient, shelves: dict[str, StockLot]
):
    assert _names(shelves, _ids(organizer_api, "?available=true")) == {
        "rice",
        "milk soon",
        "milk later",
    }
    assert _names(shelves, _ids(organizer_api, "?available=false")) == {"beans", "milk spoiled"}


def test_it_combines_filters(organizer_api: APIClient, shelves: dict[str, StockLot]):
    milk = shelves["milk soon"].item_id

    assert _names(shelves, _ids(organizer_api, f"?item={milk}&available=true")) == {
        "milk soon",
        "milk later",
    }


@pytest.mark.parametrize(
    "query, field",
    [
        ("?item=424242", "item"),
        ("?category=abc", "category"),
        ("?location=424242", "location"),
        ("?expiring_before=next-tuesday", "expiring_before"),
    ],
)
def test_it_refuses_a_bad_filter_and_names_it(
    organizer_api: APIClient, shelves: dict[str, StockLot], query: str, field: str
):
    response = organizer_api.get(f"{URL}{query}")

    assert response.status_code == 400
    assert list(response.json()) == [field]


def test_it_lists_with_a_fixed_number_of_queries(organizer_api: APIClient):
    def fetch() -> None:
        assert organizer_api.get(URL).status_code == 200

    stocked_lot(quantity=3)
    assert_queries(2, fetch)  # count, page
    for days in range(5):
        stocked_lot(ItemFactory.create(), quantity=2, expires_in_days=days)
    assert_queries(2, fetch)
    assert organizer_api.get(URL).json()["count"] == 6
