"""Confirm before it counts: "Delivered" and "Could not deliver" open a confirm step on the
stop ("Delivered to stop 1? Yes / Back") and nothing is recorded before its "Yes"; and
outcomes are taken on the route's day (in the network's time zone) and for a grace
period after it that ends exactly when the sweep retires the route, never before its day."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth.models import User

from deliveries import services
from deliveries.models import Route, RouteStatus, Stop, StopOutcome
from household_requests.models import HouseholdRequest, RequestStatus
from inventory.models import StockLot
from mutualaid.errors import ServiceError
from mutualaid.timeutil import local_today
from tests.conftest import page_client
from tests.deliveries.conftest import DriverWorld, TwoStops
from tests.deliveries.factories import route_in_state
from tests.deliveries.helpers import messages_of, route_snapshot, shown, text_of
from tests.household_requests.factories import SECRET_ADDRESS

pytestmark = pytest.mark.django_db


def _recorded() -> list[Any]:
    """Everything a stop's outcome changes: routes, stops, requests, stock."""
    return [
        route_snapshot(),
        list(HouseholdRequest.objects.values_list("pk", "status", "delivery_attempts")),
        list(StockLot.objects.values_list("pk", "on_hand", "reserved")),
    ]


def test_it_asks_before_recording_delivered_and_back_records_nothing(
    two_stops: TwoStops, driver: User
):
    first = two_stops.first
    client = page_client(driver)
    route_page = f"/drive/routes/{two_stops.route.pk}/"
    before = _recorded()

    page = text_of(client.get(route_page))
    tapped = client.post(f"/drive/stops/{first.pk}/complete/", {"outcome": "delivered"})
    after_tap = _recorded()
    back = client.get(route_page)

    assert tapped.status_code == 200
    body = text_of(tapped)
    assert "Delivered to stop 1?" in body and first.request.reference in body
    assert 'name="confirm" value="yes"' in body and "Yes, delivered" in body
    assert f'href="{route_page}#stop-{first.pk}">Back</a>' in body
    assert after_tap == before  # one tap changed nothing
    # The route page's "Delivered" and "Could not deliver" never carry the confirmation.
    forms = re.findall(r"<form.*?</form>", page, flags=re.DOTALL)
    outcome_forms = [f for f in forms if re.search(r'value="(delivered|failed)"', f)]
    assert len(outcome_forms) == 4  # two stops, two buttons each
    assert not any('name="confirm"' in form for form in outcome_forms)
    assert shown(text_of(back), SECRET_ADDRESS) == [True]  # still there to deliver


def test_it_records_delivered_once_confirmed(two_stops: TwoStops, driver: User):
    first = two_stops.first
    before = _recorded()

    response = page_client(driver).post(
        f"/drive/stops/{first.pk}/complete/",
        {"outcome": "delivered", "confirm": "yes"},
        follow=True,
    )

    assert messages_of(response) == ["Stop 1 delivered. Thank you!"]
    first.refresh_from_db()
    assert first.outcome == StopOutcome.DELIVERED
    assert _recorded() != before  # positive control for the test above


def test_it_asks_before_recording_a_failed_stop_with_its_reason(two_stops: TwoStops, driver: User):
    first = two_stops.first
    client = page_client(driver)
    url = f"/drive/stops/{first.pk}/complete/"
    before = _recorded()

    tapped = client.post(url, {"outcome": "failed", "reason": "unsafe"})
    after_tap = _recorded()
    confirmed = client.post(url, {"outcome": "failed", "reason": "unsafe", "confirm": "yes"})

    body = text_of(tapped)
    assert "Not delivered to stop 1?" in body and "unsafe to approach" in body
    assert 'name="reason" value="unsafe"' in body and "Yes, not delivered" in body
    assert after_tap == before
    assert confirmed.status_code == 302
    first.refresh_from_db()
    assert (first.outcome, first.failure_reason) == (StopOutcome.FAILED, "unsafe")


def test_it_takes_a_late_outcome_the_day_after_and_the_sweep_leaves_the_route_alone(
    two_stops: TwoStops, driver: User
):
    """A driver back after midnight: still their route, still recorded, not planned again."""
    route, first = two_stops.route, two_stops.first
    Route.objects.filter(pk=route.pk).update(service_date=local_today() - dt.timedelta(days=1))

    retired = services.routes_retire_past(today=local_today())
    response = page_client(driver).post(
        f"/drive/stops/{first.pk}/complete/", {"outcome": "delivered", "confirm": "yes"}
    )

    assert retired == 0
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.outcome == StopOutcome.DELIVERED
    assert HouseholdRequest.objects.get(pk=first.request_id).status == RequestStatus.DELIVERED


def test_it_refuses_an_outcome_once_the_grace_is_over_as_the_sweep_retires_the_route(
    two_stops: TwoStops, driver: User
):
    route, first = two_stops.route, two_stops.first
    past = local_today() - dt.timedelta(days=1 + services.OUTCOME_GRACE_DAYS)
    Route.objects.filter(pk=route.pk).update(service_date=past)

    refused = page_client(driver).post(
        f"/drive/stops/{first.pk}/complete/",
        {"outcome": "delivered", "confirm": "yes"},
        follow=True,
    )
    retired = services.routes_retire_past(today=local_today())

    assert messages_of(refused) == [str(services.OUTCOME_TOO_LATE)]
    assert retired == 1  # refused exactly when the sweep takes it: planned again, once
    first.refresh_from_db()
    assert first.outcome == StopOutcome.CANCELLED
    assert HouseholdRequest.objects.get(pk=first.request_id).status == RequestStatus.MATCHED


def test_it_refuses_delivered_before_a_started_routes_day(two_stops: TwoStops, driver: User):
    route, first = two_stops.route, two_stops.first
    Route.objects.filter(pk=route.pk).update(service_date=local_today() + dt.timedelta(days=3))
    before = _recorded()
    assert route.driver is not None

    with pytest.raises(ServiceError) as refused:
        services.stop_complete(stop_id=first.pk, driver=route.driver, outcome=StopOutcome.DELIVERED)

    assert str(refused.value) == str(services.NOT_ITS_DAY_YET)
    assert _recorded() == before


def test_it_refuses_delivered_days_before_a_claimed_routes_day(world: DriverWorld, driver: User):
    route = route_in_state(world.route, "claimed", world.driver_profile)
    assert route.service_date > local_today()
    before = _recorded()

    response = page_client(driver).post(
        f"/drive/stops/{world.stop.pk}/complete/",
        {"outcome": "delivered", "confirm": "yes"},
        follow=True,
    )

    assert messages_of(response) == [str(services.NOT_ITS_DAY)]
    assert _recorded() == before


def test_it_decides_the_day_in_the_networks_time_zone(world: DriverWorld, driver: User):
    """At 02:00 UTC on the route's date it is still the evening before in the network's
    time zone (America/Chicago): refused; at noon there: taken."""
    route = route_in_state(world.route, "claimed", world.driver_profile)
    day = route.service_date
    network = ZoneInfo(settings.ORGANIZATION_TIME_ZONE)
    evening_before = dt.datetime.combine(day, dt.time(2, 0), tzinfo=dt.UTC)
    assert evening_before.astimezone(network).date() == day - dt.timedelta(days=1)
    noon = dt.datetime.combine(day, dt.time(12, 0), tzinfo=network)
    body = {"outcome": "delivered", "confirm": "yes"}
    url = f"/drive/stops/{world.stop.pk}/complete/"

    # A new sign-in at each time: a session lasts half a day.
    with time_machine.travel(evening_before, tick=False):
        early = page_client(driver).post(url, body, follow=True)
    still_waiting = Stop.objects.get(pk=world.stop.pk).outcome
    with time_machine.travel(noon, tick=False):
        on_the_day = page_client(driver).post(url, body, follow=True)

    assert messages_of(early) == [str(services.NOT_ITS_DAY)]
    assert still_waiting == StopOutcome.PENDING
    assert "Stop 1 delivered. Thank you!" in messages_of(on_the_day)
    assert Route.objects.get(pk=route.pk).status == RouteStatus.COMPLETED
