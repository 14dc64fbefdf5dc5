"""An organizer invites a driver in the browser and copies the one-time link; the new driver
opens it on a 360 px phone (a fresh browser), sets a password and logs in. The link is spent."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Page, ViewportSize, expect

from deliveries.models import Driver
from tests.conftest import PASSWORD
from tests.e2e.conftest import OpenPage
from tests.household_requests.factories import make_zone

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NARROW: ViewportSize = {"width": 360, "height": 780}
NEW_PASSWORD = "tamales-on-thursday-42"


def _fits_the_screen(page: Page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def _log_in(page: Page, username: str, password: str) -> None:
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def test_an_organizer_invites_a_driver_who_sets_a_password_and_logs_in(
    phone: OpenPage, organizer: User
):
    make_zone("Phillips", ("55407",))
    desk = phone("/accounts/login/")
    _log_in(desk, organizer.username, PASSWORD)
    desk.get_by_role("link", name="Volunteers").first.click()
    desk.get_by_role("link", name="Invite a volunteer").click()
    desk.get_by_label("Username").fill("maria")
    desk.get_by_label("Role").select_option("driver")
    desk.get_by_label("Phillips").check()
    desk.get_by_role("button", name="Invite").click()

    link = desk.locator("#access-link").inner_text().strip()
    assert re.fullmatch(r"http://[^/]+/accounts/welcome/[A-Za-z0-9_-]{40,}/", link), link
    maria = Driver.objects.select_related("user").get(user__username="maria")
    assert not maria.vetted

    person = phone("/", javascript=False)  # a fresh context: no cookie of the organizer's
    person.set_viewport_size(NARROW)
    person.goto(link)
    expect(person).to_have_url(re.compile(r"/accounts/welcome/set-password/$"))
    expect(person.locator("main")).to_contain_text("Your username is maria.")
    assert _fits_the_screen(person)
    person.get_by_label("New password:", exact=True).fill(NEW_PASSWORD)
    person.get_by_label("New password confirmation").fill(NEW_PASSWORD)
    person.get_by_role("button", name="Set password").click()

    expect(person).to_have_url(re.compile(r"/accounts/login/$"))
    expect(person.locator(".message")).to_contain_text("Your password is set.")
    assert _fits_the_screen(person)
    _log_in(person, "maria", NEW_PASSWORD)

    expect(person).to_have_url(re.compile(r"/drive/$"))
    expect(person.get_by_role("link", name="My routes").first).to_be_visible()
    assert _fits_the_screen(person)
    assert User.objects.get(username="maria").last_login is not None

    # The link was for one use: opened again, it answers that it does not work.
    again = phone("/", javascript=False)
    again.goto(link)
    expect(again.locator("h1")).to_have_text("This link does not work")

    desk.set_viewport_size(NARROW)
    desk.get_by_role("link", name="Volunteers").first.click()
    expect(desk.locator("table.events")).to_contain_text("set a password with a link")
    assert _fits_the_screen(desk)
