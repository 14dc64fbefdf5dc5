"""A family cancels (or an organizer closes) while the allocator runs, on PostgreSQL.

The race is made deterministic with a real lock: a second connection holds a lot's row
lock, so the allocator (in its own thread and connection) stops in the middle of its run;
the family cancels meanwhile; then the lot is let go. Whoever waits for whom, the finished
request ends holding nothing, finished, on no route, and the books agree.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, transaction

from deliveries import planning
from deliveries.models import Stop
from household_requests import allocation, services
from household_requests.audit import stock_findings
from household_requests.models import Allocation, HouseholdRequest, RequestLine, RequestStatus
from inventory.models import StockLot
from tests.household_requests.factories import make_zone, submit
from tests.inventory.factories import ItemFactory, donate
from tests.locking import WAIT, InThread, backends_waiting_for_a_row_lock, wait_until

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


class LotHolder:
    """Another connection holding one lot's row lock (SELECT ... FOR UPDATE) until let go."""

    def __init__(self, lot_id: int) -> None:
        self.held = threading.Event()
        self.let_go = threading.Event()
        self.lot_id = lot_id
        self.worker = InThread(self._hold)
        assert self.held.wait(WAIT)

    def _hold(self) -> None:
        with transaction.atomic():
            StockLot.objects.select_for_update().get(pk=self.lot_id)
            self.held.set()
            self.let_go.wait(WAIT)

    def release(self) -> None:
        self.let_go.set()
        self.worker.join()


def _world() -> tuple[StockLot, HouseholdRequest, HouseholdRequest]:
    make_zone()
    rice = ItemFactory.create(max_per_household=10)
    donate((rice, 10))
    leaving = submit(items=[(rice, 2)]).request
    staying = submit(items=[(rice, 3)]).request
    return StockLot.objects.get(), leaving, staying


def _finish_during_allocation(lot: StockLot, finish: Callable[[], Any]) -> None:
    """Stop the allocator on a held lot, run `finish` meanwhile, then let the lot go."""
    holder = LotHolder(lot.pk)
    allocator = InThread(allocation.allocate_open_requests)
    wait_until(lambda: backends_waiting_for_a_row_lock() >= 1, "the allocator waits for the lot")

    finisher = InThread(finish)
    # The old code let the cancel through at once; the fixed code has it wait for the
    # allocator's lock on the request row. Either way, wait until it did one or the other.
    wait_until(
        lambda: not finisher.thread.is_alive() or backends_waiting_for_a_row_lock() >= 2,
        "the cancel finished or waits for the allocator",
    )
    holder.release()
    run = allocator.join()
    assert not isinstance(run, Exception), run
    finished = finisher.join()
    assert not isinstance(finished, Exception), finished


def _assert_it_holds_nothing(leaving: HouseholdRequest, staying: HouseholdRequest, status: str):
    planning.plan_routes()

    assert HouseholdRequest.objects.get(pk=leaving.pk).status == status
    assert not Allocation.objects.filter(line__request=leaving).exists()
    assert [line.allocated for line in RequestLine.objects.filter(request=leaving)] == [0]
    assert not Stop.objects.filter(request=leaving).exists()
    assert stock_findings() == []
    # The other family got its share and is on a route.
    assert StockLot.objects.get().reserved == 3
    assert HouseholdRequest.objects.get(pk=staying.pk).status == RequestStatus.SCHEDULED
    assert Stop.objects.filter(request=staying).count() == 1


def test_it_releases_what_a_family_cancelled_while_the_allocator_waited_for_a_lot():
    assert connection.vendor == "postgresql"
    lot, leaving, staying = _world()

    _finish_during_allocation(lot, lambda: services.request_cancel(request_id=leaving.pk))

    _assert_it_holds_nothing(leaving, staying, RequestStatus.CANCELLED)


def test_it_releases_what_an_organizer_closed_while_the_allocator_waited_for_a_lot():
    lot, leaving, staying = _world()

    _finish_during_allocation(
        lot,
        lambda: services.request_close_unfulfilled(request_id=leaving.pk, reason="moved_away"),
    )

    _assert_it_holds_nothing(leaving, staying, RequestStatus.CLOSED)


def test_it_never_plans_a_request_cancelled_while_the_planner_runs():
    """The planner locks the matched requests before the open routes: a cancel waits."""
    lot, leaving, staying = _world()
    allocation.allocate_open_requests()
    with transaction.atomic():
        # The family's cancel has begun (it holds the request row) when the planner starts.
        leaving_row = HouseholdRequest.objects.select_for_update().get(pk=leaving.pk)
        planner = InThread(planning.plan_routes)
        wait_until(lambda: backends_waiting_for_a_row_lock() >= 1, "the planner waits")
        services.request_cancel(request_id=leaving_row.pk)
    planner.join()

    assert not isinstance(planner.result, Exception), planner.result
    assert not Stop.objects.filter(request=leaving).exists()
    assert HouseholdRequest.objects.get(pk=leaving.pk).status == RequestStatus.CANCELLED
    assert HouseholdRequest.objects.get(pk=staying.pk).status == RequestStatus.SCHEDULED
    assert stock_findings() == []
    assert lot.pk == StockLot.objects.get().pk
