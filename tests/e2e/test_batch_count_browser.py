"""An organizer counts a pantry's shelves in Chromium: enters the counts, reviews the one
difference, posts it, and the stock page shows the counted quantity."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Page, expect

from inventory.models import Item, StockLot, StockMovement
from tests.conftest import PASSWORD
from tests.e2e.conftest import OpenPage
from tests.inventory.books import assert_books_balance
from tests.inventory.factories import ItemFactory, LocationFactory, donate

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _logged_in(phone: OpenPage, organizer: User, next_path: str) -> Page:
    page = phone(next_path, javascript=False)  # the count works without JavaScript
    page.fill("#id_username", organizer.username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(re.escape(next_path) + "$"))
    return page


def test_it_counts_a_location_and_posts_the_difference(phone: OpenPage, organizer: User):
    church = LocationFactory.create(name="Corner church")
    rice = ItemFactory.create(name="Rice", unit=Item.Unit.BAG, target_on_hand=5)
    beans = ItemFactory.create(name="Beans", unit=Item.Unit.CAN, target_on_hand=5)
    donate((rice, 12), (beans, 8), location=church)
    rice_lot = StockLot.objects.get(item=rice)
    beans_lot = StockLot.objects.get(item=beans)

    page = _logged_in(phone, organizer, "/inventory/count/")
    page.click("text=Corner church")
    page.wait_for_url(re.compile(rf"/inventory/locations/{church.pk}/count/$"))
    page.fill(f"input[name=counted_{rice_lot.pk}]", "9")
    page.fill(f"input[name=counted_{beans_lot.pk}]", "8")
    page.click("button:has-text('Review differences')")

    review = page.locator("table.count-review")
    expect(review.locator("tr", has_text="Rice").locator(".difference")).to_have_text("-3")
    expect(review.locator("tr", has_text="Beans").locator(".difference")).to_have_text("+0")
    expect(page.locator("main")).to_contain_text("1 lot will be adjusted to its count.")
    assert StockMovement.objects.filter(kind="adjusted").count() == 0  # review writes nothing
    page.fill("#id_reason", "Saturday shelf count")
    page.click("button:has-text('Post adjustments')")

    page.wait_for_url(re.compile(r"/inventory/$"))
    expect(page.locator(".message")).to_contain_text("Posted 1 adjustment(s) for Corner church.")
    expect(page.locator("table.stock tr", has_text="Rice")).to_contain_text("9 bag")
    expect(page.locator("table.stock tr", has_text="Beans")).to_contain_text("8 can")
    row = StockMovement.objects.get(kind="adjusted")
    assert (row.lot_id, row.on_hand_delta, row.actor_id) == (rice_lot.pk, -3, organizer.pk)
    assert_books_balance()
