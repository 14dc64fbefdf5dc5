"""/api/v1/categories/, /items/, /locations/: members read, organizers write."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db.models import Model
from rest_framework.test import APIClient

from inventory.models import Category, Item, Location
from tests.conftest import api_client_for
from tests.inventory.factories import CategoryFactory, ItemFactory, LocationFactory
from tests.querycount import assert_queries

pytestmark = pytest.mark.django_db

CATEGORIES = "/api/v1/categories/"
ITEMS = "/api/v1/items/"
LOCATIONS = "/api/v1/locations/"


def _category() -> Category:
    return CategoryFactory.create(name="Grains")


def _item() -> Item:
    return ItemFactory.create(name="Rice", unit=Item.Unit.BAG)


def _location() -> Location:
    return LocationFactory.create(name="St. Mark's basement")


def _new_category() -> dict[str, Any]:
    return {"name": "Baby care"}


def _new_item() -> dict[str, Any]:
    return {"name": "Diapers size 3", "category": CategoryFactory.create().pk, "unit": "pack"}


def _new_location() -> dict[str, Any]:
    return {"name": "Corner shop"}


ENDPOINTS = [
    pytest.param(CATEGORIES, Category, _category, _new_category, id="categories"),
    pytest.param(ITEMS, Item, _item, _new_item, id="items"),
    pytest.param(LOCATIONS, Location, _location, _new_location, id="locations"),
]
Factory = Callable[[], Model]
Payload = Callable[[], dict[str, Any]]


@pytest.fixture
def member_without_role_api(member_without_role: User) -> APIClient:
    return api_client_for(member_without_role)


# Reading ---------------------------------------------------------------------------------


@pytest.mark.parametrize("url, model, make, payload", ENDPOINTS)
@pytest.mark.parametrize("persona", ["organizer_api", "driver_api"])
def test_it_lets_members_read(
    request: pytest.FixtureRequest,
    persona: str,
    url: str,
    model: type[Model],
    make: Factory,
    payload: Payload,
):
    client: APIClient = request.getfixturevalue(persona)
    thing = make()

    listed = client.get(url)
    detail = client.get(f"{url}{thing.pk}/")

    assert listed.status_code == 200
    assert [row["id"] for row in listed.json()["results"]] == [thing.pk]
    assert detail.status_code == 200
    assert detail.json()["id"] == thing.pk
    assert detail.json()["name"] == thing.name  # type: ignore[attr-defined]


def test_it_shows_an_item_by_the_contract(driver_api: APIClient):
    item = _item()

    body = driver_api.get(f"{ITEMS}{item.pk}/").json()

    assert {"id": body["id"], "name": body["name"], "category": body["category"]} == {
        "id": item.pk,
        "name": "Rice",
        "category": item.category_id,
    }
    assert body["unit"] == "bag"


@pytest.mark.parametrize("url, model, make, payload", ENDPOINTS)
def test_it_refuses_members_without_a_role(
    member_without_role_api: APIClient,
    url: str,
    model: type[Model],
    make: Factory,
    payload: Payload,
):
    thing = make()

    assert member_without_role_api.get(url).status_code == 403
    assert member_without_role_api.get(f"{url}{thing.pk}/").status_code == 403
    assert member_without_role_api.post(url, payload(), format="json").status_code == 403


@pytest.mark.parametrize("url, model, make, payload", ENDPOINTS)
def test_it_asks_anonymous_callers_to_authenticate(
    anonymous_api: APIClient, url: str, model: type[Model], make: Factory, payload: Payload
):
    thing = make()

    listed = anonymous_api.get(url)

    assert listed.status_code == 401
    assert listed.headers["WWW-Authenticate"] == "Token"
    assert anonymous_api.get(f"{url}{thing.pk}/").status_code == 401
    assert anonymous_api.post(url, payload(), format="json").status_code == 401
    assert model.objects.count() == 1  # type: ignore[attr-defined]


@pytest.mark.parametrize("url, model, make, payload", ENDPOINTS)
def test_it_404s_for_an_unknown_id(
    organizer_api: APIClient, url: str, model: type[Model], make: Factory, payload: Payload
):
    assert organizer_api.get(f"{url}424242/").status_code == 404
    assert organizer_api.patch(f"{url}424242/", {"name": "x"}, format="json").status_code == 404


# Writing ---------------------------------------------------------------------------------


@pytest.mark.parametrize("url, model, make, payload", ENDPOINTS)
def test_it_lets_organizers_create_and_answers_with_the_id(
    organizer_api: APIClient, url: str, model: type[Model], make: Factory, payload: Payload
):
    data = payload()

    response = organizer_api.post(url, data, format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    created = model.objects.get(pk=body["id"])  # type: ignore[attr-defined]
    for field, value in data.items():
        assert body[field] == value
        assert getattr(created, "category_id" if field == "category" else field) == value


def test_it_creates_an_item_from_name_category_and_unit_only(organizer_api: APIClient):
    category = CategoryFactory.create()

    response = organizer_api.post(
        ITEMS, {"name": "Lentils", "category": category.pk, "unit": "kg"}, format="json"
    )

    assert response.status_code == 201, response.json()
    item = Item.objects.get(pk=response.json()["id"])
    assert (item.name, item.category, item.unit, item.active) == ("Lentils", category, "kg", True)


def test_it_lets_organizers_retire_an_item(organizer_api: APIClient):
    item = _item()

    response = organizer_api.patch(f"{ITEMS}{item.pk}/", {"active": False}, format="json")

    assert response.status_code == 200
    item.refresh_from_db()
    assert item.active is False


@pytest.mark.parametrize("url, model, make, payload", ENDPOINTS)
def test_it_refuses_writes_from_drivers(
    driver_api: APIClient, url: str, model: type[Model], make: Factory, payload: Payload
):
    thing = make()

    assert driver_api.post(url, payload(), format="json").status_code == 403
    assert (
        driver_api.patch(f"{url}{thing.pk}/", {"name": "Renamed"}, format="json").status_code == 403
    )
    assert driver_api.put(f"{url}{thing.pk}/", payload(), format="json").status_code == 403

    assert model.objects.count() == 1  # type: ignore[attr-defined]
    thing.refresh_from_db()
    assert thing.name != "Renamed"  # type: ignore[attr-defined]


@pytest.mark.parametrize("url, model, make, payload", ENDPOINTS)
def test_it_does_not_delete_catalogue_entries(
    organizer_api: APIClient, url: str, model: type[Model], make: Factory, payload: Payload
):
    thing = make()

    assert organizer_api.delete(f"{url}{thing.pk}/").status_code == 405
    assert model.objects.filter(pk=thing.pk).exists()  # type: ignore[attr-defined]


@pytest.mark.parametrize("url, model, make, payload", ENDPOINTS)
def test_it_refuses_a_huge_name_and_names_the_field(
    organizer_api: APIClient, url: str, model: type[Model], make: Factory, payload: Payload
):
    data = {**payload(), "name": "x" * 10_000}

    response = organizer_api.post(url, data, format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["name"]
    assert model.objects.filter(name=data["name"]).count() == 0  # type: ignore[attr-defined]


@pytest.mark.parametrize("url, model, make, payload", ENDPOINTS)
def test_it_refuses_a_duplicate_name(
    organizer_api: APIClient, url: str, model: type[Model], make: Factory, payload: Payload
):
    thing = make()
    data = {**payload(), "name": thing.name}  # type: ignore[attr-defined]

    response = organizer_api.post(url, data, format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["name"]


@pytest.mark.parametrize(
    "change, field",
    [
        ({"category": 424242}, "category"),
        ({"category": None}, "category"),
        ({"unit": "barrel"}, "unit"),
        ({"name": ""}, "name"),
        ({"target_on_hand": -1}, "target_on_hand"),
    ],
)
def test_it_refuses_a_bad_item_and_names_the_field(
    organizer_api: APIClient, change: dict[str, Any], field: str
):
    response = organizer_api.post(ITEMS, {**_new_item(), **change}, format="json")

    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert Item.objects.count() == 0


# Query counts ----------------------------------------------------------------------------


@pytest.mark.parametrize("url, model, make, payload", ENDPOINTS)
def test_it_lists_with_a_fixed_number_of_queries(
    driver_api: APIClient, url: str, model: type[Model], make: Factory, payload: Payload
):
    def fetch() -> None:
        assert driver_api.get(url).status_code == 200

    make()
    assert_queries(2, fetch)  # count, page
    more: dict[str, Factory] = {
        CATEGORIES: CategoryFactory.create,
        ITEMS: ItemFactory.create,
        LOCATIONS: LocationFactory.create,
    }
    for _ in range(5):
        more[url]()
    assert_queries(2, fetch)
    assert driver_api.get(url).json()["count"] == 6
