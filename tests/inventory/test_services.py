"""The one stock-change path: its guard, its messages, and refusals that write nothing."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.db.transaction import TransactionManagementError

from inventory import services
from inventory.models import StockLot, StockMovement
from inventory.selectors import ledger_mismatches
from mutualaid.errors import Kind, ServiceError
from tests.inventory.factories import reserve, stocked_lot
from tests.querycount import count_queries

pytestmark = pytest.mark.django_db

RESERVED = StockMovement.Kind.RESERVED
RELEASED = StockMovement.Kind.RELEASED
DISTRIBUTED = StockMovement.Kind.DISTRIBUTED
ADJUSTED = StockMovement.Kind.ADJUSTED


def _state(lot: StockLot) -> tuple[int, int, int]:
    """(on hand, reserved, ledger rows) of a lot, read fresh from the database."""
    lot.refresh_from_db()
    return lot.on_hand, lot.reserved, lot.movements.count()


def _refused(message: object, call, **kwargs) -> ServiceError:
    with pytest.raises(ServiceError) as excinfo:
        call(**kwargs)
    # A constant message, or the text a guard's refusal says with the lot's counts.
    assert excinfo.value.message is message or str(excinfo.value) == message
    return excinfo.value


def _change(kind: StockMovement.Kind, lot: StockLot, quantity: int) -> None:
    services.lots_change(kind=kind, quantities={lot.pk: quantity})


# Reserve ---------------------------------------------------------------------------------


def test_it_reserves_up_to_what_is_available_and_no_more():
    lot = stocked_lot(quantity=10)

    _change(RESERVED, lot, 6)
    _change(RESERVED, lot, 4)
    before = _state(lot)
    error = _refused(
        "Only 0 unreserved in this lot (10 on hand, 10 reserved).",
        services.lots_change,
        kind=RESERVED,
        quantities={lot.pk: 1},
    )

    assert (error.kind, error.field) == (Kind.CONFLICT, "quantity")
    assert before == (10, 10, 3)
    assert _state(lot) == before


def test_it_changes_many_lots_all_or_nothing():
    roomy, small = stocked_lot(quantity=10), stocked_lot(quantity=2)

    _refused(
        "Only 2 unreserved in this lot (2 on hand, 0 reserved).",
        services.lots_change,
        kind=RESERVED,
        quantities={roomy.pk: 2, small.pk: 3},
    )
    assert (_state(roomy), _state(small)) == ((10, 0, 1), (2, 0, 1))

    services.lots_change(kind=RESERVED, quantities={roomy.pk: 2, small.pk: 2}, reason="req 9")
    assert (_state(roomy), _state(small)) == ((10, 2, 2), (2, 2, 2))


def test_it_writes_one_ledger_row_per_lot_with_who_and_why(organizer: User):
    lots = [stocked_lot(quantity=5) for _ in range(3)]

    services.lots_change(
        kind=RESERVED, quantities={lot.pk: 2 for lot in lots}, reason="request 7", actor=organizer
    )

    rows = StockMovement.objects.filter(kind="reserved").order_by("lot_id")
    assert [(m.lot_id, m.on_hand_delta, m.reserved_delta) for m in rows] == [
        (lot.pk, 0, 2) for lot in lots
    ]
    assert {(m.actor, m.reason) for m in rows} == {(organizer, "request 7")}


def test_it_changes_any_number_of_lots_with_the_same_number_of_queries():
    few = [stocked_lot(quantity=5) for _ in range(2)]
    many = [stocked_lot(quantity=5) for _ in range(20)]

    def reserve_one_of_each(lots: list[StockLot]) -> int:
        quantities = {lot.pk: 1 for lot in lots}
        return count_queries(
            lambda: services.lots_change(kind=RESERVED, quantities=quantities), warm=False
        )

    assert reserve_one_of_each(few) == reserve_one_of_each(many)
    assert ledger_mismatches() == []


@pytest.mark.parametrize("quantity", [0, -1, -50])
@pytest.mark.parametrize("kind", [RESERVED, RELEASED, DISTRIBUTED], ids=str)
def test_it_refuses_quantities_below_one(kind: StockMovement.Kind, quantity: int):
    lot = stocked_lot(quantity=5)
    reserve(lot, 2)
    before = _state(lot)

    error = _refused(
        services.QUANTITY_NOT_POSITIVE,
        services.lots_change,
        kind=kind,
        quantities={lot.pk: quantity},
    )

    assert (error.kind, error.field) == (Kind.INVALID, "quantity")
    assert _state(lot) == before


@pytest.mark.parametrize(
    "call, kwargs",
    [
        (services.lots_change, {"kind": RESERVED, "quantities": {424_242: 1}}),
        (services.lots_change, {"kind": RELEASED, "quantities": {424_242: 1}}),
        (services.lots_change, {"kind": DISTRIBUTED, "quantities": {424_242: 1}}),
        (services.lot_adjust, {"lot_id": 424_242, "delta": 1, "reason": "recount"}),
        (services.lots_spoil, {"lot_ids": [424_242]}),
    ],
    ids=["reserve", "release", "consume", "adjust", "spoil"],
)
def test_it_says_so_when_the_lot_does_not_exist(call, kwargs):
    stocked_lot(quantity=5)

    error = _refused(services.LOT_NOT_FOUND, call, **kwargs)

    assert (error.kind, error.field) == (Kind.INVALID, "lot")
    assert StockMovement.objects.count() == 1


# Release and consume ---------------------------------------------------------------------


def test_it_releases_reserved_units_back_to_available():
    lot = stocked_lot(quantity=8)
    reserve(lot, 5)

    _change(RELEASED, lot, 3)

    assert _state(lot) == (8, 2, 3)
    assert lot.available == 6


def test_it_refuses_to_release_more_than_is_reserved():
    lot = stocked_lot(quantity=8)
    reserve(lot, 2)
    before = _state(lot)

    error = _refused(
        "Only 2 reserved in this lot.", services.lots_change, kind=RELEASED, quantities={lot.pk: 3}
    )

    assert error.kind == Kind.CONFLICT
    assert _state(lot) == before


def test_it_consumes_reserved_units_off_the_shelf():
    lot = stocked_lot(quantity=8)
    reserve(lot, 5)

    services.lots_change(kind=DISTRIBUTED, quantities={lot.pk: 5}, reason="delivered")

    movement = StockMovement.objects.latest("id")
    assert (movement.kind, movement.on_hand_delta, movement.reserved_delta) == (
        "distributed",
        -5,
        -5,
    )
    assert _state(lot) == (3, 0, 3)


def test_it_refuses_to_consume_units_that_were_never_reserved():
    lot = stocked_lot(quantity=8)
    reserve(lot, 1)
    before = _state(lot)

    _refused(
        "Only 1 reserved in this lot.",
        services.lots_change,
        kind=DISTRIBUTED,
        quantities={lot.pk: 2},
    )

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

    error = _refused(
        services.ADJUSTMENT_ZERO, services.lot_adjust, lot_id=lot.pk, delta=0, reason="x"
    )

    assert (error.kind, error.field) == (Kind.INVALID, "quantity")
    assert _state(lot) == (10, 0, 1)


@pytest.mark.parametrize("reason", ["", "   "])
def test_it_refuses_an_adjustment_without_a_reason(reason: str):
    lot = stocked_lot(quantity=10)

    error = _refused(
        services.REASON_REQUIRED, services.lot_adjust, lot_id=lot.pk, delta=-1, reason=reason
    )

    assert (error.kind, error.field) == (Kind.INVALID, "reason")
    assert _state(lot) == (10, 0, 1)


def test_it_refuses_to_adjust_below_what_is_reserved():
    lot = stocked_lot(quantity=10)
    reserve(lot, 4)

    error = _refused(
        "Only 6 can come off this lot: 10 on hand, 4 of them reserved for requests.",
        services.lot_adjust,
        lot_id=lot.pk,
        delta=-7,
        reason="recount",
    )
    services.lot_adjust(lot_id=lot.pk, delta=-6, reason="recount")

    assert (error.kind, error.field) == (Kind.CONFLICT, "quantity")
    assert _state(lot) == (4, 4, 3)


def test_it_says_the_lot_holds_too_few_when_nothing_is_reserved():
    lot = stocked_lot(quantity=12)

    error = _refused(
        "Only 12 on hand in this lot.", services.lot_adjust, lot_id=lot.pk, delta=-100, reason="x"
    )

    assert str(error) == "Only 12 on hand in this lot."
    assert "reserved" not in str(error)
    assert _state(lot) == (12, 0, 1)


# Spoil -----------------------------------------------------------------------------------


def test_it_spoils_only_unreserved_units():
    lot = stocked_lot(quantity=10)
    reserve(lot, 4)

    assert services.lots_spoil(lot_ids=[lot.pk]) == 6

    movement = StockMovement.objects.latest("id")
    assert (movement.kind, movement.on_hand_delta, movement.reason) == ("spoiled", -6, "spoiled")
    assert _state(lot) == (4, 4, 3)


def test_it_spoils_everything_once_and_then_does_nothing():
    lot = stocked_lot(quantity=10)

    assert services.lots_spoil(lot_ids=[lot.pk], reason="freezer failed") == 10
    assert services.lots_spoil(lot_ids=[lot.pk], reason="freezer failed") == 0

    assert _state(lot) == (0, 0, 2)


def test_it_spoils_many_lots_at_once_and_skips_the_empty_ones():
    full, promised, empty = (stocked_lot(quantity=n) for n in (5, 3, 2))
    reserve(promised, 3)
    services.lots_spoil(lot_ids=[empty.pk])

    assert services.lots_spoil(lot_ids=[full.pk, promised.pk, empty.pk], reason="flood") == 5

    assert [_state(lot) for lot in (full, promised, empty)] == [(0, 0, 2), (3, 3, 2), (0, 0, 2)]
    assert ledger_mismatches() == []


@pytest.mark.django_db(transaction=True)
def test_it_refuses_to_change_stock_outside_a_transaction():
    lot = stocked_lot(quantity=5)

    with pytest.raises(TransactionManagementError):
        _change(RESERVED, lot, 1)

    assert _state(lot) == (5, 0, 1)
