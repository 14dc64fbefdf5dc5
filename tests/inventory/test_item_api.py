"""Item diet tags: organizers set them through /api/v1/items/ and the catalogue page; a tag
outside the list, or two that contradict each other, is refused with a message naming it."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.utils import translation
from rest_framework.test import APIClient

from inventory.diet import DietTag
from inventory.models import Item
from tests.inventory.factories import CategoryFactory, ItemFactory
from tests.inventory.pages import page_client

pytestmark = pytest.mark.django_db

ITEMS = "/api/v1/items/"


def test_it_lets_organizers_tag_an_item(organizer_api: APIClient):
    category = CategoryFactory.create()

    created = organizer_api.post(
        ITEMS,
        {
            "name": "Halal chicken",
            "category": category.pk,
            "unit": "can",
            "diet_tags": ["nut_free", "halal", "halal"],
        },
        format="json",
    )

    assert created.status_code == 201, created.json()
    assert created.json()["diet_tags"] == ["halal", "nut_free"]  # one order, no repeats
    item = Item.objects.get(pk=created.json()["id"])
    assert item.diet_tags == ["halal", "nut_free"]

    changed = organizer_api.patch(f"{ITEMS}{item.pk}/", {"diet_tags": ["pork"]}, format="json")

    assert changed.status_code == 200, changed.json()
    item.refresh_from_db()
    assert item.diet_tags == ["pork"]


def test_an_item_starts_untagged(organizer_api: APIClient):
    response = organizer_api.post(
        ITEMS, {"name": "Lentils", "category": CategoryFactory.create().pk}, format="json"
    )

    assert response.status_code == 201
    assert response.json()["diet_tags"] == []


@pytest.mark.parametrize(
    "tags, message",
    [
        (
            ["halal", "bacon"],
            "“bacon” is not a diet tag. Please choose from: " + ", ".join(DietTag.values) + ".",
        ),
        (["halal", "pork"], "An item cannot be tagged both “Halal” and “Contains pork”."),
        (["not_food", "vegetarian"], "An item that is not food carries no other diet tag."),
        ("halal", "Please give the diet tags as a list."),
        ([7], "“7” is not a diet tag. Please choose from: " + ", ".join(DietTag.values) + "."),
    ],
)
def test_it_refuses_a_bad_tag_with_a_clear_message(
    organizer_api: APIClient, tags: object, message: str
):
    item = ItemFactory.create(diet_tags=["vegetarian"])

    response = organizer_api.patch(f"{ITEMS}{item.pk}/", {"diet_tags": tags}, format="json")

    assert response.status_code == 400
    assert response.json() == {"diet_tags": [message]}
    item.refresh_from_db()
    assert item.diet_tags == ["vegetarian"]


def test_it_says_what_is_wrong_in_the_callers_language(organizer_api: APIClient):
    item = ItemFactory.create()

    response = organizer_api.patch(
        f"{ITEMS}{item.pk}/",
        {"diet_tags": ["halal", "pork"]},
        format="json",
        headers={"accept-language": "es"},
    )

    assert response.status_code == 400
    with translation.override("es"):
        halal, pork = str(DietTag.HALAL.label), str(DietTag.PORK.label)
    assert pork != "Contains pork"  # the Spanish catalogue has it
    assert halal in response.json()["diet_tags"][0] and pork in response.json()["diet_tags"][0]


def test_members_read_the_tags_and_drivers_cannot_write_them(driver_api: APIClient):
    item = ItemFactory.create(diet_tags=["halal"])

    assert driver_api.get(f"{ITEMS}{item.pk}/").json()["diet_tags"] == ["halal"]
    refused = driver_api.patch(f"{ITEMS}{item.pk}/", {"diet_tags": ["pork"]}, format="json")

    assert refused.status_code == 403
    item.refresh_from_db()
    assert item.diet_tags == ["halal"]


# The catalogue page ------------------------------------------------------------------------


def _item_form(item: Item, tags: list[str]) -> dict[str, object]:
    return {
        "name": item.name,
        "category": item.category_id,
        "unit": item.unit,
        "target_on_hand": item.target_on_hand,
        "max_per_household": item.max_per_household,
        "active": "on",
        "diet_tags": tags,
    }


def test_organizers_tick_diet_tags_on_the_catalogue_page(organizer: User):
    item = ItemFactory.create(name="Canned chicken")
    client = page_client(organizer)

    page = client.get(f"/inventory/catalogue/item/{item.pk}/").content.decode()
    saved = client.post(
        f"/inventory/catalogue/item/{item.pk}/",
        _item_form(item, ["lactose_free", "halal"]),
        follow=True,
    )

    assert 'type="checkbox" name="diet_tags" value="halal"' in page
    assert saved.redirect_chain == [("/inventory/catalogue/", 302)]
    item.refresh_from_db()
    assert item.diet_tags == ["halal", "lactose_free"]
    listed = saved.content.decode()
    assert "Halal, Lactose free" in listed


def test_the_catalogue_page_refuses_tags_that_contradict(organizer: User):
    item = ItemFactory.create(name="Canned chicken", diet_tags=["halal"])

    response = page_client(organizer).post(
        f"/inventory/catalogue/item/{item.pk}/", _item_form(item, ["halal", "pork"])
    )

    assert response.status_code == 200
    assert "An item cannot be tagged both “Halal” and “Contains pork”." in (
        response.content.decode()
    )
    item.refresh_from_db()
    assert item.diet_tags == ["halal"]


def test_the_admin_edits_tags_with_the_same_checks(admin_client):
    item = ItemFactory.create(name="Canned chicken")

    page = admin_client.get(f"/admin/inventory/item/{item.pk}/change/")
    refused = admin_client.post(
        f"/admin/inventory/item/{item.pk}/change/", _item_form(item, ["nut_free", "nuts"])
    )

    assert page.status_code == 200
    assert 'name="diet_tags" value="nut_free"' in page.content.decode()
    assert refused.status_code == 200  # the form again, with the error
    assert "“Nut free” and “Contains nuts”" in refused.content.decode()
    item.refresh_from_db()
    assert item.diet_tags == []
