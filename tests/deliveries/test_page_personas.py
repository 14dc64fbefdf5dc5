"""The persona matrix of the delivery pages: drivers, organizers, members without a role,
anonymous visitors, drivers outside a route, and drivers without a profile."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from deliveries import services
from deliveries.models import RouteStatus
from mutualaid.members import member_add
from tests.conftest import PASSWORD, page_client
from tests.deliveries.conftest import DriverWorld
from tests.deliveries.helpers import (
    MISSING,
    assert_login_redirect,
    route_snapshot,
    text_of,
)
from tests.deliveries.scenario import routed_request
from tests.household_requests.factories import make_zone

pytestmark = pytest.mark.django_db

DRIVER_PAGES = ["/drive/", "/drive/mine/"]


def organizer_pages(world: DriverWorld) -> list[str]:
    return [
        "/deliveries/routes/",
        f"/deliveries/routes/{world.route.pk}/",
        "/deliveries/drivers/",
        "/deliveries/drivers/new/",
        f"/deliveries/drivers/{world.driver_profile.pk}/",
        "/deliveries/reveals/",
        "/dashboard/",
    ]


def driver_posts(world: DriverWorld) -> list[tuple[str, dict[str, str]]]:
    return [
        (f"/drive/routes/{world.route.pk}/claim/", {}),
        (f"/drive/routes/{world.route.pk}/start/", {}),
        (f"/drive/routes/{world.route.pk}/release/", {}),
        (f"/drive/stops/{world.stop.pk}/complete/", {"outcome": "delivered"}),
    ]


def test_it_shows_driver_pages_to_drivers(world: DriverWorld, driver: User, other_driver: User):
    for user in (driver, other_driver):
        client = page_client(user)
        for url in [*DRIVER_PAGES, f"/drive/routes/{world.route.pk}/"]:
            assert client.get(url).status_code == 200, (user.username, url)


def test_it_shows_organizer_pages_to_organizers(world: DriverWorld, organizer: User):
    client = page_client(organizer)

    for url in organizer_pages(world):
        assert client.get(url).status_code == 200, url


def test_it_refuses_driver_pages_to_organizers_and_members_without_a_role(
    world: DriverWorld, organizer: User, member_without_role: User
):
    for user in (organizer, member_without_role):
        for url in DRIVER_PAGES:
            assert page_client(user).get(url).status_code == 403, (user.username, url)


def test_it_refuses_organizer_pages_to_drivers_and_members_without_a_role(
    world: DriverWorld, driver: User, member_without_role: User
):
    for user in (driver, member_without_role):
        for url in organizer_pages(world):
            assert page_client(user).get(url).status_code == 403, (user.username, url)


def test_it_refuses_the_route_page_to_members_without_a_role(
    world: DriverWorld, member_without_role: User
):
    response = page_client(member_without_role).get(f"/drive/routes/{world.route.pk}/")

    assert response.status_code == 403


def test_it_sends_anonymous_visitors_to_the_login_page(world: DriverWorld):
    client = page_client(None)

    for url in [*DRIVER_PAGES, f"/drive/routes/{world.route.pk}/", *organizer_pages(world)]:
        assert_login_redirect(client.get(url))


def test_it_refuses_driver_actions_to_everyone_else_and_writes_nothing(
    world: DriverWorld, organizer: User, member_without_role: User
):
    before = route_snapshot()

    for url, data in driver_posts(world):
        for user in (organizer, member_without_role):
            assert page_client(user).post(url, data).status_code == 403, (user.username, url)
        assert_login_redirect(page_client(None).post(url, data))
    assert route_snapshot() == before


def test_it_only_acts_through_a_post(world: DriverWorld, driver: User):
    client = page_client(driver)

    for url, _data in driver_posts(world):
        assert client.get(url).status_code == 405, url
    assert route_snapshot()[0][1] == RouteStatus.OPEN


def test_it_answers_404_for_unknown_records(world: DriverWorld, organizer: User, driver: User):
    for url in [
        f"/deliveries/routes/{MISSING}/",
        f"/deliveries/drivers/{MISSING}/",
        f"/drive/routes/{MISSING}/",
    ]:
        assert page_client(organizer).get(url).status_code == 404, url
    client = page_client(driver)
    assert client.get(f"/drive/routes/{MISSING}/").status_code == 404
    for url in [
        f"/drive/routes/{MISSING}/claim/",
        f"/drive/routes/{MISSING}/start/",
        f"/drive/routes/{MISSING}/release/",
        f"/drive/stops/{MISSING}/complete/",
    ]:
        assert client.post(url, {"outcome": "delivered"}).status_code == 404, url


def test_it_answers_404_to_drivers_outside_the_route(world: DriverWorld, other_driver: User):
    services.route_claim(route_id=world.route.pk, driver=world.driver_profile)
    before = route_snapshot()
    client = page_client(other_driver)

    assert client.get(f"/drive/routes/{world.route.pk}/").status_code == 404
    for url, data in driver_posts(world)[1:]:
        assert client.post(url, data).status_code == 404, url
    assert route_snapshot() == before


def test_it_keeps_routes_of_other_zones_off_the_board_and_unclaimable(
    world: DriverWorld, other_driver: User
):
    far = routed_request(zone=make_zone("Powderhorn", ("55408",))).route
    client = page_client(other_driver)

    assert "Powderhorn" not in text_of(client.get("/drive/"))
    assert client.get(f"/drive/routes/{far.pk}/").status_code == 404
    assert client.post(f"/drive/routes/{far.pk}/claim/").status_code == 404
    far.refresh_from_db()
    assert far.status == RouteStatus.OPEN


def test_it_asks_a_driver_without_a_profile_to_see_an_organizer(world: DriverWorld):
    newcomer = member_add(username="nadia", role="driver", password=PASSWORD)
    client = page_client(newcomer)
    before = route_snapshot()

    for url in [*DRIVER_PAGES, f"/drive/routes/{world.route.pk}/"]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "Ask an organizer" in text_of(response), url
    for url, data in driver_posts(world):
        response = client.post(url, data)
        assert response.status_code == 403, url
        assert "Ask an organizer" in text_of(response), url
        assert client.get(url).status_code == 405, url
    assert route_snapshot() == before
