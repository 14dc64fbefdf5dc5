"""Every organizer page fits a 360 px wide phone: the page itself never scrolls sideways
(wide tables become cards or scroll inside their own box). The check is shown to catch a
page that does scroll sideways: a 2000 px wide element added through the CSSOM (the CSP
refuses inline style attributes, not styles a script sets) makes it fail."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from playwright.sync_api import Page, ViewportSize, expect

from deliveries.demo import seed_demo
from deliveries.models import ContactReveal
from household_requests.models import HouseholdRequest
from inventory.models import Donation, Item, StockLot
from tests.conftest import PASSWORD
from tests.deliveries.factories import make_driver, route_in_state
from tests.deliveries.scenario import World, routed_request
from tests.e2e.conftest import OpenPage

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NARROW: ViewportSize = {"width": 360, "height": 780}

# The page's width and what the viewport shows of it, and the first element (outermost)
# past the right edge when they differ, so a failure names the culprit.
MEASURE = """() => {
  const root = document.documentElement;
  let culprit = "";
  if (root.scrollWidth > root.clientWidth) {
    for (const el of document.body.querySelectorAll("*")) {
      const box = el.getBoundingClientRect();
      if (!culprit && box.right > root.clientWidth + 1) {
        culprit = el.tagName.toLowerCase() + "." + el.className + " right=" + box.right;
      }
    }
  }
  return [root.scrollWidth, root.clientWidth, culprit];
}"""

WIDEN = """() => {
  const wide = document.createElement("div");
  wide.style.width = "2000px";
  wide.textContent = "wide";
  document.querySelector("main").appendChild(wide);
}"""


def _signed_in(phone: OpenPage, organizer: User) -> Page:
    page = phone("/accounts/login/?next=/dashboard/")
    page.set_viewport_size(NARROW)
    page.get_by_label("Username").fill(organizer.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/dashboard/$"))
    return page


def _overflow(page: Page) -> tuple[int, int, str]:
    scroll_width, client_width, culprit = page.evaluate(MEASURE)
    return int(scroll_width), int(client_width), str(culprit)


@pytest.fixture
def busy_network(organizer: User, driver: User) -> World:
    """The demo network, plus a route under way whose driver opened the stops (so the
    reveal log has lines), and long names where a layout would break."""
    seed_demo()
    world = routed_request(quantity=3)
    route_in_state(world.route, "in_progress", make_driver(driver, world.zone))
    client = Client()
    client.force_login(driver)
    assert client.get(f"/drive/routes/{world.route.pk}/").status_code == 200
    assert ContactReveal.objects.exists()
    Item.objects.filter(pk=world.item.pk).update(
        name="Extra-large family-size gluten-free breakfast cereal (multigrain)"
    )
    return world


def _organizer_pages(world: World) -> list[str]:
    donation = Donation.objects.order_by("pk").first()
    lot = StockLot.objects.order_by("pk").first()
    request = HouseholdRequest.objects.order_by("pk").first()
    assert donation is not None and lot is not None and request is not None
    return [
        "/dashboard/",
        "/inventory/donations/new/",
        "/inventory/donations/",
        f"/inventory/donations/{donation.pk}/",
        "/inventory/",
        f"/inventory/items/{lot.item_id}/lots/",
        f"/inventory/lots/{lot.pk}/",
        "/inventory/count/",
        f"/inventory/locations/{lot.location_id}/count/",
        "/inventory/catalogue/",
        f"/inventory/catalogue/item/{lot.item_id}/",
        "/requests/",
        "/requests/hotline/",
        f"/requests/{world.request.pk}/",
        f"/requests/{request.pk}/",
        "/deliveries/routes/",
        f"/deliveries/routes/{world.route.pk}/",
        f"/deliveries/routes/{world.route.pk}/packing/",
        "/deliveries/packing/",
        "/deliveries/drivers/",
        "/volunteers/",
        "/volunteers/invite/",
        "/deliveries/reveals/",
        "/reports/",
        "/import/",
    ]


def test_it_fits_every_organizer_page_on_a_360_px_phone(
    phone: OpenPage, organizer: User, busy_network: World, live_server: Any
):
    page = _signed_in(phone, organizer)
    too_wide = {}
    for path in _organizer_pages(busy_network):
        response = page.goto(live_server.url + path)
        assert response is not None and response.status == 200, path
        scroll_width, client_width, culprit = _overflow(page)
        assert client_width == 360
        if scroll_width > client_width:
            too_wide[path] = (scroll_width, culprit)
    assert too_wide == {}


def test_it_fits_the_import_preview_with_a_bad_row_on_a_360_px_phone(
    phone: OpenPage, organizer: User, tmp_path: Path, live_server: Any
):
    sheet = tmp_path / "catalogue.csv"
    sheet.write_text(
        "Category,Item,Unit,Perishable?,Target on hand,Max per family,Diet tags,Spanish name\n"
        'Canned goods,Black beans,can,no,60,4,"Vegetarian, Halal",Frijoles negros\n'
        "Canned goods,Chickpeas,crate,no,60,4,Vegetarian,Garbanzos\n"
    )
    page = _signed_in(phone, organizer)
    page.goto(live_server.url + "/import/")
    page.get_by_label("What the file holds").select_option("catalogue")
    page.get_by_label("CSV file").set_input_files(str(sheet))
    page.get_by_role("button", name="Preview").click()
    expect(page.locator(".import-errors")).to_contain_text("row 3: unknown unit “crate”")
    scroll_width, client_width, culprit = _overflow(page)
    assert scroll_width <= client_width, culprit


def test_the_check_catches_a_page_that_scrolls_sideways(phone: OpenPage, organizer: User):
    """Positive control: the same measure on a page made too wide fails."""
    page = _signed_in(phone, organizer)
    scroll_width, client_width, _culprit = _overflow(page)
    assert scroll_width <= client_width
    page.evaluate(WIDEN)
    scroll_width, client_width, culprit = _overflow(page)
    assert scroll_width > client_width
    assert culprit.startswith("div")
