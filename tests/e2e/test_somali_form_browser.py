"""A Somali family on a 360 px phone, without JavaScript: the request form lists the items
and their category in Somali (an item nobody has translated yet keeps its original name),
the family asks for one, and the page that answers lists it in Somali too. Nothing on
either page is wider than the screen."""

from __future__ import annotations

import pytest
from django.utils.translation import gettext, override
from playwright.sync_api import Page, ViewportSize, expect

from household_requests.models import HouseholdRequest
from tests.e2e.conftest import OpenPage
from tests.household_requests.factories import make_zone
from tests.inventory.factories import CategoryFactory, ItemFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NARROW: ViewportSize = {"width": 360, "height": 780}
RICE_SO = "Bariis, bac 5 lb ah"
SHELF_SO = "Cunto kaydsan"


def so(text: str) -> str:
    with override("so"):
        return gettext(text)


def _fits_the_screen(page: Page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def test_the_somali_form_lists_somali_item_names_and_takes_the_request(phone: OpenPage):
    make_zone("Phillips", ("55407",))
    shelf = CategoryFactory.create(name="Shelf-stable food", name_so=SHELF_SO)
    ItemFactory.create(name="Rice, 5 lb bag", category=shelf, name_so=RICE_SO, max_per_household=4)
    ItemFactory.create(name="Cooking oil, 48 oz", category=shelf, max_per_household=4)
    page = phone("/request/", javascript=False)
    page.set_viewport_size(NARROW)

    page.get_by_role("button", name="Soomaali").click()

    expect(page.locator("html")).to_have_attribute("lang", "so")
    needs = page.locator("details")
    expect(needs.locator("summary")).to_have_text(SHELF_SO)
    expect(needs.locator("label.item").first).to_contain_text(RICE_SO)
    expect(needs).to_contain_text("Cooking oil, 48 oz")  # not translated yet: the original
    expect(page.locator("main")).not_to_contain_text("Rice, 5 lb bag")
    assert _fits_the_screen(page)

    page.get_by_label(so("Postal code")).fill("55407")
    page.get_by_label(RICE_SO).fill("2")
    page.get_by_label(so("Name or nickname")).fill("Hodan")
    page.get_by_label(so("Phone number")).fill("612 555 0199")
    page.get_by_label(so("Address for delivery")).fill("12 Example St, Apt 4")
    reach = page.locator("input[name=reach][value=text]")
    if reach.count():  # how the driver may reach the family, where the form asks it
        reach.check()
    page.get_by_label(so("I understand how my details are kept and destroyed.")).check()
    page.get_by_role("button", name=so("Send my request")).click()

    expect(page.get_by_role("heading", level=1)).to_have_text(so("We received your request"))
    request = HouseholdRequest.objects.get()
    assert request.language == "so"
    assert list(request.lines.values_list("item__name", "quantity")) == [("Rice, 5 lb bag", 2)]
    expect(page.locator("main table")).to_contain_text(RICE_SO)
    expect(page.locator("main table")).not_to_contain_text("Rice, 5 lb bag")
    assert _fits_the_screen(page)
