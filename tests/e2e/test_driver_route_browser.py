"""A driver on a phone claims a route from the board, sees the stop's address only once they
start it on its day, and marks it delivered; the address disappears and the stock leaves
the shelf."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Page, expect

from deliveries.models import ContactReveal, Route, RouteStatus
from inventory.models import StockLot
from tests.conftest import PASSWORD
from tests.deliveries.factories import on_its_day
from tests.deliveries.scenario import World, make_driver, routed_request
from tests.e2e.conftest import OpenPage
from tests.household_requests.factories import SECRET_ADDRESS, SECRET_NAME

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world(driver: User) -> World:
    world = routed_request(quantity=3)
    make_driver(driver, world.zone)
    return world


@pytest.fixture
def driver_phone(phone: OpenPage, driver: User, world: World) -> Page:
    page = phone("/accounts/login/")
    page.get_by_label("Username").fill(driver.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    return page


def test_it_lets_a_driver_claim_see_the_address_and_deliver(driver_phone: Page, world: World):
    page = driver_phone
    expect(page).to_have_url(re.compile(r"/drive/$"))
    assert SECRET_ADDRESS not in page.content()  # the board never shows an address

    page.get_by_role("button", name="Claim this route").first.click()

    expect(page.get_by_text("Names and addresses show once you start the route.")).to_be_visible()
    assert SECRET_ADDRESS not in page.content()  # a claim shows what the board shows
    on_its_day(world.route)  # the clock reaches the route's day
    page.get_by_role("button", name="Start route").click()

    expect(page.get_by_text(SECRET_ADDRESS)).to_be_visible()
    expect(page.get_by_text(SECRET_NAME)).to_be_visible()
    assert ContactReveal.objects.filter(channel="page").count() >= 1
    page.get_by_role("button", name="Delivered").click()
    page.get_by_role("button", name="Yes, delivered").click()  # the stop's confirm step

    expect(page.get_by_text(SECRET_ADDRESS)).to_have_count(0)
    assert Route.objects.get(pk=world.route.pk).status == RouteStatus.COMPLETED
    lot = StockLot.objects.get(item=world.item)
    assert (lot.on_hand, lot.reserved) == (7, 0)
