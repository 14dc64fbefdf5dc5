"""A driver on a phone claims a route from the board, sees the stop's address only then,
and marks it delivered; the address disappears and the stock leaves the shelf."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connections
from playwright.sync_api import Page, expect, sync_playwright

from deliveries.models import ContactReveal, Route, RouteStatus
from inventory.models import StockLot
from tests.conftest import PASSWORD, need
from tests.deliveries.scenario import World, make_driver, routed_request
from tests.e2e.test_donation_intake_browser import CHROMIUM, LAUNCH_ARGS, PHONE
from tests.household_requests.factories import SECRET_ADDRESS, SECRET_NAME

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world(driver: User) -> World:
    world = routed_request(quantity=3)
    make_driver(driver, world.zone)
    return world


@pytest.fixture
def driver_phone(
    monkeypatch: pytest.MonkeyPatch, live_server: Any, driver: User, world: World
) -> Iterator[Page]:
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    need(f"Chromium at {CHROMIUM}", CHROMIUM.exists())
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
        context.set_default_timeout(15_000)
        page = context.new_page()
        page.goto(live_server.url + "/accounts/login/")
        page.get_by_label("Username").fill(driver.username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        try:
            yield page
        finally:
            # ORM calls made while Playwright's loop runs get a connection of their own
            # (Django's connections are context-local): close it here, in that context.
            connections.close_all()
            context.close()
            browser.close()


def test_it_lets_a_driver_claim_see_the_address_and_deliver(driver_phone: Page, world: World):
    page = driver_phone
    expect(page).to_have_url(re.compile(r"/drive/$"))
    assert SECRET_ADDRESS not in page.content()  # the board never shows an address

    page.get_by_role("button", name="Claim this route").first.click()

    expect(page.get_by_text(SECRET_ADDRESS)).to_be_visible()
    expect(page.get_by_text(SECRET_NAME)).to_be_visible()
    assert ContactReveal.objects.filter(channel="page").count() >= 1
    page.get_by_role("button", name="Delivered").click()

    expect(page.get_by_text(SECRET_ADDRESS)).to_have_count(0)
    assert Route.objects.get(pk=world.route.pk).status == RouteStatus.COMPLETED
    lot = StockLot.objects.get(item=world.item)
    assert (lot.on_hand, lot.reserved) == (7, 0)
