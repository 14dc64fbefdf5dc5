"""Two requests with one phone race for its last open place, on PostgreSQL.

Made deterministic with the real lock: the first request has counted (two open, one place
left) and is held just before it stores; the second, in its own connection, must wait for
the phone's advisory lock, then counts three and is refused. Nothing is stored for it.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from household_requests import services
from household_requests.flood_limit import TOO_MANY_FOR_PHONE, submit_within_open_limit
from household_requests.models import HouseholdRequest
from household_requests.services import LineInput, RequestInput, SubmittedRequest
from inventory.models import Item
from mutualaid.errors import ServiceError
from tests.household_requests.factories import contact, make_zone
from tests.inventory.factories import ItemFactory
from tests.locking import WAIT, InThread, wait_until

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

PHONE = "612-555-0123"


def _data(item: Item, number: int) -> RequestInput:
    return RequestInput(
        postal_code="55407",
        contact=contact(phone=PHONE, address=f"{number} Race Street"),
        lines=[LineInput(item=item, quantity=1)],
    )


def _submit(data: RequestInput) -> SubmittedRequest:
    return submit_within_open_limit(data, lambda: services.request_submit(data=data))


def _waiting_for_an_advisory_lock() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND wait_event_type = 'Lock' AND wait_event = 'advisory'"
        )
        return int(cursor.fetchone()[0])


def test_two_requests_cannot_both_take_the_last_open_place():
    make_zone()
    rice = ItemFactory.create(max_per_household=4)
    for number in range(2):
        _submit(_data(rice, number))
    counted, go = threading.Event(), threading.Event()

    def held_before_storing() -> SubmittedRequest:
        data = _data(rice, 2)

        def store() -> SubmittedRequest:
            counted.set()
            assert go.wait(WAIT)
            return services.request_submit(data=data)

        return submit_within_open_limit(data, store)

    first = InThread(held_before_storing)
    assert counted.wait(WAIT)
    assert _waiting_for_an_advisory_lock() == 0  # positive control of the look below
    second = InThread(lambda: _submit(_data(rice, 3)))
    wait_until(lambda: _waiting_for_an_advisory_lock() == 1, "the second waits for the phone")
    go.set()

    assert isinstance(first.join(), SubmittedRequest)
    refused = second.join()
    assert isinstance(refused, ServiceError) and refused.message == TOO_MANY_FOR_PHONE
    assert HouseholdRequest.objects.count() == 3
