"""The browser for every test here: Debian's Chromium through Playwright, phone-sized.

It drives /usr/bin/chromium and never downloads a browser. Without Chromium the tests
skip, unless REQUIRE_SERVICES=1, where they fail. A test fails if the browser refused
anything under the site's Content-Security-Policy (its console's "Refused to ... Content
Security Policy" or "... violates the following Content Security Policy directive"):
every page must work under the policy, not only render.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

import pytest
from django.db import connections
from playwright.sync_api import ConsoleMessage, Page, ViewportSize, sync_playwright

from tests.conftest import need

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE: ViewportSize = {"width": 390, "height": 844}
TIMEOUT_MS = 15_000


class OpenPage(Protocol):
    def __call__(self, path: str, *, javascript: bool = True) -> Page: ...


def csp_refusal(message: ConsoleMessage) -> str | None:
    """The console line Chromium writes when the Content-Security-Policy refuses something:
    "Refused to ..." in older versions, "... violates the following Content Security Policy
    directive" in newer ones (Debian's, for one)."""
    text = message.text
    refused = "Refused to" in text or "violates the following" in text
    return text if refused and "Content Security Policy" in text else None


@pytest.fixture
def csp_refusals() -> list[str]:
    """What the browser refused under the CSP in this test; `phone` fails the test on any."""
    return []


@pytest.fixture
def phone(
    monkeypatch: pytest.MonkeyPatch, live_server: Any, csp_refusals: list[str]
) -> Iterator[OpenPage]:
    """Opens a page of the live server on a phone: `phone("/request/", javascript=False)`.

    Each call is a fresh browser context (no cookies shared between the pages). The test
    fails if any page it opened had something refused by the CSP (see `csp_refusals`).
    """
    need(f"Chromium at {CHROMIUM}", CHROMIUM.exists())
    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls
    # are still plain synchronous code.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=LAUNCH_ARGS, headless=True
        )

        def open_page(path: str, *, javascript: bool = True) -> Page:
            context = browser.new_context(
                viewport=PHONE, is_mobile=True, has_touch=True, java_script_enabled=javascript
            )
            context.set_default_timeout(TIMEOUT_MS)
            page = context.new_page()
            page.on("console", lambda message: _note(csp_refusal(message)))
            page.goto(live_server.url + path)
            return page

        def _note(refusal: str | None) -> None:
            if refusal is not None:
                csp_refusals.append(refusal)

        try:
            yield open_page
            if csp_refusals:
                pytest.fail("refused by the Content-Security-Policy:\n" + "\n".join(csp_refusals))
        finally:
            # ORM calls made while Playwright's loop runs get a connection of their own
            # (Django's connections are context-local): close it here, in that context.
            connections.close_all()
            browser.close()
