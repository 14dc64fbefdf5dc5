"""An organizer logs a donation on a phone-sized Chromium and finds it on the stock page."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Page, expect

from inventory.models import Item, Location
from mutualaid.timeutil import local_today
from tests.conftest import PASSWORD
from tests.e2e.conftest import OpenPage
from tests.inventory.factories import ItemFactory, LocationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOT = Path("/tmp/stock.png")  # noqa: S108 (a fixed place for people to look at)


@pytest.fixture
def shelves(db: None) -> tuple[Location, Item, Item]:
    return (
        LocationFactory.create(name="Corner church"),
        ItemFactory.create(name="Rice", unit=Item.Unit.BAG, target_on_hand=40),
        ItemFactory.create(name="Milk", unit=Item.Unit.LITRE, perishable=True),
    )


def _logged_in(phone: OpenPage, organizer: User, next_path: str, *, javascript: bool) -> Page:
    page = phone(next_path, javascript=javascript)
    assert "/accounts/login/" in page.url
    page.fill("#id_username", organizer.username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(re.escape(next_path) + "$"))
    return page


def _fits_the_screen(page: Page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def test_it_logs_a_two_line_donation_and_shows_it_in_stock(
    phone: OpenPage, organizer: User, shelves: tuple[Location, Item, Item]
):
    _location, rice, milk = shelves
    expiry = local_today() + dt.timedelta(days=3)
    page = _logged_in(phone, organizer, "/inventory/donations/new/", javascript=True)
    assert _fits_the_screen(page)

    page.fill("#id_donor", "Parish food drive")
    # Line 1: found by typing in the item search.
    page.locator("#id_lines-0-item").locator("xpath=..").locator("input.item-search").fill("ric")
    expect(page.locator("#id_lines-0-item")).to_have_value(str(rice.pk))
    page.fill("#id_lines-0-quantity", "12")
    # Line 2: a perishable item makes its expiry date required.
    expiry_field = page.locator("#id_lines-1-expires_on")
    assert expiry_field.evaluate("input => input.required") is False
    page.select_option("#id_lines-1-item", str(milk.pk))
    assert expiry_field.evaluate("input => input.required") is True
    expect(page.locator(".line").nth(1).locator(".required-note")).to_be_visible()
    page.fill("#id_lines-1-quantity", "6")
    expiry_field.fill(expiry.isoformat())
    # More rows on demand; a blank extra row is ignored.
    page.click("text=+ Add a line")
    expect(page.locator("#id_lines-3-item")).to_be_visible()
    expect(page.locator("input[name=lines-TOTAL_FORMS]")).to_have_value("4")

    page.click("button:has-text('Log donation')")

    page.wait_for_url(re.compile(r"/inventory/donations/\d+/$"))
    expect(page.locator(".message")).to_contain_text("with 2 line(s)")
    page.click("header >> text=Stock")
    page.wait_for_url(re.compile(r"/inventory/$"))
    stock = page.locator("table.stock")
    expect(stock.locator("tr", has_text="Rice")).to_contain_text("12 bag")
    expect(stock.locator("tr", has_text="Rice")).to_contain_text("below target")
    expect(stock.locator("tr", has_text="Milk")).to_contain_text("6 litre")
    expect(page.locator("table.expiring tr", has_text="Milk")).to_contain_text("Corner church")
    assert _fits_the_screen(page)
    page.screenshot(path=str(SCREENSHOT), full_page=True)


def test_it_logs_a_donation_without_javascript(
    phone: OpenPage, live_server: Any, organizer: User, shelves: tuple[Location, Item, Item]
):
    _location, rice, milk = shelves
    page = _logged_in(phone, organizer, "/inventory/donations/new/", javascript=False)

    assert page.locator("input.item-search").count() == 0
    page.select_option("#id_lines-0-item", str(rice.pk))
    page.fill("#id_lines-0-quantity", "5")
    page.select_option("#id_lines-1-item", str(milk.pk))
    page.fill("#id_lines-1-quantity", "2")
    page.click("button:has-text('Log donation')")

    # The server catches the missing expiry date; everything typed is still there.
    assert page.locator("#id_lines-1-expires_on_error").inner_text() == (
        "Perishable items need an expiry date."
    )
    assert page.locator("#id_lines-0-quantity").input_value() == "5"
    page.fill("#id_lines-1-expires_on", (local_today() + dt.timedelta(days=9)).isoformat())
    page.click("button:has-text('Log donation')")

    page.wait_for_url(re.compile(r"/inventory/donations/\d+/$"))
    page.goto(live_server.url + "/inventory/")
    assert "5 bag" in page.locator("table.stock tr", has_text="Rice").inner_text()
    assert "2 litre" in page.locator("table.stock tr", has_text="Milk").inner_text()
