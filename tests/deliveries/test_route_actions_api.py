"""POST /api/v1/routes/<id>/claim/, /start/, /release/: one winner of a claim, the cap and
vetting, a route whose day passed, and drivers who lose trust."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import User

from deliveries import services
from deliveries.drivers import driver_save
from deliveries.models import Driver, Route, RouteStatus
from household_requests.models import RequestStatus
from inventory.models import StockLot
from mutualaid.errors import Kind, ServiceError
from tests.conftest import api_client_for
from tests.deliveries.conftest import DriverWorld
from tests.deliveries.factories import make_driver, on_its_day, route_in_state

pytestmark = pytest.mark.django_db


def _post(user: User, world: DriverWorld, action: str) -> tuple[int, str]:
    response = api_client_for(user).post(f"/api/v1/routes/{world.route.pk}/{action}/")
    return response.status_code, response.json().get("detail", response.json().get("status"))


def test_it_lets_only_one_driver_claim(world: DriverWorld, driver: User, other_driver: User):
    first = _post(driver, world, "claim")
    second = _post(other_driver, world, "claim")

    assert first == (200, "claimed")
    assert second == (409, str(services.CLAIM_LOST))


def test_it_answers_a_claim_without_any_contact(world: DriverWorld, driver: User):
    response = api_client_for(driver).post(f"/api/v1/routes/{world.route.pk}/claim/")

    assert response.status_code == 200
    assert ["contact" in stop for stop in response.json()["stops"]] == [False]


def test_it_refuses_an_unvetted_driver_and_one_at_the_cap(
    world: DriverWorld, driver: User, other_driver: User
):
    make_driver(other_driver, world.zone, vetted=False)
    make_driver(driver, world.zone, max_active_routes=0)

    assert _post(other_driver, world, "claim") == (403, str(services.NOT_VETTED))
    assert _post(driver, world, "claim") == (403, str(services.AT_CAP))
    assert Route.objects.get(pk=world.route.pk).status == RouteStatus.OPEN


def test_it_refuses_to_claim_a_route_whose_day_passed(world: DriverWorld, driver: User):
    Route.objects.filter(pk=world.route.pk).update(
        service_date=world.route.service_date - dt.timedelta(days=10)
    )

    assert _post(driver, world, "claim") == (409, str(services.ROUTE_DAY_PASSED))
    assert Route.objects.get(pk=world.route.pk).status == RouteStatus.OPEN


def test_it_starts_and_releases_only_a_claimed_route_of_the_driver(
    world: DriverWorld, driver: User, other_driver: User
):
    assert _post(driver, world, "start") == (409, str(services.CANNOT_START))
    assert _post(driver, world, "release") == (409, str(services.NOT_CLAIMED))
    _post(driver, world, "claim")

    assert _post(other_driver, world, "start")[0] == 404
    assert _post(other_driver, world, "release")[0] == 404
    assert _post(driver, world, "release") == (200, "open")
    _post(driver, world, "claim")
    assert _post(driver, world, "start") == (409, str(services.NOT_ITS_DAY))
    on_its_day(world.route)
    assert _post(driver, world, "start") == (200, "in_progress")
    assert _post(driver, world, "release") == (409, str(services.NOT_CLAIMED))
    world.request.refresh_from_db()
    assert world.request.status == RequestStatus.OUT_FOR_DELIVERY


def test_it_takes_back_a_started_route_from_a_driver_who_loses_trust(
    world: DriverWorld, driver: User
):
    route_in_state(world.route, "in_progress", world.driver_profile)

    driver_save(user=driver, active=False)

    assert Route.objects.get(pk=world.route.pk).status == RouteStatus.CANCELLED
    world.request.refresh_from_db()
    assert world.request.status == RequestStatus.MATCHED  # planned again, nothing lost
    done = api_client_for(driver).post(
        f"/api/v1/stops/{world.stop.pk}/complete/", {"outcome": "delivered"}, format="json"
    )
    assert (done.status_code, done.json()["detail"]) == (403, str(services.NOT_VETTED))
    assert StockLot.objects.get(item=world.item).on_hand == 10


def test_it_refuses_to_start_a_route_for_a_driver_no_longer_trusted(
    world: DriverWorld, driver: User
):
    services.route_claim(route_id=world.route.pk, driver=world.driver_profile)
    Driver.objects.filter(pk=world.driver_profile.pk).update(active=False)  # behind driver_save

    with pytest.raises(ServiceError) as refused:
        services.route_start(
            route_id=world.route.pk, driver=Driver.objects.get(pk=world.driver_profile.pk)
        )

    assert (refused.value.kind, refused.value.message) == (Kind.REFUSED, services.NOT_VETTED)
    assert Route.objects.get(pk=world.route.pk).status == RouteStatus.CLAIMED


def test_it_queues_matching_on_request(
    world: DriverWorld, organizer: User, driver: User, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        response = api_client_for(organizer).post("/api/v1/matching/run/")

    assert response.status_code == 202
    assert len(callbacks) == 1
    assert api_client_for(driver).post("/api/v1/matching/run/").status_code == 403
