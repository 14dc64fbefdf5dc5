"""An organizer logs a donation on a phone-sized Chromium and finds it on the stock page.

Drives Debian's Chromium (/usr/bin/chromium) through Playwright; never downloads a browser.
Without Chromium the tests skip, unless REQUIRE_SERVICES=1, where they fail.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Page, ViewportSize, expect, sync_playwright

from inventory.models import Item, Location
from mutualaid.timeutil import local_today
from tests.conftest import PASSWORD, need
from tests.inventory.factories import ItemFactory, LocationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE: ViewportSize = {"width": 390, "height": 844}
SCREENSHOT = Path("/tmp/stock.png")  # noqa: S108 (a fixed place for people to look at)


@pytest.fixture
def shelves(db: None) -> tuple[Location, Item, Item]:
    return (
        LocationFactory.create(name="Corner church"),
        ItemFactory.create(name="Rice", unit=Item.Unit.BAG, target_on_hand=40),
        ItemFactory.create(name="Milk", unit=Item.Unit.LITRE, perishable=True),
    )


def _phone_page(javascript: bool) -> Iterator[Page]:
    need(f"Chromium at {CHROMIUM}", CHROMIUM.exists())
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=LAUNCH_ARGS, headless=True
        )
        context = browser.new_context(
            viewport=PHONE, is_mobile=True, has_touch=True, java_script_enabled=javascript
        )
        context.set_default_timeout(15_000)
        try:
            yield context.new_page()
        finally:
            context.close()
            browser.close()


@pytest.fixture
def phone(
    monkeypatch: pytest.MonkeyPatch, live_server: Any, organizer: User, shelves: Any
) -> Iterator[Page]:
    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls
    # are still plain synchronous code.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    yield from _phone_page(javascript=True)


@pytest.fixture
def phone_without_javascript(
    monkeypatch: pytest.MonkeyPatch, live_server: Any, organizer: User, shelves: Any
) -> Iterator[Page]:
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    yield from _phone_page(javascript=False)


def _log_in(page: Page, base_url: str, next_path: str) -> None:
    page.goto(base_url + next_path)
    assert "/accounts/login/" in page.url
    page.fill("#id_username", "olga")
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(re.escape(next_path) + "$"))


def _fits_the_screen(page: Page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def test_it_logs_a_two_line_donation_and_shows_it_in_stock(
    phone: Page, live_server: Any, shelves: tuple[Location, Item, Item]
):
    _location, rice, milk = shelves
    expiry = local_today() + dt.timedelta(days=3)
    page = phone
    _log_in(page, live_server.url, "/inventory/donations/new/")
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
    phone_without_javascript: Page, live_server: Any, shelves: tuple[Location, Item, Item]
):
    _location, rice, milk = shelves
    page = phone_without_javascript
    _log_in(page, live_server.url, "/inventory/donations/new/")

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
