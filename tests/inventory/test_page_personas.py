"""Who may open and post to the organizer pages: the persona matrix over every page."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User

from inventory.models import Category, Item, Location, StockLot
from tests.inventory.factories import row_counts
from tests.inventory.pages import LOGIN, MISSING, intake_form, page_client

pytestmark = pytest.mark.django_db


def _get_pages(lot: StockLot) -> list[str]:
    assert lot.donation_line is not None
    donation_pk = lot.donation_line.donation_id
    return [
        "/inventory/",
        "/inventory/donations/",
        "/inventory/donations/new/",
        f"/inventory/donations/{donation_pk}/",
        f"/inventory/items/{lot.item_id}/lots/",
        f"/inventory/lots/{lot.pk}/",
        f"/inventory/lots/{lot.pk}/spoil/",
        f"/inventory/donations/{donation_pk}/correct/",
        f"/inventory/donations/{donation_pk}/void/",
        "/inventory/count/",
        f"/inventory/locations/{lot.location_id}/count/",
        "/inventory/catalogue/",
        "/inventory/catalogue/item/new/",
        "/inventory/catalogue/category/new/",
        "/inventory/catalogue/location/new/",
        f"/inventory/catalogue/item/{lot.item_id}/",
        f"/inventory/catalogue/category/{lot.item.category_id}/",
        f"/inventory/catalogue/location/{lot.location_id}/",
    ]


def _post_pages(lot: StockLot) -> list[tuple[str, dict[str, Any]]]:
    item = lot.item
    return [
        (f"/inventory/lots/{lot.pk}/", {"delta": "-2", "reason": "recount"}),
        (f"/inventory/lots/{lot.pk}/spoil/", {"confirm": "yes"}),
        ("/inventory/catalogue/category/new/", {"name": "Baby", "sort_order": "5"}),
        ("/inventory/catalogue/location/new/", {"name": "Church basement", "active": "on"}),
        (
            "/inventory/catalogue/item/new/",
            {
                "name": "Diapers size 3",
                "category": item.category_id,
                "unit": "pack",
                "target_on_hand": "20",
                "max_per_household": "2",
                "active": "on",
            },
        ),
        (
            f"/inventory/catalogue/item/{item.pk}/",
            {
                "name": "Brown rice",
                "category": item.category_id,
                "unit": "bag",
                "target_on_hand": "30",
                "max_per_household": "2",
                "active": "on",
            },
        ),
        (
            f"/inventory/catalogue/category/{item.category_id}/",
            {"name": "Grains", "sort_order": "1"},
        ),
        (f"/inventory/catalogue/location/{lot.location_id}/", {"name": "Hub", "active": "on"}),
        ("/inventory/donations/new/", intake_form(lot.location, [(item.pk, "4", "")])),
    ]


def _snapshot() -> tuple[Any, ...]:
    return (
        *row_counts(),
        list(StockLot.objects.values_list("on_hand", "reserved").order_by("pk")),
        list(Item.objects.values_list("name", "unit").order_by("pk")),
        list(Category.objects.values_list("name", flat=True).order_by("pk")),
        list(Location.objects.values_list("name", flat=True).order_by("pk")),
    )


def test_it_shows_every_page_to_organizers(organizer: User, lot: StockLot):
    client = page_client(organizer)

    for url in _get_pages(lot):
        assert client.get(url).status_code == 200, url


def test_it_refuses_every_page_to_drivers_and_members_without_a_role(
    driver: User, member_without_role: User, lot: StockLot
):
    for user in (driver, member_without_role):
        client = page_client(user)
        for url in _get_pages(lot):
            assert client.get(url).status_code == 403, (user.username, url)


def test_it_sends_anonymous_visitors_to_the_login_page(lot: StockLot):
    client = page_client(None)

    for url in _get_pages(lot):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(f"{LOGIN}?next="), url


def test_it_lets_organizers_change_things_and_redirects(organizer: User, lot: StockLot):
    client = page_client(organizer)

    for url, data in _post_pages(lot):
        response = client.post(url, data)
        assert response.status_code == 302, (url, response.content.decode()[-2000:])


def test_it_refuses_changes_from_drivers_and_anonymous_and_writes_nothing(
    driver: User, lot: StockLot
):
    before = _snapshot()

    for url, data in _post_pages(lot):
        assert page_client(driver).post(url, data).status_code == 403, url
        anonymous = page_client(None).post(url, data)
        assert anonymous.status_code == 302, url
        assert anonymous["Location"].startswith(f"{LOGIN}?next="), url
    assert _snapshot() == before


def test_it_answers_404_for_unknown_records(organizer: User, lot: StockLot):
    client = page_client(organizer)

    for url in [
        f"/inventory/donations/{MISSING}/",
        f"/inventory/items/{MISSING}/lots/",
        f"/inventory/lots/{MISSING}/",
        f"/inventory/catalogue/item/{MISSING}/",
        f"/inventory/catalogue/category/{MISSING}/",
        f"/inventory/catalogue/location/{MISSING}/",
        "/inventory/catalogue/zone/new/",
    ]:
        assert client.get(url).status_code == 404, url
    adjust = client.post(f"/inventory/lots/{MISSING}/", {"delta": "1", "reason": "found"})
    assert adjust.status_code == 404
    assert client.post(f"/inventory/lots/{MISSING}/spoil/").status_code == 404
