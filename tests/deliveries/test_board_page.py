"""/drive/ and /drive/mine/ and the route actions: the board, claims (one winner, the
cap, vetting), start and release."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User

from deliveries import services
from deliveries.models import RouteStatus
from tests.conftest import page_client
from tests.deliveries.conftest import DriverWorld
from tests.deliveries.factories import OTHER_CONTACT, make_driver, on_its_day, planned_route
from tests.deliveries.helpers import assert_no_secret, messages_of, shown, text_of
from tests.household_requests.factories import contact

pytestmark = pytest.mark.django_db


def test_it_shows_open_routes_on_the_board_without_any_contact(world: DriverWorld, driver: User):
    response = page_client(driver).get("/drive/")

    text = text_of(response)
    assert "Phillips" in text
    assert "1 stop" in text
    assert f'action="/drive/routes/{world.route.pk}/claim/"' in response.content.decode()
    assert response.context["rows"] == [(world.route, [(world.item.category.name, 3)])]
    assert_no_secret(text)
    assert world.request.reference not in text


def test_it_claims_a_route_from_the_board(world: DriverWorld, driver: User):
    client = page_client(driver)

    response = client.post(f"/drive/routes/{world.route.pk}/claim/", follow=True)

    assert response.redirect_chain == [(f"/drive/routes/{world.route.pk}/", 302)]
    assert messages_of(response) == [
        "The route is yours. Names and addresses show here once you start it on its day."
    ]
    # The route page, now theirs, shows what the board shows until they start on the day.
    assert_no_secret(text_of(response))
    assert "Names and addresses show once you start the route." in text_of(response)
    world.route.refresh_from_db()
    assert (world.route.status, world.route.driver) == (RouteStatus.CLAIMED, world.driver_profile)
    assert f"/drive/routes/{world.route.pk}/claim/" not in client.get("/drive/").content.decode()
    mine = text_of(client.get("/drive/mine/"))
    assert f"/drive/routes/{world.route.pk}/" in mine
    assert_no_secret(mine)


def test_it_tells_the_second_driver_that_another_claimed_it_first(
    world: DriverWorld, driver: User, other_driver: User
):
    page_client(driver).post(f"/drive/routes/{world.route.pk}/claim/")

    response = page_client(other_driver).post(f"/drive/routes/{world.route.pk}/claim/", follow=True)

    assert response.redirect_chain == [("/drive/", 302)]
    assert messages_of(response) == [str(services.CLAIM_LOST)]
    assert "Another driver claimed this route first." in text_of(response)
    world.route.refresh_from_db()
    assert world.route.driver == world.driver_profile
    assert_no_secret(text_of(response))


def test_it_refuses_claims_from_unvetted_drivers(world: DriverWorld, other_driver: User):
    make_driver(other_driver, vetted=False)
    client = page_client(other_driver)
    assert "has not vetted you yet" in text_of(client.get("/drive/"))

    response = client.post(f"/drive/routes/{world.route.pk}/claim/", follow=True)

    assert messages_of(response) == [str(services.NOT_VETTED)]
    world.route.refresh_from_db()
    assert world.route.status == RouteStatus.OPEN


def test_it_refuses_claims_beyond_the_driver_s_cap(world: DriverWorld, settings: Any, driver: User):
    settings.ROUTE_MAX_STOPS = 1
    make_driver(driver, max_active_routes=1)
    second = planned_route([contact(**OTHER_CONTACT)])
    client = page_client(driver)
    client.post(f"/drive/routes/{world.route.pk}/claim/", follow=True)

    response = client.post(f"/drive/routes/{second.pk}/claim/", follow=True)

    assert messages_of(response) == [str(services.AT_CAP)]
    second.refresh_from_db()
    assert second.status == RouteStatus.OPEN


def test_it_starts_and_releases_routes_from_the_route_page(
    world: DriverWorld, settings: Any, driver: User
):
    settings.ROUTE_MAX_STOPS = 1
    second = planned_route([contact(**OTHER_CONTACT)])
    client = page_client(driver)
    for route in (world.route, second):
        client.post(f"/drive/routes/{route.pk}/claim/")
    page = client.get(f"/drive/routes/{world.route.pk}/").content.decode()
    assert f'action="/drive/routes/{world.route.pk}/start/"' in page
    assert f'action="/drive/routes/{world.route.pk}/release/"' in page
    too_early = client.post(f"/drive/routes/{world.route.pk}/start/", follow=True)
    assert messages_of(too_early) == [str(services.NOT_ITS_DAY)]
    on_its_day(world.route)

    started = client.post(f"/drive/routes/{world.route.pk}/start/", follow=True)
    released = client.post(f"/drive/routes/{second.pk}/release/", follow=True)

    assert started.redirect_chain == [(f"/drive/routes/{world.route.pk}/", 302)]
    assert f"/drive/routes/{world.route.pk}/release/" not in started.content.decode()
    assert released.redirect_chain == [("/drive/mine/", 302)]
    assert "Route released." in text_of(released)
    world.route.refresh_from_db()
    second.refresh_from_db()
    assert world.route.status == RouteStatus.IN_PROGRESS
    assert (second.status, second.driver) == (RouteStatus.OPEN, None)
    after = text_of(client.get(f"/drive/routes/{second.pk}/"))
    assert shown(after, OTHER_CONTACT["address"]) == [False]
    refused = client.post(f"/drive/routes/{world.route.pk}/release/", follow=True)
    assert messages_of(refused) == [str(services.NOT_CLAIMED)]


def test_it_lists_the_driver_s_own_routes_only(
    world: DriverWorld, settings: Any, driver: User, other_driver: User
):
    settings.ROUTE_MAX_STOPS = 1
    theirs = planned_route([contact(**OTHER_CONTACT)])
    services.route_claim(route_id=world.route.pk, driver=world.driver_profile)
    services.route_claim(route_id=theirs.pk, driver=world.other_profile)

    response = page_client(driver).get("/drive/mine/")

    assert [route.pk for route, _counts in response.context["active"]] == [world.route.pk]
    assert f"/drive/routes/{theirs.pk}/" not in response.content.decode()


def test_it_shows_the_soonest_routes_first_and_pages_the_rest(settings: Any, driver: User):
    from deliveries.models import Route
    from deliveries.views.driving import BOARD_PAGE
    from household_requests.request_rules import WEEKDAYS
    from tests.deliveries.factories import plan, stocked_item, zone_named
    from tests.household_requests.factories import submit

    settings.ROUTE_MAX_STOPS = 1
    make_driver(driver, zone_named())
    item = stocked_item(quantity=1000)
    # A route per family, the families' days spread over the week.
    for n in range(BOARD_PAGE + 5):
        submit(
            items=[(item, 1)],
            contact=contact(phone=f"612-555-{n:04d}"),
            preferred_days=[WEEKDAYS[n % 7]],
        )
    plan()
    by_day = list(Route.objects.order_by("service_date", "window_start", "id"))
    client = page_client(driver)

    first = client.get("/drive/")
    second = client.get("/drive/?page=2")
    beyond = client.get("/drive/?page=99")

    assert [route for route, _loads in first.context["rows"]] == by_day[:BOARD_PAGE]
    assert [route for route, _loads in second.context["rows"]] == by_day[BOARD_PAGE:]
    assert by_day[0].service_date < by_day[-1].service_date
    assert "Later routes" in text_of(first) and "Sooner routes" in text_of(second)
    assert beyond.context["rows"] == second.context["rows"]  # past the end: the last page
