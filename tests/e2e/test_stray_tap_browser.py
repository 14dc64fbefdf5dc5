"""One stray tap changes nothing: on a 360 px phone, without JavaScript, a driver taps
"Delivered" on a stop, is asked "Delivered to stop 1?", taps "Back", and the stop is still
waiting, its address still shown, nothing recorded. Then "Yes" does record it."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Page, ViewportSize, expect

from deliveries.models import Route, RouteStatus, Stop, StopOutcome
from household_requests.models import HouseholdRequest, RequestStatus
from inventory.models import StockLot
from tests.conftest import PASSWORD
from tests.deliveries.factories import route_in_state
from tests.deliveries.scenario import World, make_driver, routed_request
from tests.e2e.conftest import OpenPage
from tests.household_requests.factories import SECRET_ADDRESS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SMALL_PHONE: ViewportSize = {"width": 360, "height": 740}


@pytest.fixture
def world(driver: User) -> World:
    world = routed_request(quantity=3)
    route_in_state(world.route, "in_progress", make_driver(driver, world.zone))
    return world


def _signed_in(phone: OpenPage, driver: User, path: str) -> Page:
    page = phone(f"/accounts/login/?next={path}", javascript=False)
    page.set_viewport_size(SMALL_PHONE)
    page.get_by_label("Username").fill(driver.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    return page


def _recorded(world: World) -> tuple[object, ...]:
    lot = StockLot.objects.get(item=world.item)
    return (
        Stop.objects.get(pk=world.stop.pk).outcome,
        HouseholdRequest.objects.get(pk=world.request.pk).status,
        Route.objects.get(pk=world.route.pk).status,
        (lot.on_hand, lot.reserved),
    )


def test_a_stray_delivered_tap_then_back_records_nothing(
    phone: OpenPage, driver: User, world: World
):
    route_path = f"/drive/routes/{world.route.pk}/"
    page = _signed_in(phone, driver, route_path)
    expect(page.get_by_text(SECRET_ADDRESS)).to_be_visible()
    before = _recorded(world)
    assert before == (
        StopOutcome.PENDING,
        RequestStatus.OUT_FOR_DELIVERY,
        RouteStatus.IN_PROGRESS,
        (10, 3),
    )

    page.get_by_role("button", name="Delivered").click()  # the stray tap

    expect(page.get_by_role("heading", level=1)).to_have_text("Delivered to stop 1?")
    assert _recorded(world) == before
    yes = page.get_by_role("button", name="Yes, delivered")
    back = page.get_by_role("link", name="Back")
    expect(yes).to_be_visible()
    expect(back).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= SMALL_PHONE["width"]
    back.click()

    expect(page).to_have_url(re.compile(rf"{route_path}#stop-{world.stop.pk}$"))
    expect(page.get_by_text(SECRET_ADDRESS)).to_be_visible()  # still there to deliver
    assert _recorded(world) == before

    # Positive control: the same steps with "Yes" do record the delivery.
    page.get_by_role("button", name="Delivered").click()
    page.get_by_role("button", name="Yes, delivered").click()

    expect(page.get_by_text(SECRET_ADDRESS)).to_have_count(0)
    assert _recorded(world) == (
        StopOutcome.DELIVERED,
        RequestStatus.DELIVERED,
        RouteStatus.COMPLETED,
        (7, 0),
    )
