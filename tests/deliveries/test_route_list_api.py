"""GET /api/v1/routes/: the board for drivers (their zones, their own routes), every route
for organizers, and never a contact."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from deliveries import services
from deliveries.drivers import driver_save
from tests.conftest import api_client_for
from tests.deliveries.conftest import DriverWorld
from tests.deliveries.helpers import assert_no_secret, text_of
from tests.deliveries.scenario import routed_request
from tests.household_requests.factories import make_zone

pytestmark = pytest.mark.django_db


def _listed(client: APIClient, query: str = "") -> list[int]:
    response = client.get(f"/api/v1/routes/{query}")
    assert response.status_code == 200
    assert_no_secret(text_of(response))
    return [route["id"] for route in response.json()["results"]]


def test_it_shows_the_board_without_contacts(world: DriverWorld, driver: User):
    response = api_client_for(driver).get("/api/v1/routes/")

    assert response.status_code == 200
    route = response.json()["results"][0]
    assert route["id"] == world.route.pk
    assert route["status"] == "open" and route["stop_count"] == 1
    assert route["zone"] == world.zone.pk and route["service_date"]
    assert route["stops"][0]["reference"] == world.request.reference
    assert "contact" not in route["stops"][0]
    assert_no_secret(text_of(response))


def test_it_answers_the_persona_matrix(
    world: DriverWorld, organizer: User, member_without_role: User, anonymous_api: APIClient
):
    assert api_client_for(organizer).get("/api/v1/routes/").status_code == 200
    assert api_client_for(member_without_role).get("/api/v1/routes/").status_code == 403
    assert anonymous_api.get("/api/v1/routes/").status_code == 401


def test_it_lists_a_driver_s_zones_and_own_routes_and_everything_for_organizers(
    world: DriverWorld, driver: User, other_driver: User, organizer: User
):
    far = routed_request(zone=make_zone("Frogtown", ("55103",))).route
    services.route_claim(route_id=world.route.pk, driver=world.other_profile)

    assert _listed(api_client_for(driver)) == []
    assert _listed(api_client_for(other_driver)) == [world.route.pk]
    assert sorted(_listed(api_client_for(organizer))) == sorted([world.route.pk, far.pk])
    assert _listed(api_client_for(organizer), f"?zone={far.zone_id}") == [far.pk]
    assert _listed(api_client_for(organizer), "?status=claimed") == [world.route.pk]


def test_it_shows_an_unvetted_driver_no_board(world: DriverWorld, other_driver: User):
    driver_save(user=other_driver, vetted=False)

    assert _listed(api_client_for(other_driver)) == []
