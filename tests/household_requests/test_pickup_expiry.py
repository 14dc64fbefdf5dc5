"""A pickup not collected within PICKUP_HOLD_DAYS gives its stock back: the whole last day
is the family's; the day after, the request returns to the queue once (matched again, with
a new date), and closes after a second miss; the family's page says so. The beat job is
idempotent. Each test runs at noon in the network's time zone, then travels days ahead."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from html import escape

import pytest
import time_machine
from django.contrib.auth.models import User
from django.test import Client, override_settings
from django.utils import timezone
from django.utils.translation import gettext

from household_requests import allocation, desk, tasks
from household_requests.models import CloseReason, RequestStatus
from inventory.models import StockLot
from mutualaid.errors import ServiceError
from mutualaid.schedule import BEAT_SCHEDULE, RELEASE_UNCOLLECTED_PICKUPS
from mutualaid.timeutil import local_today, organization_tz
from tests.household_requests.pickups import Pickup, desk_volunteer, pickup

pytestmark = pytest.mark.django_db

MISSED = (
    "Your items were not picked up in time, so they went back to the shelves. We will set "
    "items aside for you again; this page will say when they are ready."
)
CLOSED = (
    "Your items were not picked up in time, so they went back to the shelves and this "
    "request is closed. You are welcome to send a new request."
)


@pytest.fixture(autouse=True)
def _at_noon() -> Iterator[None]:
    noon = dt.datetime.combine(local_today(), dt.time(12), tzinfo=organization_tz())
    with time_machine.travel(noon, tick=False):
        yield


def _days_later(days: int) -> time_machine.travel:
    return time_machine.travel(timezone.now() + dt.timedelta(days=days, minutes=1), tick=False)


def _counts(p: Pickup) -> tuple[int, int]:
    lot = StockLot.objects.get(pk=p.lot.pk)
    return lot.on_hand, lot.reserved


def test_it_keeps_a_pickup_set_aside_to_the_end_of_its_last_day(client: Client):
    p = pickup(stock=5, asked=3)
    last_day = local_today() + dt.timedelta(days=7)
    page = client.get(p.status_path).content.decode()
    assert f"Please pick them up by {last_day:%A}, {last_day:%m/%d/%Y}." in page

    with _days_later(7):
        assert tasks.release_uncollected_pickups() == 0

    assert p.request.status == RequestStatus.MATCHED
    assert _counts(p) == (5, 3)
    assert (
        gettext("Your items are ready. Please pick them up by")
        in client.get(p.status_path).content.decode()
    )


def test_it_gives_the_stock_back_after_the_hold_and_says_so(client: Client):
    p = pickup(stock=5, asked=3)

    with _days_later(8):
        released = tasks.release_uncollected_pickups()
        again = tasks.release_uncollected_pickups()

    assert (released, again) == (1, 0)  # idempotent
    request = p.request
    assert (request.status, request.delivery_attempts) == (RequestStatus.SUBMITTED, 1)
    assert _counts(p) == (5, 0)
    assert sum(line.allocated for line in request.lines.all()) == 0
    page = client.get(p.status_path).content.decode()
    assert escape(MISSED) in page
    assert "<svg" not in page  # no desk code while nothing is set aside


def test_it_sets_aside_again_then_closes_after_a_second_miss(client: Client):
    p = pickup(stock=5, asked=3)
    with _days_later(8):
        tasks.release_uncollected_pickups()
        allocation.allocate_open_requests()  # matched again: a new hold starts now
        assert p.request.status == RequestStatus.MATCHED
        assert tasks.release_uncollected_pickups() == 0
        page = client.get(p.status_path).content.decode()
        assert escape(MISSED) in page and "Please pick them up by" in page

    with _days_later(15):
        assert tasks.release_uncollected_pickups() == 0  # the new hold's last day
    with _days_later(16):
        assert tasks.release_uncollected_pickups() == 1

    request = p.request
    assert (request.status, request.close_reason) == (
        RequestStatus.CLOSED,
        CloseReason.DELIVERY_FAILED,
    )
    assert request.finished_at is not None  # the contact's retention period starts
    assert _counts(p) == (5, 0)
    assert escape(CLOSED) in client.get(p.status_path).content.decode()


def test_it_leaves_handed_over_and_waiting_pickups_alone():
    handed = pickup(stock=5, asked=3)
    desk.request_hand_over(reference=handed.reference, user=desk_volunteer())
    waiting = pickup(stock=0, set_aside=False)

    with _days_later(30):
        assert tasks.release_uncollected_pickups() == 0

    assert handed.request.status == RequestStatus.DELIVERED
    assert waiting.request.status == RequestStatus.SUBMITTED


@override_settings(PICKUP_HOLD_DAYS=2)
def test_the_hold_is_configurable(client: Client):
    p = pickup(stock=5, asked=3)
    page = client.get(p.status_path).content.decode()
    assert gettext("Your items are ready. Please pick them up by") in page

    with _days_later(2):
        assert tasks.release_uncollected_pickups() == 0
    with _days_later(3):
        assert tasks.release_uncollected_pickups() == 1

    assert _counts(p) == (5, 0)


def test_beat_runs_it():
    entries = [
        entry for entry in BEAT_SCHEDULE.values() if entry["task"] == RELEASE_UNCOLLECTED_PICKUPS
    ]
    assert len(entries) == 1
    assert tasks.release_uncollected_pickups.name == RELEASE_UNCOLLECTED_PICKUPS


def test_a_desk_user_cannot_hand_over_a_released_pickup(client: Client):
    p = pickup(stock=5, asked=3)
    with _days_later(8):
        tasks.release_uncollected_pickups()

    user: User = desk_volunteer()
    with pytest.raises(ServiceError) as caught:
        desk.request_hand_over(reference=p.reference, user=user)

    assert str(caught.value) == str(desk.NOTHING_SET_ASIDE)
