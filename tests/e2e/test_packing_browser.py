"""An organizer prints a route's packing list and box labels: in print view the menus are
gone, the stops show by reference code with what to pack and the totals, the labels carry
QR codes, and no family's name, phone or address is anywhere on them (while the route's
driver, on their started route, does see them: the search works)."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Page, expect

from deliveries.models import Route
from tests.conftest import PASSWORD
from tests.deliveries.factories import make_driver, route_in_state
from tests.deliveries.helpers import SECRETS, shown
from tests.deliveries.scenario import World, routed_request
from tests.e2e.conftest import OpenPage

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def signed_in(phone: OpenPage, user: User, path: str) -> Page:
    page = phone(f"/accounts/login/?next={path}")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    # The whole path: the login page's own address ends with "?next=<path>".
    expect(page).to_have_url(re.compile(r"^https?://[^/?]+" + re.escape(path) + "$"))
    return page


def no_contact(page: Page) -> bool:
    text = page.content() + page.locator("body").inner_text()
    return shown(text, *SECRETS, "Leakcheck") == [False] * (len(SECRETS) + 1)


@pytest.fixture
def world(driver: User) -> World:
    world = routed_request(quantity=3)
    route_in_state(world.route, "in_progress", make_driver(driver, world.zone))
    return world


def test_it_prints_a_packing_list_with_no_contact_on_it(
    phone: OpenPage, organizer: User, driver: User, world: World
):
    route: Route = world.route
    page = signed_in(phone, organizer, f"/deliveries/routes/{route.pk}/packing/")
    page.emulate_media(media="print")

    expect(page.locator("header.top")).to_be_hidden()
    expect(page.locator(".subnav")).to_be_hidden()
    expect(page.locator("h1")).to_contain_text(f"Packing list · route #{route.pk}")
    expect(page.locator("table.packing")).to_contain_text(world.request.reference)
    expect(page.locator("table.packing")).to_contain_text(world.item.name)
    expect(page.locator("table.totals")).to_contain_text("3")
    expect(page.locator("main")).to_contain_text("Pantry:")
    assert no_contact(page)
    assert len(page.pdf(format="A4")) > 1000  # Chromium prints it

    labels = signed_in(phone, organizer, f"/deliveries/routes/{route.pk}/labels/")
    labels.emulate_media(media="print")
    expect(labels.locator("li.label")).to_have_count(1)
    expect(labels.locator("li.label svg.qr")).to_be_visible()
    expect(labels.locator("li.label")).to_contain_text(world.request.reference)
    expect(labels.locator("li.label")).to_contain_text("Stop 1")
    assert no_contact(labels)

    # Positive control: the same search finds the family on the driver's started route.
    drive = signed_in(phone, driver, f"/drive/routes/{route.pk}/")
    expect(drive.locator(".stop .contact")).to_be_visible()
    assert not no_contact(drive)
