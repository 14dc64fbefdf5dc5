"""A driver's route page open on a phone when the zone is paused (issue 14): at once when
the page loads (or is shown again) and then every minute, the page's static script asks
for the hold, removes the addresses and shows the hold; no contact is loaded again. Any
answer but a 200 (the session over) removes the addresses too. Without JavaScript the
next load shows the hold, and no address."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Page, expect

from deliveries.models import ContactReveal
from household_requests import pauses
from household_requests.models import PauseKind
from mutualaid.members import member_add
from tests.conftest import PASSWORD
from tests.deliveries.factories import route_in_state
from tests.deliveries.scenario import World, make_driver, routed_request
from tests.e2e.conftest import OpenPage
from tests.household_requests.factories import SECRET_ADDRESS, make_zone

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world(driver: User) -> World:
    world = routed_request(quantity=3)
    route_in_state(world.route, "in_progress", make_driver(driver, world.zone))
    return world


def _signed_in(phone: OpenPage, driver: User, *, javascript: bool = True) -> Page:
    page = phone("/accounts/login/", javascript=javascript)
    page.get_by_label("Username").fill(driver.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    return page


def _pause(world: World) -> None:
    make_zone("Elsewhere", ("55999",))  # a dispatcher's pause leaves a zone unpaused
    dispatcher = member_add(username="dina", role="dispatcher", password=PASSWORD)
    pauses.zones_pause(user=dispatcher, zone_ids=[world.zone.pk], kind=PauseKind.HOUR)


def test_it_clears_the_addresses_when_a_hold_comes(
    phone: OpenPage, live_server: Any, driver: User, world: World
):
    page = _signed_in(phone, driver)
    page.clock.install()
    page.goto(f"{live_server.url}/drive/routes/{world.route.pk}/")
    expect(page.get_by_text(SECRET_ADDRESS)).to_be_visible()  # before the pause
    reveals = ContactReveal.objects.count()

    _pause(world)
    page.clock.run_for("01:01")  # a minute passes: the script asks for the hold

    expect(page.get_by_text(f"Hold: do not go to {world.zone.name} now")).to_be_visible()
    expect(page.get_by_text(SECRET_ADDRESS)).to_have_count(0)
    assert ContactReveal.objects.count() == reveals  # no contact loaded by the check


def test_it_shows_the_hold_without_javascript(
    phone: OpenPage, live_server: Any, driver: User, world: World
):
    _pause(world)
    page = _signed_in(phone, driver, javascript=False)

    page.goto(f"{live_server.url}/drive/routes/{world.route.pk}/")

    expect(page.get_by_text(f"Hold: do not go to {world.zone.name} now")).to_be_visible()
    expect(page.get_by_text(SECRET_ADDRESS)).to_have_count(0)


def test_it_asks_for_the_hold_as_soon_as_the_page_loads(
    phone: OpenPage, live_server: Any, driver: User, world: World
):
    """The page is drawn before the pause; the zone is paused while its first hold check is
    on the way (the real server answers it): no minute passes, and the addresses go."""
    page = _signed_in(phone, driver)
    page.clock.install()  # the minute's timer never fires here
    asked: list[str] = []

    def pause_then_answer(route: Any) -> None:
        if not asked:
            _pause(world)
        asked.append(route.request.url)
        route.continue_()

    page.route("**/hold/", pause_then_answer)
    page.goto(f"{live_server.url}/drive/routes/{world.route.pk}/")

    expect(page.get_by_text(f"Hold: do not go to {world.zone.name} now")).to_be_visible()
    expect(page.get_by_text(SECRET_ADDRESS)).to_have_count(0)
    assert len(asked) == 1


def test_it_clears_the_addresses_on_any_other_answer(
    phone: OpenPage, live_server: Any, driver: User, world: World
):
    page = _signed_in(phone, driver)
    page.clock.install()
    page.goto(f"{live_server.url}/drive/routes/{world.route.pk}/")
    expect(page.get_by_text(SECRET_ADDRESS)).to_be_visible()
    # Positive control: a check that answers 200 without a hold keeps them.
    page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
    page.wait_for_timeout(500)
    expect(page.get_by_text(SECRET_ADDRESS)).to_be_visible()

    # The session ends (signed out elsewhere, expired): the check is sent to the login page.
    page.context.clear_cookies()
    page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")

    expect(page.get_by_text(SECRET_ADDRESS)).to_have_count(0)
