"""The catalogue pages: items, categories and locations, listed and edited."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from inventory.models import Item
from tests.inventory.factories import CategoryFactory, ItemFactory, fill_shelves
from tests.inventory.pages import field_errors, page_client
from tests.querycount import assert_queries

pytestmark = pytest.mark.django_db

CATALOGUE_QUERIES = 6


def test_it_adds_an_item_to_the_catalogue(organizer: User):
    category = CategoryFactory.create(name="Baby")

    response = page_client(organizer).post(
        "/inventory/catalogue/item/new/",
        {
            "name": "Formula",
            "category": category.pk,
            "unit": "can",
            "perishable": "on",
            "target_on_hand": "12",
            "max_per_household": "2",
            "active": "on",
        },
        follow=True,
    )

    assert response.redirect_chain == [("/inventory/catalogue/", 302)]
    item = Item.objects.get(name="Formula")
    assert (item.category, item.unit, item.perishable, item.target_on_hand) == (
        category,
        "can",
        True,
        12,
    )
    assert "Saved Formula." in response.content.decode()


def test_it_refuses_a_duplicate_catalogue_name(organizer: User):
    ItemFactory.create(name="Rice")
    category = CategoryFactory.create()

    response = page_client(organizer).post(
        "/inventory/catalogue/item/new/",
        {
            "name": "Rice",
            "category": category.pk,
            "unit": "bag",
            "target_on_hand": "1",
            "max_per_household": "1",
        },
    )

    assert response.status_code == 200
    assert field_errors(response, "id_name") == ["Item with this Name already exists."]
    assert Item.objects.filter(name="Rice").count() == 1


def test_it_names_what_is_being_created(organizer: User):
    client = page_client(organizer)

    assert "New item" in client.get("/inventory/catalogue/item/new/").content.decode()
    assert "New location" in client.get("/inventory/catalogue/location/new/").content.decode()


def test_it_lists_the_catalogue_with_a_fixed_number_of_queries(organizer: User):
    client = page_client(organizer)

    def fetch() -> None:
        assert client.get("/inventory/catalogue/").status_code == 200

    fill_shelves(2)
    assert_queries(CATALOGUE_QUERIES, fetch)
    fill_shelves(20)
    assert_queries(CATALOGUE_QUERIES, fetch)
