"""Stock services: guards, refusal messages, and refusals that write nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from inventory import services
from inventory.models import Donation, DonationLine, StockLot, StockMovement
from inventory.selectors import ledger_mismatches
from inventory.services import DonationLineInput, StockError
from mutualaid.timeutil import local_today
from tests.inventory.factories import ItemFactory, LocationFactory, stocked_lot

pytestmark = pytest.mark.django_db


def _state(lot: StockLot) -> tuple[int, int, int]:
    """(on hand, reserved, ledger rows) of a lot, read fresh from the database."""
    lot.refresh_from_db()
    return lot.on_hand, lot.reserved, lot.movements.count()


def _refused(message: str, call, *args, **kwargs) -> StockError:
    with pytest.raises(StockError) as excinfo:
        call(*args, **kwargs)
    assert excinfo.value.message == message
    assert str(excinfo.value) == message
    return excinfo.value


# Reserve ---------------------------------------------------------------------------------


def test_it_reserves_up_to_what_is_available_and_no_more():
    lot = stocked_lot(quantity=10)

    services.lot_reserve(lot_id=lot.pk, quantity=6, reason="request A")
    services.lot_reserve(lot_id=lot.pk, quantity=4, reason="request B")
    before = _state(lot)
    error = _refused(services.NOT_ENOUGH_AVAILABLE, services.lot_reserve, lot_id=lot.pk, quantity=1)

    assert error.field == "quantity"
    assert before == (10, 10, 3)
    assert _state(lot) == before


def test_it_refuses_a_single_reservation_larger_than_the_lot():
    lot = stocked_lot(quantity=5)

    _refused(services.NOT_ENOUGH_AVAILABLE, services.lot_reserve, lot_id=lot.pk, quantity=6)

    assert _state(lot) == (5, 0, 1)


def test_it_records_who_and_why_on_each_ledger_row(organizer):
    lot = stocked_lot(quantity=5)

    movement = services.lot_reserve(lot_id=lot.pk, quantity=2, reason="request 7", actor=organizer)

    assert (movement.kind, movement.on_hand_delta, movement.reserved_delta) == ("reserved", 0, 2)
    assert (movement.actor, movement.reason) == (organizer, "request 7")


@pytest.mark.parametrize("quantity", [0, -1, -50])
@pytest.mark.parametrize(
    "call",
    [services.lot_reserve, services.lot_release, services.lot_consume, services.lot_spoil],
    ids=["reserve", "release", "consume", "spoil"],
)
def test_it_refuses_quantities_below_one(call, quantity: int):
    lot = stocked_lot(quantity=5)
    services.lot_reserve(lot_id=lot.pk, quantity=2)
    before = _state(lot)

    error = _refused(services.QUANTITY_NOT_POSITIVE, call, lot_id=lot.pk, quantity=quantity)

    assert error.field == "quantity"
    assert _state(lot) == before


@pytest.mark.parametrize(
    "call, kwargs",
    [
        (services.lot_reserve, {"quantity": 1}),
        (services.lot_release, {"quantity": 1}),
        (services.lot_consume, {"quantity": 1}),
        (services.lot_adjust, {"delta": 1, "reason": "recount"}),
        (services.lot_spoil, {"quantity": 1}),
        (services.lot_spoil, {}),
    ],
    ids=["reserve", "release", "consume", "adjust", "spoil some", "spoil all"],
)
def test_it_says_so_when_the_lot_does_not_exist(call, kwargs):
    error = _refused(services.LOT_NOT_FOUND, call, lot_id=424_242, **kwargs)

    assert error.field == "lot"
    assert StockMovement.objects.count() == 0


# Release and consume ---------------------------------------------------------------------


def test_it_releases_reserved_units_back_to_available():
    lot = stocked_lot(quantity=8)
    services.lot_reserve(lot_id=lot.pk, quantity=5)

    services.lot_release(lot_id=lot.pk, quantity=3, reason="request cancelled")

    assert _state(lot) == (8, 2, 3)
    assert lot.available == 6


def test_it_refuses_to_release_more_than_is_reserved():
    lot = stocked_lot(quantity=8)
    services.lot_reserve(lot_id=lot.pk, quantity=2)
    before = _state(lot)

    _refused(services.NOT_ENOUGH_RESERVED, services.lot_release, lot_id=lot.pk, quantity=3)

    assert _state(lot) == before


def test_it_consumes_reserved_units_off_the_shelf():
    lot = stocked_lot(quantity=8)
    services.lot_reserve(lot_id=lot.pk, quantity=5)

    movement = services.lot_consume(lot_id=lot.pk, quantity=5, reason="delivered")

    assert (movement.kind, movement.on_hand_delta, movement.reserved_delta) == (
        "distributed",
        -5,
        -5,
    )
    assert _state(lot) == (3, 0, 3)


def test_it_refuses_to_consume_units_that_were_never_reserved():
    lot = stocked_lot(quantity=8)
    services.lot_reserve(lot_id=lot.pk, quantity=1)
    before = _state(lot)

    _refused(services.NOT_ENOUGH_RESERVED, services.lot_consume, lot_id=lot.pk, quantity=2)

    assert _state(lot) == before


# Adjust ----------------------------------------------------------------------------------


def test_it_adjusts_the_count_after_a_recount():
    lot = stocked_lot(quantity=10)

    services.lot_adjust(lot_id=lot.pk, delta=-3, reason="recount: three cans dented")
    services.lot_adjust(lot_id=lot.pk, delta=5, reason="found a box")

    assert _state(lot) == (12, 0, 3)
    assert ledger_mismatches() == []


def test_it_refuses_an_adjustment_that_changes_nothing():
    lot = stocked_lot(quantity=10)

    _refused(services.ADJUSTMENT_ZERO, services.lot_adjust, lot_id=lot.pk, delta=0, reason="x")

    assert _state(lot) == (10, 0, 1)


@pytest.mark.parametrize("reason", ["", "   "])
def test_it_refuses_an_adjustment_without_a_reason(reason: str):
    lot = stocked_lot(quantity=10)

    error = _refused(
        services.REASON_REQUIRED, services.lot_adjust, lot_id=lot.pk, delta=-1, reason=reason
    )

    assert error.field == "reason"
    assert _state(lot) == (10, 0, 1)


def test_it_refuses_to_adjust_below_what_is_reserved():
    lot = stocked_lot(quantity=10)
    services.lot_reserve(lot_id=lot.pk, quantity=4)

    _refused(
        services.ADJUSTMENT_BELOW_RESERVED,
        services.lot_adjust,
        lot_id=lot.pk,
        delta=-7,
        reason="recount",
    )
    services.lot_adjust(lot_id=lot.pk, delta=-6, reason="recount")

    assert _state(lot) == (4, 4, 3)


def test_it_refuses_to_adjust_below_zero():
    lot = stocked_lot(quantity=3)

    _refused(
        services.ADJUSTMENT_BELOW_RESERVED,
        services.lot_adjust,
        lot_id=lot.pk,
        delta=-4,
        reason="recount",
    )

    assert _state(lot) == (3, 0, 1)


# Spoil -----------------------------------------------------------------------------------


def test_it_spoils_only_unreserved_units():
    lot = stocked_lot(quantity=10)
    services.lot_reserve(lot_id=lot.pk, quantity=4)

    movement = services.lot_spoil(lot_id=lot.pk)

    assert movement is not None
    assert (movement.kind, movement.on_hand_delta, movement.reason) == ("spoiled", -6, "spoiled")
    assert _state(lot) == (4, 4, 3)


def test_it_spoils_everything_once_and_then_does_nothing():
    lot = stocked_lot(quantity=10)

    assert services.lot_spoil(lot_id=lot.pk, reason="freezer failed") is not None
    assert services.lot_spoil(lot_id=lot.pk, reason="freezer failed") is None

    assert _state(lot) == (0, 0, 2)


def test_it_refuses_to_spoil_more_than_is_unreserved():
    lot = stocked_lot(quantity=10)
    services.lot_reserve(lot_id=lot.pk, quantity=4)
    before = _state(lot)

    _refused(services.NOT_ENOUGH_AVAILABLE, services.lot_spoil, lot_id=lot.pk, quantity=7)

    assert _state(lot) == before


# Donations -------------------------------------------------------------------------------


def _counts() -> tuple[int, int, int, int]:
    return (
        Donation.objects.count(),
        DonationLine.objects.count(),
        StockLot.objects.count(),
        StockMovement.objects.count(),
    )


def test_it_receives_a_donation_as_one_lot_and_one_ledger_row_per_line(organizer):
    location = LocationFactory.create()
    rice, milk = ItemFactory.create(), ItemFactory.create(perishable=True)
    expires = local_today() + dt.timedelta(days=3)

    donation = services.donation_receive(
        location=location,
        donor="Corner shop",
        received_by=organizer,
        lines=[DonationLineInput(rice, 20), DonationLineInput(milk, 6, expires)],
    )

    lots = StockLot.objects.filter(donation_line__donation=donation).order_by("id")
    assert [(lot.item, lot.location, lot.expires_on, lot.on_hand) for lot in lots] == [
        (rice, location, None, 20),
        (milk, location, expires, 6),
    ]
    movements = StockMovement.objects.order_by("id")
    assert [(m.kind, m.on_hand_delta, m.actor) for m in movements] == [
        ("received", 20, organizer),
        ("received", 6, organizer),
    ]
    assert {m.reason for m in movements} == {f"donation #{donation.pk}"}


def test_it_accepts_an_expiry_date_of_today():
    item = ItemFactory.create(perishable=True)

    services.donation_receive(
        location=LocationFactory.create(), lines=[DonationLineInput(item, 1, local_today())]
    )

    assert _counts() == (1, 1, 1, 1)


@pytest.mark.parametrize(
    "case, message, field",
    [
        ("zero quantity", services.QUANTITY_NOT_POSITIVE, "quantity"),
        ("inactive item", services.INACTIVE_ITEM, "item"),
        ("perishable without expiry", services.PERISHABLE_NEEDS_EXPIRY, "expires_on"),
        ("expired", services.EXPIRY_IN_PAST, "expires_on"),
    ],
)
def test_it_writes_nothing_when_one_line_is_bad(case: str, message: str, field: str):
    good = DonationLineInput(ItemFactory.create(), 5)
    yesterday = local_today() - dt.timedelta(days=1)
    bad = {
        "zero quantity": DonationLineInput(ItemFactory.create(), 0),
        "inactive item": DonationLineInput(ItemFactory.create(active=False), 3),
        "perishable without expiry": DonationLineInput(ItemFactory.create(perishable=True), 3),
        "expired": DonationLineInput(ItemFactory.create(), 3, yesterday),
    }[case]

    error = _refused(
        message,
        services.donation_receive,
        location=LocationFactory.create(),
        lines=[good, good, bad],
    )

    assert (error.field, error.index) == (field, 2)
    assert _counts() == (0, 0, 0, 0)


def test_it_refuses_a_donation_without_lines():
    error = _refused(
        services.NO_LINES, services.donation_receive, location=LocationFactory.create(), lines=[]
    )

    assert error.field == "lines"
    assert _counts() == (0, 0, 0, 0)


def test_it_refuses_a_donation_at_a_closed_location():
    error = _refused(
        services.INACTIVE_LOCATION,
        services.donation_receive,
        location=LocationFactory.create(active=False),
        lines=[DonationLineInput(ItemFactory.create(), 5)],
    )

    assert error.field == "location"
    assert _counts() == (0, 0, 0, 0)
