"""A family on a cheap phone, without JavaScript, asks for help in Spanish, keeps the private
link, checks it and cancels.
"""

from __future__ import annotations

import re

import pytest
from django.utils.translation import gettext, override
from playwright.sync_api import Page, expect

from household_requests.models import HouseholdRequest, RequestStatus, SealedContact
from tests.e2e.conftest import OpenPage
from tests.household_requests.factories import make_zone
from tests.inventory.factories import ItemFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def es(text: str) -> str:
    with override("es"):
        return gettext(text)


@pytest.fixture
def family_phone(phone: OpenPage) -> Page:
    make_zone("Phillips", ("55407",))
    ItemFactory.create(name="Rice, 5 lb bag", max_per_household=4)
    return phone("/request/", javascript=False)


def test_it_takes_a_request_in_spanish_and_lets_the_family_cancel_it(family_phone: Page):
    page = family_phone
    page.get_by_role("button", name="español").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(es("Ask for food and essentials"))

    page.get_by_label(es("Postal code")).fill("55407")
    page.get_by_label("Rice, 5 lb bag").fill("2")
    page.get_by_label(es("Name or nickname")).fill("Rosa")
    page.get_by_label(es("Phone number")).fill("612 555 0142")
    page.get_by_label(es("Address for delivery")).fill("12 Calle Falsa, Apt 3")
    page.get_by_label(
        es("Text"), exact=True
    ).check()  # how the driver may reach her: asked, never assumed
    page.get_by_label(es("I understand how my details are kept and destroyed.")).check()
    page.get_by_role("button", name=es("Send my request")).click()

    expect(page.get_by_role("heading", level=1)).to_have_text(es("We received your request"))
    request = HouseholdRequest.objects.get()
    assert request.language == "es"
    expect(page.locator(".reference")).to_have_text(request.reference)
    promise = es("A volunteer will send you a text message before bringing your delivery.")
    expect(page.get_by_role("status").filter(has_text=promise)).to_have_count(1)
    assert "reach" not in page.url  # the answer never rides in the address
    assert "Rosa" not in page.content()
    assert b"Rosa" not in bytes(SealedContact.objects.get().sealed)
    page.reload()  # the answer is a page of its own: reloading it sends nothing again
    expect(page.locator(".reference")).to_have_text(request.reference)
    assert HouseholdRequest.objects.count() == 1

    page.locator(".status-link a").click()
    expect(page).to_have_url(re.compile(rf"/request/status/{request.reference}/"))
    assert "12 Calle Falsa" not in page.content()  # the saved details are never shown back
    page.get_by_role("button", name=es("Cancel my request")).click()
    page.get_by_role("button", name=es("Yes, cancel my request")).click()  # asked once more

    expect(page.locator(".status-badge")).to_have_text(es("Cancelled"))
    assert HouseholdRequest.objects.get().status == RequestStatus.CANCELLED


def test_it_shows_mistakes_in_spanish_and_keeps_nothing(family_phone: Page):
    page = family_phone
    page.get_by_role("button", name="español").click()

    page.get_by_label(es("Postal code")).fill("99999")
    page.get_by_role("button", name=es("Send my request")).click()

    expect(page.get_by_text(str(es("Please check the fields marked below.")))).to_be_visible()
    assert HouseholdRequest.objects.count() == 0
