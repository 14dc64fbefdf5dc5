"""A family on a 360 px phone (issue 14): "leave quickly" from a status link opened directly
leaves the neutral page current and the status URL gone from the tab's current entry; the
family pages (the start page and the 404 a burned link lands on too) have a neutral title
and icon in all four languages; a burned link and
reference answer like unknown ones, and the new link works.

The neutral address is a file of the live server here: nothing leaves loopback."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils.translation import override, pgettext
from playwright.sync_api import Page, ViewportSize, expect

from household_requests.models import HouseholdRequest
from household_requests.services import SubmittedRequest
from household_requests.status_links import status_path
from tests.e2e.conftest import OpenPage
from tests.household_requests.factories import make_zone, submit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NARROW: ViewportSize = {"width": 360, "height": 740}
NEUTRAL_PATH = "/static/img/neutral-icon.svg"
# Words a glance at the tab or the history list must not find.
GIVEAWAYS = ("aid", "food", "request", "help", "ayuda", "comida", "solicitud", "gargaar")


def neutral_title(language: str) -> str:
    with override(language):
        return pgettext("neutral page title", "Notes")


@pytest.fixture
def neutral(settings: Any, live_server: Any) -> str:
    settings.QUICK_EXIT_URL = live_server.url + NEUTRAL_PATH
    return str(settings.QUICK_EXIT_URL)


@pytest.fixture
def submitted(db: None) -> SubmittedRequest:
    make_zone("Phillips", ("55407",))
    return submit(postal_code="55407")


def _status(submitted: SubmittedRequest) -> str:
    return status_path(submitted.request.reference, submitted.status_secret)


def _narrow(page: Page) -> Page:
    page.set_viewport_size(NARROW)
    return page


def test_leave_quickly_replaces_a_status_link_opened_directly(
    phone: OpenPage, submitted: SubmittedRequest, neutral: str
):
    status = _status(submitted)
    page = _narrow(phone(status))  # a new tab: its blank start, then the status link
    entries = page.evaluate("history.length")

    page.get_by_role("link", name="Leave quickly").click()
    page.wait_for_url(neutral)

    assert page.url == neutral
    assert page.evaluate("history.length") == entries  # replaced, not added
    page.go_back()  # back lands on the tab's blank start, not on the status page
    assert status not in page.url
    assert not page.get_by_text(submitted.request.reference).count()


def test_leave_quickly_takes_the_status_page_out_of_the_back_button(
    phone: OpenPage, submitted: SubmittedRequest, neutral: str, live_server: Any
):
    status = _status(submitted)
    page = _narrow(phone("/needed/"))
    page.goto(live_server.url + status)

    page.get_by_role("link", name="Leave quickly").click()
    page.wait_for_url(neutral)
    page.go_back()

    assert page.url == live_server.url + "/needed/"  # the page before, not the status page
    page.go_forward()
    assert page.url == neutral


def test_leave_quickly_is_a_plain_link_without_javascript(
    phone: OpenPage, submitted: SubmittedRequest, neutral: str
):
    page = _narrow(phone(_status(submitted), javascript=False))

    page.get_by_role("link", name="Leave quickly").click()
    page.wait_for_url(neutral)

    assert page.url == neutral


@pytest.mark.parametrize("language", ("en", "es", "so", "hmn"))
def test_family_pages_have_a_neutral_title_and_icon_in_every_language(
    phone: OpenPage, submitted: SubmittedRequest, language: str, live_server: Any
):
    page = _narrow(phone(f"/request/?lang={language}", javascript=False))
    # The start page too, and a burned or unknown status link's 404.
    unknown = status_path("ZZZZ-ZZZZ", submitted.status_secret)
    pages = ("/", "/request/", "/needed/", _status(submitted), unknown)
    for path in pages:
        page.goto(live_server.url + path)
        title = page.title()
        assert title == neutral_title(language), path
        assert not any(word in title.lower() for word in GIVEAWAYS), path
        icon = page.locator("link[rel=icon]").get_attribute("href") or ""
        assert "neutral-icon" in icon, path
        expect(page.locator("#quick-exit")).to_be_visible()
        expect(page.locator(".quick-exit-help")).to_contain_text(_leave_help(language)[:20])
    assert neutral_title("es") != neutral_title("en")


def _leave_help(language: str) -> str:
    from django.utils.translation import gettext

    with override(language):
        return gettext(
            "“Leave quickly” opens another site in place of this page. It cannot erase "
            "your browser's history or what this phone remembers: on a shared phone, open "
            "your link in a private tab and close the tab when you are done."
        )


def test_a_burned_link_answers_like_an_unknown_one_and_the_new_link_works(
    phone: OpenPage, submitted: SubmittedRequest, live_server: Any
):
    old = _status(submitted)
    page = _narrow(phone(old, javascript=False))

    page.get_by_role("button", name="Stop this link and make a new one").click()
    page.get_by_role("button", name="Yes, stop this link and make a new one").click()
    new_link = page.locator(".status-link a").get_attribute("href") or ""
    new_reference = page.locator(".reference").inner_text()
    request = HouseholdRequest.objects.get()

    assert new_reference == request.reference != submitted.request.reference
    burned = page.goto(live_server.url + old)
    burned_text = page.locator("main").inner_text()
    unknown = page.goto(live_server.url + status_path("ZZZZ-ZZZZ", submitted.status_secret))
    unknown_text = page.locator("main").inner_text()
    assert burned is not None and unknown is not None
    assert (burned.status, unknown.status) == (404, 404)
    assert burned_text == unknown_text
    old_reference = page.goto(
        live_server.url + status_path(submitted.request.reference, "anything-at-all")
    )
    assert old_reference is not None and old_reference.status == 404

    opened = page.goto(new_link)
    assert opened is not None and opened.status == 200
    expect(page.get_by_role("heading", level=1)).to_contain_text(request.reference)
