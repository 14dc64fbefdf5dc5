"""The Somali flyer on a 360 px phone and as printed: its QR code and link show, nothing is
refused by the Content-Security-Policy, and the printout leaves out the on-screen help."""

from __future__ import annotations

import pytest
from django.utils.translation import gettext, override
from playwright.sync_api import ViewportSize, expect

from tests.e2e.conftest import OpenPage

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NARROW: ViewportSize = {"width": 360, "height": 780}


def test_the_flyer_shows_its_code_and_link_and_prints_without_the_help(phone: OpenPage):
    page = phone("/flyer/so/", javascript=False)
    page.set_viewport_size(NARROW)

    with override("so"):
        title = gettext("Food and essentials, brought to your door")
    expect(page.locator("html")).to_have_attribute("lang", "so")
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page.locator("svg.qr")).to_be_visible()
    expect(page.locator(".link")).to_have_text(page.url.replace("/flyer/so/", "/so/request/"))
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    expect(page.locator(".screen-only")).to_be_visible()

    page.emulate_media(media="print")

    expect(page.locator(".screen-only")).to_be_hidden()
    expect(page.locator("svg.qr")).to_be_visible()
