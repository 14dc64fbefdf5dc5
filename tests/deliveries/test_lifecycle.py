"""Routes whose day passed, repeated failures, and the allocator's constant query count."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from deliveries import services
from deliveries.models import Route, RouteStatus, Stop, StopOutcome
from deliveries.reveal import may_see_contacts
from household_requests import allocation
from household_requests.models import CloseReason, HouseholdRequest, RequestStatus
from inventory.models import StockLot
from tests.conftest import api_client_for
from tests.deliveries.factories import on_its_day, route_in_state
from tests.deliveries.scenario import make_driver, routed_request
from tests.household_requests.factories import make_zone, submit
from tests.inventory.factories import ItemFactory, donate

pytestmark = pytest.mark.django_db


def test_it_cancels_a_started_route_whose_day_passed_and_plans_its_families_again(
    driver: User,
):
    world = routed_request()
    profile = make_driver(driver, world.zone)
    route_in_state(world.route, "in_progress", profile)
    world.route.refresh_from_db()
    assert HouseholdRequest.objects.get(pk=world.request.pk).status == "out_for_delivery"
    next_day = world.route.service_date + dt.timedelta(days=1)
    grace_over = next_day + dt.timedelta(days=services.OUTCOME_GRACE_DAYS)

    # The day after, its driver may still record what happened (test_stop_confirm.py).
    assert services.routes_retire_past(today=next_day) == 0
    assert services.routes_retire_past(today=grace_over) == 1
    assert services.routes_retire_past(today=grace_over) == 0

    route = Route.objects.get(pk=world.route.pk)
    assert route.status == RouteStatus.CANCELLED
    assert not may_see_contacts(route, driver)
    assert Stop.objects.get(pk=world.stop.pk).outcome == StopOutcome.CANCELLED
    request = HouseholdRequest.objects.get(pk=world.request.pk)
    assert request.status == RequestStatus.MATCHED  # kept, and planned again
    assert StockLot.objects.get(item=world.item).reserved == 3  # still set aside for them


@override_settings(MAX_DELIVERY_ATTEMPTS=2)
def test_it_closes_a_request_after_the_last_failed_attempt_and_frees_its_stock(driver: User):
    from deliveries import planning

    world = routed_request()
    profile = make_driver(driver, world.zone)
    client = api_client_for(driver)

    for attempt in (1, 2):
        stop = Stop.objects.get(request=world.request, outcome=StopOutcome.PENDING)
        services.route_claim(route_id=stop.route_id, driver=profile)
        on_its_day(stop.route)
        response = client.post(
            f"/api/v1/stops/{stop.pk}/complete/",
            {"outcome": "failed", "reason": "nobody_home"},
            format="json",
        )
        assert response.status_code == 200
        request = HouseholdRequest.objects.get(pk=world.request.pk)
        assert request.delivery_attempts == attempt
        if attempt == 1:
            assert request.status == RequestStatus.SUBMITTED
            allocation.allocate_open_requests()
            planning.plan_routes()

    request = HouseholdRequest.objects.get(pk=world.request.pk)
    assert request.status == RequestStatus.CLOSED
    assert request.close_reason == CloseReason.DELIVERY_FAILED
    lot = StockLot.objects.get(item=world.item)
    assert (lot.on_hand, lot.reserved) == (10, 0)


def test_it_allocates_with_the_same_number_of_queries_for_more_requests():
    make_zone()
    items = [ItemFactory.create(max_per_household=50) for _ in range(3)]
    for item in items:
        donate((item, 500))

    def run_for(requests: int) -> int:
        for n in range(requests):
            submit(items=[(items[n % 3], 2), (items[(n + 1) % 3], 1)])
        with CaptureQueriesContext(connection) as queries:
            run = allocation.allocate_open_requests()
        assert run.lines_touched == requests * 2
        return len(queries)

    assert run_for(2) == run_for(20)
