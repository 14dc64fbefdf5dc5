"""POST /api/v1/stops/<id>/complete/: delivered consumes exactly the reserved stock, failed
(with a reason from the list, never free text) returns it to the shelf and the family to
the queue; only the assigned driver may, and on a claimed route only on its day."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from deliveries import services
from deliveries.models import FailureReason, Route, RouteStatus, Stop
from household_requests import services as request_services
from household_requests.models import RequestStatus
from inventory.models import StockLot
from inventory.selectors import ledger_mismatches
from tests.conftest import api_client_for
from tests.deliveries.conftest import DriverWorld
from tests.deliveries.factories import on_its_day

pytestmark = pytest.mark.django_db


def _complete(client: APIClient, world: DriverWorld, body: dict[str, str]) -> tuple[int, dict]:
    response = client.post(f"/api/v1/stops/{world.stop.pk}/complete/", body, format="json")
    return response.status_code, response.json()


@pytest.fixture
def claimed(world: DriverWorld, driver: User) -> APIClient:
    """The world's route, claimed by the driver and on its day (a stop's outcome starts
    it); their API client."""
    services.route_claim(route_id=world.route.pk, driver=world.driver_profile)
    on_its_day(world.route)
    return api_client_for(driver)


def test_it_delivers_a_stop_consuming_exactly_the_reserved_stock(
    world: DriverWorld, claimed: APIClient
):
    lot = StockLot.objects.get(item=world.item)
    assert (lot.on_hand, lot.reserved) == (10, 3)

    status, body = _complete(claimed, world, {"outcome": "delivered"})

    assert (status, body) == (
        200,
        {"id": world.stop.pk, "outcome": "delivered", "route_completed": True},
    )
    lot.refresh_from_db()
    assert (lot.on_hand, lot.reserved) == (7, 0)
    world.request.refresh_from_db()
    assert world.request.status == RequestStatus.DELIVERED
    assert Route.objects.get(pk=world.route.pk).status == RouteStatus.COMPLETED
    assert ledger_mismatches() == []
    again = _complete(claimed, world, {"outcome": "delivered"})
    assert again == (409, {"detail": str(services.ROUTE_NOT_ACTIVE)})
    lot.refresh_from_db()
    assert lot.on_hand == 7


def test_it_returns_a_failed_stop_to_the_queue_and_the_stock_to_the_shelf(
    world: DriverWorld, claimed: APIClient
):
    status, _body = _complete(claimed, world, {"outcome": "failed", "reason": "nobody_home"})

    assert status == 200
    stop = Stop.objects.get(pk=world.stop.pk)
    assert (stop.outcome, stop.failure_reason) == ("failed", FailureReason.NOBODY_HOME)
    world.request.refresh_from_db()
    assert world.request.status == RequestStatus.SUBMITTED
    assert world.request.delivery_attempts == 1
    lot = StockLot.objects.get(item=world.item)
    assert (lot.on_hand, lot.reserved) == (10, 0)
    assert ledger_mismatches() == []


def test_it_refuses_completion_by_another_driver_or_a_bad_outcome(
    world: DriverWorld, claimed: APIClient, other_driver: User
):
    other = _complete(api_client_for(other_driver), world, {"outcome": "delivered"})
    bad = _complete(claimed, world, {"outcome": "lost"})

    assert other[0] == 404
    assert bad[0] == 400 and "outcome" in bad[1]
    world.request.refresh_from_db()
    assert world.request.status == RequestStatus.SCHEDULED


def test_it_settles_a_stop_whose_family_cancelled_without_an_error(
    world: DriverWorld, claimed: APIClient
):
    request_services.request_cancel(request_id=world.request.pk)

    status, body = _complete(claimed, world, {"outcome": "delivered"})

    assert status == 200
    assert body["outcome"] == "cancelled" and body["route_completed"]
    lot = StockLot.objects.get(item=world.item)
    assert (lot.on_hand, lot.reserved) == (10, 0)


def test_it_completes_a_route_whose_last_family_cancelled(world: DriverWorld, claimed: APIClient):
    request_services.request_cancel(request_id=world.request.pk)

    assert services.routes_settle_cancelled_stops() == 1
    assert Route.objects.get(pk=world.route.pk).status == RouteStatus.COMPLETED
    assert services.routes_settle_cancelled_stops() == 0


def test_it_takes_a_reason_from_the_list_and_no_free_text(world: DriverWorld, claimed: APIClient):
    free_text = _complete(claimed, world, {"outcome": "failed", "reason": "Blue door, Maria"})
    no_reason = _complete(claimed, world, {"outcome": "failed"})
    on_delivered = _complete(claimed, world, {"outcome": "delivered", "reason": "refused"})

    assert free_text[0] == 400 and "reason" in free_text[1]
    assert no_reason == (400, {"reason": [str(services.REASON_REQUIRED)]})
    assert on_delivered == (400, {"reason": [str(services.REASON_ONLY_WHEN_FAILED)]})
    assert Stop.objects.get(pk=world.stop.pk).outcome == "pending"
    # The stored row has no text field left to fill: only the choice.
    assert "note" not in {field.name for field in Stop._meta.get_fields()}


def test_it_refuses_a_stop_of_a_route_claimed_for_a_later_day(world: DriverWorld, driver: User):
    services.route_claim(route_id=world.route.pk, driver=world.driver_profile)

    status, body = _complete(api_client_for(driver), world, {"outcome": "delivered"})

    assert (status, body) == (409, {"detail": str(services.NOT_ITS_DAY)})
    assert Route.objects.get(pk=world.route.pk).status == RouteStatus.CLAIMED
