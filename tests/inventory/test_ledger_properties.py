"""The stock ledger and the lots agree after any sequence of stock changes.

A Hypothesis state machine drives the one stock-change path exactly as production does:
`lots_change` for the allocator's reserve, delivery's consume and the releases (one lot
or several at once), `lot_adjust` and `lots_spoil` as the lot page and the expiry job
call them, and `donation_receive`, against a simple model of each lot. Refusals are
allowed, but must write nothing and say what is wrong. After every step the lots match
the model and the ledger, and inventory's ledger check passes (`check_ledger` and the audit,
which also tie lots to allocations, are tested in tests/household_requests/test_audit.py).
Each example runs inside a savepoint
that is rolled back, so examples never see each other's rows.
"""

from __future__ import annotations

import pytest
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
from inventory.services import DonationLineInput
from mutualaid.errors import ServiceError
from tests.inventory.factories import ItemFactory, LocationFactory, reserve, stocked_lot

Kind = StockMovement.Kind


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

    def _lots(self, data: st.DataObject) -> list[int]:
        """One lot, or a few at once as the allocator and the delivery change them."""
        ids = st.sampled_from(sorted(self.model))
        return data.draw(st.lists(ids, min_size=1, max_size=3, unique=True), label="lots")

    @staticmethod
    def _quantity(data: st.DataObject, limit: int) -> int:
        """Half the time a quantity that fits, else one at an edge: 0, limit, limit + 1."""
        fits = st.integers(min_value=1, max_value=max(limit, 1))
        edges = st.sampled_from([0, limit, limit + 1])
        return data.draw(fits | edges, label="quantity")

    def _expect(self, call, changes: dict[int, tuple[int, int]], **kw) -> None:
        """Call a service; expect success exactly when the model allows every change,
        and then one ledger row per lot changed; a refusal writes nothing."""
        after = {
            lot_id: (self.model[lot_id][0] + d_on_hand, self.model[lot_id][1] + d_reserved)
            for lot_id, (d_on_hand, d_reserved) in changes.items()
        }
        allowed = all(0 <= reserved <= on_hand for on_hand, reserved in after.values()) and all(
            any(delta) for delta in changes.values()
        )
        rows_before = StockMovement.objects.count()
        try:
            call(**kw)
        except ServiceError:
            assert not allowed, f"{call.__name__}{kw} refused on {self.model}"
            assert StockMovement.objects.count() == rows_before
        else:
            assert allowed, f"{call.__name__}{kw} accepted on {self.model}"
            assert StockMovement.objects.count() == rows_before + len(changes)
            self.model.update(after)

    def _change_many(self, data: st.DataObject, kind: StockMovement.Kind) -> None:
        unit_on_hand, unit_reserved = services.UNIT_CHANGE[kind]
        quantities: dict[int, int] = {}
        for lot_id in self._lots(data):
            on_hand, reserved = self.model[lot_id]
            limit = on_hand - reserved if kind == Kind.RESERVED else reserved
            quantities[lot_id] = self._quantity(data, limit)
        changes = {
            lot_id: (unit_on_hand * q, unit_reserved * q) if q > 0 else (0, 0)
            for lot_id, q in quantities.items()
        }
        self._expect(services.lots_change, changes, kind=kind, quantities=quantities)

    @initialize(data=st.data())
    def a_partly_reserved_lot(self, data: st.DataObject) -> None:
        on_hand = data.draw(st.integers(min_value=1, max_value=12), label="on hand")
        reserved = data.draw(st.integers(min_value=0, max_value=on_hand), label="reserved")
        lot = stocked_lot(self.item, quantity=on_hand)
        if reserved:
            reserve(lot, reserved)
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
        with pytest.raises(ServiceError):
            services.donation_receive(location=self.location, lines=lines)
        assert StockLot.objects.count() == lots_before

    @precondition(lambda self: self.model)
    @rule(data=st.data())
    def allocator_reserves(self, data: st.DataObject) -> None:
        self._change_many(data, Kind.RESERVED)

    @precondition(lambda self: self.model)
    @rule(data=st.data())
    def cancellation_releases(self, data: st.DataObject) -> None:
        self._change_many(data, Kind.RELEASED)

    @precondition(lambda self: self.model)
    @rule(data=st.data())
    def delivery_consumes(self, data: st.DataObject) -> None:
        self._change_many(data, Kind.DISTRIBUTED)

    @precondition(lambda self: self.model)
    @rule(data=st.data(), grow=st.booleans())
    def organizer_adjusts(self, data: st.DataObject, grow: bool) -> None:
        lot_id = data.draw(st.sampled_from(sorted(self.model)), label="lot")
        on_hand, reserved = self.model[lot_id]
        limit = 10 if grow else data.draw(st.sampled_from([on_hand - reserved, on_hand]))
        delta = self._quantity(data, limit) * (1 if grow else -1)
        try:
            services.lot_adjust(lot_id=lot_id, delta=delta, reason="recount")
        except ServiceError as error:
            # The refusal names what is actually wrong, with the lot's counts.
            numbers = {"on_hand": on_hand, "reserved": reserved, "available": on_hand - reserved}
            expected = (
                services.ADJUSTMENT_ZERO
                if delta == 0
                else services.NOT_ENOUGH_ON_HAND % numbers
                if on_hand + delta < 0
                else services.ON_HAND_BELOW_RESERVED % numbers
            )
            assert str(error) == str(expected), (on_hand, reserved, delta, str(error))
            assert on_hand + delta < reserved or delta == 0
        else:
            assert delta != 0 and on_hand + delta >= reserved
            self.model[lot_id] = (on_hand + delta, reserved)

    @precondition(lambda self: self.model)
    @rule(data=st.data())
    def expiry_spoils(self, data: st.DataObject) -> None:
        lot_ids = self._lots(data)
        rows_before = StockMovement.objects.count()
        spoiled = services.lots_spoil(lot_ids=lot_ids)
        unreserved = {pk: self.model[pk][0] - self.model[pk][1] for pk in lot_ids}
        assert spoiled == sum(unreserved.values())
        assert StockMovement.objects.count() == rows_before + sum(
            1 for n in unreserved.values() if n
        )
        for pk in lot_ids:
            self.model[pk] = (self.model[pk][1], self.model[pk][1])

    @invariant()
    def lots_match_the_model(self) -> None:
        lots = StockLot.objects.values_list("pk", "on_hand", "reserved")
        assert {pk: (on_hand, reserved) for pk, on_hand, reserved in lots} == self.model

    @invariant()
    def ledger_agrees(self) -> None:
        assert ledger_mismatches() == []


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
