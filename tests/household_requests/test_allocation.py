"""The allocator: never over-allocates, earliest expiry first, priority order, idempotent."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import pytest
from django.db import transaction
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from household_requests import allocation, services
from household_requests.models import Allocation, HouseholdRequest, RequestLine, RequestStatus
from household_requests.services import LineInput
from inventory.models import Category, Item, StockLot
from inventory.selectors import ledger_mismatches
from mutualaid.timeutil import local_today
from tests.household_requests.factories import contact, make_zone, submit
from tests.inventory.factories import CategoryFactory, ItemFactory, donate
from tests.querycount import count_queries

pytestmark = pytest.mark.django_db


def _lot(item: Item, quantity: int, days: int | None) -> StockLot:
    expires = None if days is None else local_today() + dt.timedelta(days=days)
    donation = donate((item, quantity, expires))
    return StockLot.objects.get(donation_line__donation=donation)


def test_it_fills_the_most_urgent_then_the_oldest_first():
    make_zone()
    rice = ItemFactory.create(max_per_household=10)
    _lot(rice, 5, None)
    old = submit(items=[(rice, 4)]).request
    new = submit(items=[(rice, 4)]).request
    urgent = submit(items=[(rice, 4)]).request
    services.request_set_urgency(request_id=urgent.pk, urgency=2)

    run = allocation.allocate_open_requests()

    allocated = dict(RequestLine.objects.values_list("request_id", "allocated"))
    assert allocated == {urgent.pk: 4, old.pk: 1, new.pk: 0}
    assert run.units_reserved == 5
    statuses = dict(HouseholdRequest.objects.values_list("pk", "status"))
    assert statuses == {urgent.pk: "matched", old.pk: "matched", new.pk: "submitted"}


def test_it_takes_the_earliest_expiry_first_and_skips_lots_expiring_too_soon():
    make_zone()
    milk = ItemFactory.create(perishable=True)
    too_soon = _lot(milk, 5, 0)  # expires today: before the earliest delivery day
    later = _lot(milk, 5, 20)
    sooner = _lot(milk, 5, 3)
    submit(items=[(milk, 7)])

    allocation.allocate_open_requests()

    reserved = dict(StockLot.objects.values_list("pk", "reserved"))
    assert reserved == {too_soon.pk: 0, sooner.pk: 5, later.pk: 2}


def test_it_fills_a_category_line_from_any_item_of_the_category():
    make_zone()
    diapers = CategoryFactory.create(name="Baby")
    size3 = ItemFactory.create(category=diapers)
    size5 = ItemFactory.create(category=diapers)
    _lot(size3, 2, None)
    _lot(size5, 2, 200)
    request = services.request_submit(
        data=services.RequestInput(
            postal_code="55407",
            contact=__import__(
                "tests.household_requests.factories", fromlist=["contact"]
            ).contact(),
            lines=[LineInput(category=diapers, quantity=3)],
        )
    ).request

    allocation.allocate_open_requests()

    line = RequestLine.objects.get(request=request)
    assert line.allocated == 3
    assert sorted(Allocation.objects.values_list("lot__item_id", "quantity")) == sorted(
        [(size5.pk, 2), (size3.pk, 1)]
    )


def test_it_changes_nothing_when_run_again():
    make_zone()
    rice = ItemFactory.create()
    _lot(rice, 3, None)
    submit(items=[(rice, 2)])
    submit(items=[(rice, 2)])

    first = allocation.allocate_open_requests()
    second = allocation.allocate_open_requests()

    assert (first.units_reserved, second.units_reserved) == (3, 0)
    assert StockLot.objects.get().reserved == 3


def test_it_releases_reservations_when_a_family_cancels():
    make_zone()
    rice = ItemFactory.create()
    _lot(rice, 3, None)
    request = submit(items=[(rice, 2)]).request
    allocation.allocate_open_requests()

    services.request_cancel(request_id=request.pk)

    assert StockLot.objects.get().reserved == 0
    assert Allocation.objects.count() == 0
    assert HouseholdRequest.objects.get().status == RequestStatus.CANCELLED
    assert RequestLine.objects.get().allocated == 0
    assert ledger_mismatches() == []


def test_it_gives_back_only_what_the_released_requests_held():
    make_zone()
    rice, beans = ItemFactory.create(), ItemFactory.create()
    _lot(rice, 10, None)
    _lot(beans, 10, None)
    leaving = submit(items=[(rice, 3), (beans, 2)]).request
    staying = submit(items=[(rice, 4)]).request
    allocation.allocate_open_requests()

    assert allocation.allocations_release_for_requests(request_ids=[leaving.pk], reason="x") == 5

    allocated = dict(RequestLine.objects.values_list("request_id", "allocated").order_by("id"))
    assert allocated == {leaving.pk: 0, staying.pk: 4}
    assert sorted(StockLot.objects.values_list("reserved", flat=True)) == [0, 4]
    assert ledger_mismatches() == []


def test_it_releases_and_hands_out_with_the_same_number_of_queries_for_more_requests():
    make_zone()
    items = [ItemFactory.create(max_per_household=50) for _ in range(3)]
    for item in items:
        _lot(item, 500, None)

    def queries(requests: int) -> tuple[int, int]:
        made = [
            submit(items=[(items[n % 3], 2), (items[(n + 1) % 3], 1)]).request.pk
            for n in range(requests)
        ]
        allocation.allocate_open_requests()
        release = count_queries(
            lambda: allocation.allocations_release_for_requests(request_ids=made[1:], reason="x"),
            warm=False,
        )
        allocation.allocate_open_requests()
        consume = count_queries(
            lambda: allocation.allocations_consume_for_request(request_id=made[0], reason="x"),
            warm=False,
        )
        return release, consume

    assert queries(3) == queries(20)
    assert ledger_mismatches() == []


# Property-based -----------------------------------------------------------------------

lot_spec = st.tuples(st.integers(0, 2), st.integers(1, 6), st.one_of(st.none(), st.integers(0, 9)))
line_spec = st.tuples(st.integers(0, 3), st.integers(1, 5))  # 3 means "any of the category"
request_spec = st.tuples(st.integers(0, 2), st.lists(line_spec, min_size=1, max_size=3))


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(lots=st.lists(lot_spec, max_size=6), requests=st.lists(request_spec, min_size=1, max_size=5))
def test_it_keeps_every_allocation_invariant(lots, requests):
    with transaction.atomic():
        _check_invariants(lots, requests)
        transaction.set_rollback(True)


def _check_invariants(lots, requests) -> None:
    make_zone()
    category = Category.objects.create(name="Pantry")
    items = [ItemFactory.create(category=category, max_per_household=10) for _ in range(3)]
    for item_index, quantity, days in lots:
        _lot(items[item_index], quantity, days)
    order: list[int] = []
    for urgency, lines in requests:
        line_inputs = [
            LineInput(category=category, quantity=qty)
            if which == 3
            else LineInput(item=items[which], quantity=qty)
            for which, qty in lines
        ]
        request = services.request_submit(
            data=services.RequestInput(postal_code="55407", contact=contact(), lines=line_inputs)
        ).request
        if urgency:
            services.request_set_urgency(request_id=request.pk, urgency=urgency)
        order.append(request.pk)

    allocation.allocate_open_requests()

    earliest = allocation.earliest_delivery_day()
    lot_rows = {lot.pk: lot for lot in StockLot.objects.all()}
    by_lot = dict(
        Allocation.objects.values("lot_id").annotate(n=Sum("quantity")).values_list("lot_id", "n")
    )
    # Never over-allocated, and the ledger agrees with the lots.
    for lot in lot_rows.values():
        assert 0 <= lot.reserved <= lot.on_hand
        assert lot.reserved == by_lot.get(lot.pk, 0)
        if lot.expires_on is not None and lot.expires_on < earliest:
            assert lot.reserved == 0
    assert ledger_mismatches() == []
    lines = list(
        RequestLine.objects.select_related("request").order_by(
            "-request__urgency", "request__submitted_at", "request_id", "id"
        )
    )
    drawn: dict[int, set[int]] = defaultdict(set)
    for a in Allocation.objects.all():
        drawn[a.line_id].add(a.lot_id)
    for line in lines:
        assert 0 <= line.allocated <= line.quantity
        assert line.allocated == sum(a.quantity for a in Allocation.objects.filter(line=line))

    def usable(lot: StockLot) -> bool:
        return lot.expires_on is None or lot.expires_on >= earliest

    def candidates(line: RequestLine) -> set[int]:
        return {
            lot.pk
            for lot in lot_rows.values()
            if usable(lot)
            and (
                lot.item_id == line.item_id
                or (line.category_id and lot.item.category_id == line.category_id)
            )
        }

    # Earliest expiry first: no lot is drawn while an earlier usable lot of its item has room.
    def expiry_key(lot: StockLot):
        return (lot.expires_on is None, lot.expires_on or dt.date.max, lot.pk)

    for lot in lot_rows.values():
        if lot.reserved:
            for other in lot_rows.values():
                if (
                    other.item_id == lot.item_id
                    and usable(other)
                    and expiry_key(other) < expiry_key(lot)
                ):
                    assert other.on_hand - other.reserved == 0
    # Priority: a line still short means nobody after it drew from a lot it could use.
    for position, line in enumerate(lines):
        if line.allocated < line.quantity:
            mine = candidates(line)
            for later in lines[position + 1 :]:
                assert not (drawn[later.pk] & mine)
    # Running again changes nothing.
    assert allocation.allocate_open_requests().units_reserved == 0
