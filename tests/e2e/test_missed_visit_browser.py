"""A missed visit shows on the family's page: on 360 px phones, without JavaScript, a
driver records "could not deliver: nobody home" (and confirms it); the family's own status
page then says the visit was missed and that another is being planned, in Spanish for a
family who wrote in Spanish, and no longer promises the missed day."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.utils.translation import gettext, override
from playwright.sync_api import Page, ViewportSize, expect

from deliveries.models import Stop, StopOutcome
from household_requests.models import HouseholdRequest, RequestStatus
from household_requests.status_links import status_path
from tests.conftest import PASSWORD
from tests.deliveries.factories import (
    make_driver,
    plan,
    route_in_state,
    stocked_item,
    zone_named,
)
from tests.e2e.conftest import OpenPage
from tests.household_requests.factories import SECRET_ADDRESS, submit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SMALL_PHONE: ViewportSize = {"width": 360, "height": 740}


def es(text: str) -> str:
    with override("es"):
        return gettext(text)


def _small(page: Page) -> Page:
    page.set_viewport_size(SMALL_PHONE)
    return page


def test_a_missed_visit_shows_on_the_familys_page(phone: OpenPage, driver: User):
    zone = zone_named()
    submitted = submit(items=[(stocked_item(), 2)], language="es")
    plan()
    family_link = status_path(submitted.request.reference, submitted.status_secret)
    stop = Stop.objects.get(request=submitted.request)
    route_in_state(stop.route, "in_progress", make_driver(driver, zone))

    family = _small(phone(family_link, javascript=False))
    family.get_by_role("button", name="español").click()
    planned = es("Planned for %(day)s, %(date)s.").split("%(")[0].strip()
    assert planned in family.content()  # the day we meant to come, before the visit
    expect(
        family.get_by_text(es("We missed you: our driver came but could not deliver."))
    ).to_have_count(0)

    driver_page = _small(
        phone(f"/accounts/login/?next=/drive/routes/{stop.route_id}/", javascript=False)
    )
    driver_page.get_by_label("Username").fill(driver.username)
    driver_page.get_by_label("Password").fill(PASSWORD)
    driver_page.get_by_role("button", name="Log in").click()
    expect(driver_page.get_by_text(SECRET_ADDRESS)).to_be_visible()
    driver_page.get_by_text("Could not deliver").click()  # opens the reasons (no script)
    driver_page.get_by_label("nobody home").check()
    driver_page.get_by_role("button", name="Failed: not delivered").click()
    expect(driver_page.get_by_role("heading", level=1)).to_have_text("Not delivered to stop 1?")
    assert Stop.objects.get(pk=stop.pk).outcome == StopOutcome.PENDING  # asked, not yet told
    driver_page.get_by_role("button", name="Yes, not delivered").click()
    expect(driver_page.get_by_text(SECRET_ADDRESS)).to_have_count(0)

    family.reload()

    expect(
        family.get_by_text(es("We missed you: our driver came but could not deliver."))
    ).to_be_visible()
    expect(
        family.get_by_text(es("We will plan another visit and show the new day here."))
    ).to_be_visible()
    assert planned not in family.content()  # the missed day is no longer promised
    assert HouseholdRequest.objects.get(pk=submitted.request.pk).status == RequestStatus.SUBMITTED
    assert family.evaluate("document.documentElement.scrollWidth") <= SMALL_PHONE["width"]
