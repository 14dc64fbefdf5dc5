"""A Somali family on a 360 px phone, without JavaScript, opens the form from its language's
link, asks for halal food and for both canned items of the shelf-stable category; after
matching, its status page shows the halal chicken set aside and never the pork.

Matching runs here in the test process, as the worker would run it (the same function);
the pork lot expires first, so "earliest expiry first" alone would have chosen it.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils.translation import gettext, override
from playwright.sync_api import Locator, Page, ViewportSize, expect

from deliveries.demo import DEMO_DIET_TAGS
from household_requests import allocation
from household_requests.models import Allocation, HouseholdRequest
from household_requests.request_rules import ITEM_AGAINST_NEEDS
from inventory.models import StockLot
from mutualaid.timeutil import local_today
from tests.e2e.conftest import OpenPage
from tests.household_requests.factories import make_zone
from tests.inventory.factories import CategoryFactory, ItemFactory, donate

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NARROW: ViewportSize = {"width": 360, "height": 780}
HALAL_CHICKEN = "Canned chicken, halal"
PORK_AND_BEANS = "Canned pork and beans"


def so(text: str) -> str:
    with override("so"):
        return gettext(text)


def _fits_the_screen(page: Page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def _row(page: Page, item: str) -> Locator:
    return page.locator("main table tbody tr", has_text=item)


def _set_aside(page: Page, item: str) -> str:
    return _row(page, item).locator("td.num").nth(1).inner_text().strip()


def test_a_family_that_asked_for_halal_gets_the_halal_item_never_the_pork(phone: OpenPage):
    make_zone("Phillips", ("55407",))
    fresh = CategoryFactory.create(name="Fresh food", sort_order=0)
    shelf = CategoryFactory.create(name="Shelf-stable food", sort_order=1)
    ItemFactory.create(name="Apples, 3 lb bag", category=fresh, max_per_household=4)
    chicken = ItemFactory.create(
        name=HALAL_CHICKEN, category=shelf, diet_tags=DEMO_DIET_TAGS[HALAL_CHICKEN]
    )
    pork = ItemFactory.create(
        name=PORK_AND_BEANS, category=shelf, diet_tags=DEMO_DIET_TAGS[PORK_AND_BEANS]
    )
    today = local_today()
    donate((pork, 10, today + dt.timedelta(days=20)), (chicken, 10, today + dt.timedelta(days=90)))

    page = phone("/so/request/", javascript=False)
    page.set_viewport_size(NARROW)
    expect(page.locator("html")).to_have_attribute("lang", "so")
    assert _fits_the_screen(page)

    page.get_by_label(so("Postal code")).fill("55407")
    page.locator("summary", has_text="Shelf-stable food").click()  # the category's items
    page.get_by_label(HALAL_CHICKEN).fill("2")
    page.get_by_label(PORK_AND_BEANS).fill("2")
    page.get_by_label(so("Halal"), exact=True).check()
    page.get_by_label(so("Name or nickname")).fill("Hodan")
    page.get_by_label(so("Phone number")).fill("612 555 0188")
    page.get_by_label(so("Address for delivery")).fill("12 Example St, Apt 4")
    page.locator("input[name=reach][value=call]").check()
    page.get_by_label(so("I understand how my details are kept and destroyed.")).check()
    page.get_by_role("button", name=so("Send my request")).click()

    # The pork line cannot fit a halal household: the form says so and keeps the rest.
    expect(page.get_by_text(so(str(ITEM_AGAINST_NEEDS)))).to_be_visible()
    assert HouseholdRequest.objects.count() == 0
    pork_line = page.get_by_label(PORK_AND_BEANS)
    if not pork_line.is_visible():  # the category's items may be folded away again
        page.locator("summary", has_text="Shelf-stable food").click()
    pork_line.fill("")
    page.get_by_label(so("I understand how my details are kept and destroyed.")).check()
    page.get_by_role("button", name=so("Send my request")).click()

    expect(page.get_by_role("heading", level=1)).to_have_text(so("We received your request"))
    request = HouseholdRequest.objects.get()
    assert request.dietary_needs == ["halal"] and request.language == "so"
    status_page = re.sub(r"\?.*$", "", page.url)

    allocation.allocate_open_requests()  # what the worker runs after a request

    page.goto(status_page)
    assert _fits_the_screen(page)
    expect(_row(page, HALAL_CHICKEN)).to_be_visible()
    assert _set_aside(page, HALAL_CHICKEN) == "2"
    expect(_row(page, PORK_AND_BEANS)).to_have_count(0)
    # Nothing of the pork lot was ever set aside for this family; the chicken was.
    given = set(Allocation.objects.values_list("lot__item__name", flat=True))
    assert given == {HALAL_CHICKEN}
    pork_lot = StockLot.objects.get(item=pork)
    assert (pork_lot.on_hand, pork_lot.reserved) == (10, 0)
    assert StockLot.objects.get(item=chicken).reserved == 2
