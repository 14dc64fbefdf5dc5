"""GET /api/v1/routes/<id>/: stops by reference for everyone allowed, contacts only for the
assigned driver of a route started on its day (a claim alone shows nothing), every reveal
logged, access ended at once."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from deliveries.drivers import driver_save
from deliveries.models import ContactReveal, Route, RouteStatus
from mutualaid.members import member_add
from tests.conftest import api_client_for
from tests.deliveries.conftest import DriverWorld
from tests.deliveries.factories import ROUTE_STATES, make_driver, route_in_state
from tests.deliveries.helpers import MISSING, assert_no_secret, shows_secrets, text_of

pytestmark = pytest.mark.django_db


def _detail(client: APIClient, world: DriverWorld) -> tuple[int, str, dict]:
    response = client.get(f"/api/v1/routes/{world.route.pk}/")
    return response.status_code, text_of(response), response.json()


@pytest.mark.parametrize("state", ROUTE_STATES)
def test_it_reveals_the_contact_only_to_the_assigned_driver_of_an_active_route(
    world: DriverWorld,
    state: str,
    driver: User,
    other_driver: User,
    organizer: User,
    member_without_role: User,
):
    unvetted = member_add(username="newbie", role="driver", password="x-long-enough-1")
    make_driver(unvetted, world.zone, vetted=False)
    route_in_state(world.route, state, world.driver_profile)
    on_board = state in {"open", "released"}
    reveals = state == "in_progress"
    expected_status = {
        "assigned": 200,
        "other": 200 if on_board else 404,  # another driver sees only the open board
        "unvetted": 404,  # no board at all
        "organizer": 200,
        "no role": 403,
        "anonymous": 401,
    }
    clients = {
        "assigned": api_client_for(driver),
        "other": api_client_for(other_driver),
        "unvetted": api_client_for(unvetted),
        "organizer": api_client_for(organizer),
        "no role": api_client_for(member_without_role),
        "anonymous": APIClient(),
    }

    seen = {persona: _detail(client, world) for persona, client in clients.items()}

    assert {persona: status for persona, (status, _t, _j) in seen.items()} == expected_status
    for persona, (status, text, body) in seen.items():
        shows = persona == "assigned" and reveals
        if shows:
            assert shows_secrets(text), (persona, state)
        else:
            assert_no_secret(text)
        if status == 200:
            assert ("contact" in body["stops"][0]) == shows, (persona, state)
    assert ContactReveal.objects.filter(channel="api").count() == (1 if reveals else 0)
    if reveals:
        log = ContactReveal.objects.get()
        assert (log.user, log.stop_id) == (driver, world.stop.pk)


def test_it_answers_404_for_an_unknown_or_malformed_route(
    world: DriverWorld, organizer: User, driver: User
):
    for client in (api_client_for(organizer), api_client_for(driver)):
        assert client.get(f"/api/v1/routes/{MISSING}/").status_code == 404
        assert client.get("/api/v1/routes/first/").status_code == 404
    assert api_client_for(driver).post("/api/v1/routes/first/claim/").status_code == 404


def test_it_ends_access_when_a_driver_is_no_longer_vetted(world: DriverWorld, driver: User):
    route_in_state(world.route, "in_progress", world.driver_profile)
    client = api_client_for(driver)
    assert shows_secrets(_detail(client, world)[1])

    driver_save(user=driver, vetted=False)

    # Their started route is cancelled (its families planned again); it still names them.
    route = Route.objects.get(pk=world.route.pk)
    assert route.status == RouteStatus.CANCELLED
    status, text = _detail(client, world)[:2]
    assert status == 200
    assert_no_secret(text)


def test_it_ends_access_when_a_driver_leaves_the_zone(world: DriverWorld, driver: User):
    route_in_state(world.route, "claimed", world.driver_profile)

    driver_save(user=driver, zones=[])

    route = Route.objects.get(pk=world.route.pk)
    assert route.status == RouteStatus.OPEN and route.driver is None
    assert api_client_for(driver).get(f"/api/v1/routes/{world.route.pk}/").status_code == 404


def test_it_shows_the_former_driver_no_contact_once_the_route_is_done(
    world: DriverWorld, driver: User
):
    route_in_state(world.route, "completed", world.driver_profile)

    status, text, body = _detail(api_client_for(driver), world)

    assert status == 200
    assert_no_secret(text)
    assert [stop["outcome"] for stop in body["stops"]] == ["delivered"]
