"""The stock ledger and the lots agree after any sequence of stock changes.

A Hypothesis state machine drives receive/reserve/release/consume/adjust/spoil through the
real services against a simple model of each lot. Refusals are allowed, but must write
nothing. After every step the lots match the model and the ledger, and `check_ledger`
passes. Each example runs inside a savepoint that is rolled back, so examples never see
each other's rows.
"""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction
from django.db.models import F
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from inventory import services
from inventory.models import Item, Location, StockLot, StockMovement
from inventory.selectors import ledger_mismatches
from inventory.services import DonationLineInput, StockError
from inventory.tasks import ledger_audit
from tests.inventory.factories import ItemFactory, LocationFactory, stocked_lot


class StockLedgerMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        self.item: Item = ItemFactory.create()
        self.location: Location = LocationFactory.create()
        # lot id -> (on hand, reserved) as the services promise them
        self.model: dict[int, tuple[int, int]] = {}

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    def _lot(self, data: st.DataObject) -> tuple[int, int, int]:
        lot_id = data.draw(st.sampled_from(sorted(self.model)), label="lot")
        return lot_id, *self.model[lot_id]

    @staticmethod
    def _quantity(data: st.DataObject, limit: int) -> int:
        """Half the time a quantity that fits, else one at an edge: 0, limit, limit + 1."""
        fits = st.integers(min_value=1, max_value=max(limit, 1))
        edges = st.sampled_from([0, limit, limit + 1])
        return data.draw(fits | edges, label="quantity")

    def _apply(self, lot_id: int, call, on_hand_delta: int, reserved_delta: int, **kw) -> None:
        """Call a service; expect success exactly when the model allows the change."""
        on_hand, reserved = self.model[lot_id]
        new_on_hand, new_reserved = on_hand + on_hand_delta, reserved + reserved_delta
        allowed = 0 <= new_reserved <= new_on_hand and (on_hand_delta or reserved_delta)
        rows_before = StockMovement.objects.count()
        try:
            call(lot_id=lot_id, **kw)
        except StockError:
            assert not allowed, f"{call.__name__}{kw} refused on lot {on_hand}/{reserved}"
            assert StockMovement.objects.count() == rows_before
        else:
            assert allowed, f"{call.__name__}{kw} accepted on lot {on_hand}/{reserved}"
            assert StockMovement.objects.count() == rows_before + 1
            self.model[lot_id] = (new_on_hand, new_reserved)

    @initialize(data=st.data())
    def a_partly_reserved_lot(self, data: st.DataObject) -> None:
        on_hand = data.draw(st.integers(min_value=1, max_value=12), label="on hand")
        reserved = data.draw(st.integers(min_value=0, max_value=on_hand), label="reserved")
        lot = stocked_lot(self.item, quantity=on_hand)
        if reserved:
            services.lot_reserve(lot_id=lot.pk, quantity=reserved)
        self.model[lot.pk] = (on_hand, reserved)

    @rule(quantities=st.lists(st.integers(min_value=1, max_value=12), min_size=1, max_size=2))
    def receive(self, quantities: list[int]) -> None:
        donation = services.donation_receive(
            location=self.location, lines=[DonationLineInput(self.item, q) for q in quantities]
        )
        lots = StockLot.objects.filter(donation_line__donation=donation).order_by("id")
        for lot, quantity in zip(lots, quantities, strict=True):
            self.model[lot.pk] = (quantity, 0)

    @rule(good=st.integers(min_value=1, max_value=12), bad=st.integers(min_value=-1, max_value=0))
    def receive_a_bad_line(self, good: int, bad: int) -> None:
        lines = [DonationLineInput(self.item, good), DonationLineInput(self.item, bad)]
        lots_before = StockLot.objects.count()
        with pytest.raises(StockError):
            services.donation_receive(location=self.location, lines=lines)
        assert StockLot.objects.count() == lots_before

    @precondition(lambda self: self.model)
    @rule(data=st.data())
    def reserve(self, data: st.DataObject) -> None:
        lot_id, on_hand, reserved = self._lot(data)
        quantity = self._quantity(data, on_hand - reserved)
        self._apply(lot_id, services.lot_reserve, 0, max(quantity, 0), quantity=quantity)

    @precondition(lambda self: self.model)
    @rule(data=st.data())
    def release(self, data: st.DataObject) -> None:
        lot_id, _on_hand, reserved = self._lot(data)
        quantity = self._quantity(data, reserved)
        self._apply(lot_id, services.lot_release, 0, -max(quantity, 0), quantity=quantity)

    @precondition(lambda self: self.model)
    @rule(data=st.data())
    def consume(self, data: st.DataObject) -> None:
        lot_id, _on_hand, reserved = self._lot(data)
        quantity = self._quantity(data, reserved)
        delta = max(quantity, 0)
        self._apply(lot_id, services.lot_consume, -delta, -delta, quantity=quantity)

    @precondition(lambda self: self.model)
    @rule(data=st.data(), grow=st.booleans())
    def adjust(self, data: st.DataObject, grow: bool) -> None:
        lot_id, on_hand, reserved = self._lot(data)
        quantity = self._quantity(data, 10 if grow else on_hand - reserved)
        delta = quantity if grow else -quantity
        self._apply(lot_id, services.lot_adjust, delta, 0, delta=delta, reason="recount")

    @precondition(lambda self: self.model)
    @rule(data=st.data())
    def spoil_some(self, data: st.DataObject) -> None:
        lot_id, on_hand, reserved = self._lot(data)
        quantity = self._quantity(data, on_hand - reserved)
        self._apply(lot_id, services.lot_spoil, -max(quantity, 0), 0, quantity=quantity)

    @precondition(lambda self: self.model)
    @rule(data=st.data())
    def spoil_all(self, data: st.DataObject) -> None:
        lot_id, on_hand, reserved = self._lot(data)
        rows_before = StockMovement.objects.count()
        movement = services.lot_spoil(lot_id=lot_id)
        if on_hand == reserved:
            assert movement is None
            assert StockMovement.objects.count() == rows_before
        else:
            assert movement is not None and movement.on_hand_delta == reserved - on_hand
            self.model[lot_id] = (reserved, reserved)

    @invariant()
    def lots_match_the_model(self) -> None:
        lots = StockLot.objects.values_list("pk", "on_hand", "reserved")
        assert {pk: (on_hand, reserved) for pk, on_hand, reserved in lots} == self.model

    @invariant()
    def ledger_agrees(self) -> None:
        assert ledger_mismatches() == []
        call_command("check_ledger", stdout=io.StringIO(), stderr=io.StringIO())


@pytest.mark.django_db
def test_it_keeps_the_ledger_and_the_lots_in_agreement():
    run_state_machine_as_test(
        StockLedgerMachine,
        settings=settings(
            max_examples=40,
            stateful_step_count=12,
            deadline=None,
            database=None,
            # Shrinking a failure here takes minutes; the unshrunk run (at most 12 steps)
            # is printed anyway. Add Phase.shrink locally to minimise one.
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )


# The database is the backstop when code bypasses the services -----------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "change",
    [
        {"on_hand": -1},
        {"reserved": -1},
        {"reserved": 11},
        {"on_hand": 3, "reserved": 4},
    ],
    ids=["negative on hand", "negative reserved", "reserved over on hand", "on hand under"],
)
def test_it_refuses_impossible_counts_even_without_the_services(change: dict[str, int]):
    lot = stocked_lot(quantity=10)

    with pytest.raises(IntegrityError), transaction.atomic():
        StockLot.objects.filter(pk=lot.pk).update(**change)

    lot.refresh_from_db()
    assert (lot.on_hand, lot.reserved) == (10, 0)
    assert ledger_mismatches() == []


@pytest.mark.django_db
def test_it_refuses_to_reserve_past_on_hand_with_a_raw_f_update():
    lot = stocked_lot(quantity=2)

    with pytest.raises(IntegrityError), transaction.atomic():
        StockLot.objects.filter(pk=lot.pk).update(reserved=F("reserved") + 3)

    lot.refresh_from_db()
    assert lot.reserved == 0


# check_ledger ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_it_reports_a_clean_ledger():
    lot = stocked_lot(quantity=10)
    services.lot_reserve(lot_id=lot.pk, quantity=4)
    out = io.StringIO()

    call_command("check_ledger", stdout=out, stderr=io.StringIO())

    assert "ledger OK: 1 lots agree with 2 movements" in out.getvalue()


@pytest.mark.django_db
def test_it_names_a_tampered_lot_and_exits_1():
    honest = stocked_lot(quantity=10)
    tampered = stocked_lot(quantity=10)
    # Valid for the constraints, invisible to the ledger: someone took two units by hand.
    StockLot.objects.filter(pk=tampered.pk).update(on_hand=F("on_hand") - 2, reserved=1)
    err = io.StringIO()

    with pytest.raises(CommandError) as excinfo:
        call_command("check_ledger", stdout=io.StringIO(), stderr=err)

    assert excinfo.value.returncode == 1
    assert "1 lot(s) disagree" in str(excinfo.value)
    assert err.getvalue().strip() == (
        f"lot {tampered.pk}: on hand 8 but ledger says 10; reserved 1 but ledger says 0"
    )
    assert f"lot {honest.pk}:" not in err.getvalue()
    assert ledger_audit() == 1
