"""Pages work in Chromium under the site's Content-Security-Policy: the API docs (Swagger UI
from our own files) render, the dashboard's bars draw, and the refusal check that every
browser test runs (tests/e2e/conftest.py) does see a refusal when there is one."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import expect

from tests.conftest import PASSWORD
from tests.e2e.conftest import OpenPage
from tests.household_requests.factories import submit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_api_docs_render_under_the_policy(phone: OpenPage):
    page = phone("/api/docs/")

    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Mutual aid tracker API")
    expect(page.locator(".opblock-summary-path").first).to_be_visible()


def test_the_check_sees_a_refused_inline_script_and_style(phone: OpenPage, csp_refusals: list[str]):
    page = phone("/")
    # Positive control: what an injected inline script and style attribute would be.
    page.evaluate(
        "const s = document.createElement('script');"
        "s.textContent = \"document.title = 'ran'\"; document.head.appendChild(s);"
    )
    page.evaluate("document.body.insertAdjacentHTML('beforeend', '<p style=\"color: red\">x</p>')")
    page.wait_for_timeout(200)  # console messages arrive after the DOM changes

    assert page.title() != "ran"
    refused = "\n".join(csp_refusals)
    assert "inline script" in refused and "inline style" in refused, refused
    csp_refusals.clear()  # seen: this test's refusals are the ones it made on purpose


def test_the_dashboard_draws_its_bars_without_inline_style(phone: OpenPage, organizer: User):
    submit()  # one request: a bar to draw
    page = phone("/dashboard/")
    # The real login form: its POST carries this site's Origin under the Referrer-Policy.
    page.fill("#id_username", organizer.username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile("/dashboard/$"))

    bar = page.locator("table.bars svg.bar rect").first
    expect(bar).to_be_attached()
    assert bar.evaluate("rect => rect.getBoundingClientRect().width") > 0


def test_the_admin_login_works_under_the_policy(phone: OpenPage):
    page = phone("/admin/login/")

    expect(page.locator("#id_username")).to_be_visible()
