"""Moving a lot's units to another location: both sides through the one stock-change path,
in one transaction, with a ledger row each; reserved units stay where their requests are."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from inventory import services
from inventory.models import StockLot, StockMovement
from mutualaid.errors import Kind, ServiceError
from tests.inventory.books import allocated_request, assert_books_balance
from tests.inventory.factories import ItemFactory, LocationFactory, row_counts, stocked_lot
from tests.inventory.pages import LOGIN, field_errors, page_client

pytestmark = pytest.mark.django_db


def test_it_moves_units_to_a_new_lot_at_the_other_location(organizer: User):
    lot = stocked_lot(ItemFactory.create(name="Rice"), quantity=12, expires_in_days=30)
    church = LocationFactory.create(name="Church")

    moved = services.lot_transfer(
        lot_id=lot.pk, to_location=church, quantity=5, reason="van run", actor=organizer
    )

    lot.refresh_from_db()
    assert (lot.on_hand, moved.on_hand, moved.location, moved.item_id) == (
        7,
        5,
        church,
        lot.item_id,
    )
    assert (moved.expires_on, moved.received_at) == (lot.expires_on, lot.received_at)
    rows = list(StockMovement.objects.filter(kind="transferred").order_by("lot_id"))
    assert [(r.lot_id, r.on_hand_delta, r.actor) for r in rows] == [
        (lot.pk, -5, organizer),
        (moved.pk, 5, organizer),
    ]
    assert rows[0].reason == rows[1].reason
    assert "to lot" in rows[0].reason and "Church" in rows[0].reason and "van run" in rows[0].reason
    assert_books_balance()


def test_it_leaves_reserved_units_and_says_how_many_can_move():
    rice = ItemFactory.create(max_per_household=10)
    lot = stocked_lot(rice, quantity=10)
    allocated_request(rice, 4)
    church = LocationFactory.create()
    before = row_counts()

    with pytest.raises(ServiceError) as refused:
        services.lot_transfer(lot_id=lot.pk, to_location=church, quantity=7)

    assert refused.value.kind == Kind.CONFLICT
    assert str(refused.value) == (
        "Only 6 can come off this lot: 10 on hand, 4 of them reserved for requests."
    )
    assert row_counts() == before  # no empty lot left behind at the church
    services.lot_transfer(lot_id=lot.pk, to_location=church, quantity=6)
    lot.refresh_from_db()
    assert (lot.on_hand, lot.reserved) == (4, 4)
    assert_books_balance()


def test_it_refuses_a_move_to_the_same_or_a_closed_location():
    lot = stocked_lot(quantity=3)
    closed = LocationFactory.create(active=False)

    for to, message in [
        (lot.location, services.TRANSFER_SAME_LOCATION),
        (closed, services.INACTIVE_LOCATION),
    ]:
        with pytest.raises(ServiceError) as refused:
            services.lot_transfer(lot_id=lot.pk, to_location=to, quantity=1)
        assert refused.value.message is message
    assert StockLot.objects.count() == 1


def test_the_lot_page_moves_units(organizer: User):
    lot = stocked_lot(ItemFactory.create(name="Rice"), quantity=12)
    church = LocationFactory.create(name="Church")
    client = page_client(organizer)

    page = client.get(f"/inventory/lots/{lot.pk}/").content.decode()
    assert "Move units to another location" in page and "Church" in page
    response = client.post(
        f"/inventory/lots/{lot.pk}/transfer/",
        {"to_location": church.pk, "quantity": "5", "reason": ""},
        follow=True,
    )

    moved = StockLot.objects.get(location=church)
    assert f"Moved 5 to Church (lot #{moved.pk})." in response.content.decode()
    assert moved.on_hand == 5


def test_the_lot_page_says_why_a_move_was_refused(organizer: User):
    lot = stocked_lot(quantity=12)
    church = LocationFactory.create()

    response = page_client(organizer).post(
        f"/inventory/lots/{lot.pk}/transfer/", {"to_location": church.pk, "quantity": "100"}
    )

    assert response.status_code == 200
    assert field_errors(response, "id_quantity") == ["Only 12 on hand in this lot."]
    assert StockLot.objects.count() == 1


def test_only_organizers_move_stock(driver: User):
    lot = stocked_lot(quantity=12)
    data = {"to_location": LocationFactory.create().pk, "quantity": "1"}
    before = row_counts()

    assert page_client(driver).post(f"/inventory/lots/{lot.pk}/transfer/", data).status_code == 403
    anonymous = page_client(None).post(f"/inventory/lots/{lot.pk}/transfer/", data)
    assert anonymous["Location"].startswith(LOGIN)
    assert row_counts() == before
