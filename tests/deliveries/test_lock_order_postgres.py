"""A driver's stop outcome and a route taken back lock in one order (route, then stops), so
they wait for each other instead of deadlocking.

Deterministic: another connection does what `routes_take_back` does, in its order (the
route row first), and holds the route while the driver records a stop on it; only once the
driver's call waits for a lock does it go on to the stops. Had the outcome locked its stop
first, the two would wait on each other and PostgreSQL would abort one ("deadlock
detected").
"""

from __future__ import annotations

import threading

import pytest
from django.contrib.auth.models import User
from django.db import transaction

from deliveries import services
from deliveries.models import Route, RouteStatus, Stop, StopOutcome
from household_requests.models import HouseholdRequest, RequestStatus
from mutualaid.errors import Kind, ServiceError
from tests.deliveries.factories import route_in_state
from tests.deliveries.scenario import make_driver, routed_request
from tests.locking import WAIT, InThread, backends_waiting_for_a_row_lock, wait_until

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_it_takes_a_route_back_while_its_driver_records_a_stop_without_a_deadlock():
    world = routed_request()
    driver = make_driver(User.objects.create_user("dana", password="pw-dana-12345"), world.zone)
    route_in_state(world.route, "in_progress", driver)
    driver.zones.clear()  # outside their zones now: the route is to be taken back
    route_held = threading.Event()

    def take_back() -> int:
        with transaction.atomic():
            Route.objects.select_for_update().get(pk=world.route.pk)  # its first lock
            route_held.set()
            wait_until(lambda: backends_waiting_for_a_row_lock() >= 1, "the driver to wait")
            return services.routes_take_back(driver=driver)

    taking = InThread(take_back)
    assert route_held.wait(WAIT)
    recording = InThread(
        lambda: services.stop_complete(
            stop_id=world.stop.pk, driver=driver, outcome=StopOutcome.DELIVERED
        )
    )

    taken, recorded = taking.join(), recording.join()

    assert taken == 1, taken  # not an OperationalError: no deadlock
    assert isinstance(recorded, ServiceError) and recorded.kind == Kind.CONFLICT, recorded
    assert Route.objects.get(pk=world.route.pk).status == RouteStatus.CANCELLED
    assert Stop.objects.get(pk=world.stop.pk).outcome == StopOutcome.CANCELLED
    # The family is planned again, not counted delivered.
    assert HouseholdRequest.objects.get(pk=world.request.pk).status != RequestStatus.DELIVERED
