"""A family's pickup handed over at the desk, on a 360 px phone: the family's page says
where and until when (with the desk's QR code); the desk volunteer types the reference
code and hands it over; the stock drops, people fed counts it, the family's page says
picked up."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Page, ViewportSize, expect

from deliveries.dashboard import dashboard
from inventory.models import StockLot
from tests.conftest import PASSWORD
from tests.e2e.conftest import OpenPage
from tests.household_requests.pickups import (
    PLACE_ADDRESS,
    PLACE_HOURS,
    PLACE_NAME,
    desk_volunteer,
    pickup,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NARROW: ViewportSize = {"width": 360, "height": 780}


def _fits_the_screen(page: Page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def _open(phone: OpenPage, path: str) -> Page:
    page = phone(path, javascript=False)
    page.set_viewport_size(NARROW)
    return page


def test_a_pickup_is_handed_over_at_the_desk_by_reference_code(phone: OpenPage):
    p = pickup(stock=5, asked=3)
    volunteer: User = desk_volunteer()
    assert dashboard().people_fed_last_30_days == 0

    family = _open(phone, p.status_path)
    expect(family.locator("main")).to_contain_text("Your items are ready")
    for shown in (PLACE_NAME, PLACE_ADDRESS, PLACE_HOURS):
        expect(family.locator("main")).to_contain_text(shown)
    expect(family.locator("svg.qr")).to_be_visible()
    assert _fits_the_screen(family)

    desk = _open(phone, "/desk/")
    assert "/accounts/login/" in desk.url
    desk.fill("#id_username", volunteer.username)
    desk.fill("#id_password", PASSWORD)
    desk.click("main button[type=submit]")
    desk.wait_for_url(re.compile(r"/desk/$"))
    desk.fill("#id_reference", p.reference.lower())
    desk.click("button:has-text('Look up')")
    expect(desk.locator("main table")).to_contain_text("Rice, 5 lb bag")
    expect(desk.locator("main")).to_contain_text(PLACE_NAME)
    assert _fits_the_screen(desk)
    desk.click("button:has-text('Hand over and mark picked up')")

    expect(desk.locator(".message")).to_contain_text(f"request {p.reference} is picked up")
    lot = StockLot.objects.get(pk=p.lot.pk)
    assert (lot.on_hand, lot.reserved) == (2, 0)
    assert dashboard().people_fed_last_30_days == 3
    family.reload()
    expect(family.locator(".status-badge")).to_have_text("Picked up")
    expect(family.locator("svg.qr")).to_have_count(0)
