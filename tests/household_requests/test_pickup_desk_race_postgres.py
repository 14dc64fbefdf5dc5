"""The pickup desk takes the request row's lock first, as every request write does, on
PostgreSQL: a cancel, a second desk or the expiry job running at the same moment waits for
it (or it for them), and the stock is consumed or released once, never both.

The races are made deterministic with real locks held by a second connection.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection, transaction
from django.utils import timezone

from household_requests import desk, pickup_hold, services
from household_requests.audit import stock_findings
from household_requests.models import HouseholdRequest, RequestStatus
from inventory.models import StockLot
from mutualaid.errors import ServiceError
from tests.household_requests.pickups import desk_volunteer, pickup
from tests.household_requests.test_cancel_race_postgres import (
    InThread,
    backends_waiting_for_a_row_lock,
    wait_until,
)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _lot_counts(lot_id: int) -> tuple[int, int]:
    lot = StockLot.objects.get(pk=lot_id)
    return lot.on_hand, lot.reserved


def test_a_hand_over_waits_for_a_cancel_and_then_refuses():
    assert connection.vendor == "postgresql"
    p = pickup(stock=5, asked=3)
    user = desk_volunteer()

    with transaction.atomic():
        # The family's cancel has begun: it holds the request row.
        HouseholdRequest.objects.select_for_update().get(pk=p.request.pk)
        hand_over = InThread(lambda: desk.request_hand_over(reference=p.reference, user=user))
        wait_until(lambda: backends_waiting_for_a_row_lock() >= 1, "the desk waits")
        services.request_cancel(request_id=p.request.pk)

    refused = hand_over.join()
    assert isinstance(refused, ServiceError) and str(refused) == str(desk.WAS_CANCELLED)
    assert p.request.status == RequestStatus.CANCELLED
    assert _lot_counts(p.lot.pk) == (5, 0)  # released, not handed out
    assert stock_findings() == []


def test_two_desks_hand_over_once():
    p = pickup(stock=5, asked=3)
    first, second = desk_volunteer("desmond"), desk_volunteer("delia")

    with transaction.atomic():
        desk.request_hand_over(reference=p.reference, user=first)
        other = InThread(lambda: desk.request_hand_over(reference=p.reference, user=second))
        wait_until(lambda: backends_waiting_for_a_row_lock() >= 1, "the second desk waits")

    refused = other.join()
    assert isinstance(refused, ServiceError) and str(refused) == str(desk.ALREADY_PICKED_UP)
    assert _lot_counts(p.lot.pk) == (2, 0)
    assert stock_findings() == []


def test_the_expiry_job_waits_for_a_hand_over_and_leaves_it_alone():
    p = pickup(stock=5, asked=3)
    user = desk_volunteer()
    later = timezone.now() + dt.timedelta(days=30)

    with transaction.atomic():
        desk.request_hand_over(reference=p.reference, user=user)
        expiry = InThread(lambda: pickup_hold.pickups_release_uncollected(now=later))
        wait_until(
            lambda: not expiry.thread.is_alive() or backends_waiting_for_a_row_lock() >= 1,
            "the expiry job ran or waits for the desk",
        )

    assert expiry.join() == 0
    assert p.request.status == RequestStatus.DELIVERED
    assert _lot_counts(p.lot.pk) == (2, 0)
    assert stock_findings() == []
