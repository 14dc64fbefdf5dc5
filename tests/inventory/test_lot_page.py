"""The lot page: recount adjustments and marking unreserved units spoiled."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from inventory import services
from inventory.models import StockLot, StockMovement
from tests.inventory.factories import reserve
from tests.inventory.pages import field_errors, page_client

pytestmark = pytest.mark.django_db


def _counts(lot: StockLot) -> tuple[int, int, int]:
    lot.refresh_from_db()
    return lot.on_hand, lot.reserved, lot.movements.count()


def test_it_adjusts_a_lot_after_a_recount(organizer: User, lot: StockLot):
    client = page_client(organizer)

    response = client.post(
        f"/inventory/lots/{lot.pk}/", {"delta": "-3", "reason": "recount"}, follow=True
    )

    assert response.redirect_chain == [(f"/inventory/lots/{lot.pk}/", 302)]
    lot.refresh_from_db()
    assert lot.on_hand == 7
    movement = StockMovement.objects.latest("id")
    assert (movement.kind, movement.on_hand_delta, movement.reason, movement.actor) == (
        "adjusted",
        -3,
        "recount",
        organizer,
    )
    text = response.content.decode()
    assert "Stock adjusted." in text
    assert "recount" in text


@pytest.mark.parametrize(
    ("data", "reserved", "field", "message"),
    [
        ({"delta": "0", "reason": "recount"}, 0, "id_delta", services.ADJUSTMENT_ZERO),
        ({"delta": "-11", "reason": "recount"}, 0, "id_delta", "Only 10 on hand in this lot."),
        (
            {"delta": "-7", "reason": "recount"},
            4,
            "id_delta",
            "Only 6 can come off this lot: 10 on hand, 4 of them reserved for requests.",
        ),
        ({"delta": "2", "reason": "   "}, 0, "id_reason", "This field is required."),
        ({"delta": "many", "reason": "recount"}, 0, "id_delta", "Enter a whole number."),
    ],
    ids=["zero", "below zero", "below reserved", "no reason", "not a number"],
)
def test_it_shows_why_an_adjustment_was_refused(
    organizer: User, lot: StockLot, data: dict[str, str], reserved: int, field: str, message: str
):
    if reserved:
        reserve(lot, reserved)
    before = _counts(lot)

    response = page_client(organizer).post(f"/inventory/lots/{lot.pk}/", data)

    assert response.status_code == 200
    assert field_errors(response, field) == [str(message)]
    assert _counts(lot) == before


def test_it_marks_unreserved_units_spoiled(organizer: User, lot: StockLot):
    reserve(lot, 4)
    client = page_client(organizer)

    first = client.post(f"/inventory/lots/{lot.pk}/spoil/", {"confirm": "yes"}, follow=True)
    again = client.post(f"/inventory/lots/{lot.pk}/spoil/", {"confirm": "yes"}, follow=True)

    assert first.redirect_chain == [(f"/inventory/lots/{lot.pk}/", 302)]
    assert "6 unreserved unit(s) marked spoiled." in first.content.decode()
    assert "Nothing unreserved left to spoil." in again.content.decode()
    lot.refresh_from_db()
    assert (lot.on_hand, lot.reserved) == (4, 4)
    assert StockMovement.objects.filter(lot=lot, kind="spoiled").count() == 1


def test_it_asks_before_spoiling(organizer: User, lot: StockLot):
    reserve(lot, 4)
    client = page_client(organizer)

    asked = client.get(f"/inventory/lots/{lot.pk}/spoil/")
    unconfirmed = client.post(f"/inventory/lots/{lot.pk}/spoil/")

    text = asked.content.decode()
    assert asked.status_code == 200 and unconfirmed.status_code == 200
    assert "Mark 6 unreserved unit(s) at" in text and "4 reserved unit(s) stay" in text
    assert 'name="confirm" value="yes"' in text
    lot.refresh_from_db()
    assert lot.on_hand == 10
