"""The browser for every test here: Debian's Chromium through Playwright, phone-sized.

It drives /usr/bin/chromium and never downloads a browser. Without Chromium the tests
skip, unless REQUIRE_SERVICES=1, where they fail.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

import pytest
from django.db import connections
from playwright.sync_api import Page, ViewportSize, sync_playwright

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


@pytest.fixture
def phone(monkeypatch: pytest.MonkeyPatch, live_server: Any) -> Iterator[OpenPage]:
    """Opens a page of the live server on a phone: `phone("/request/", javascript=False)`.

    Each call is a fresh browser context (no cookies shared between the pages).
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
            page.goto(live_server.url + path)
            return page

        try:
            yield open_page
        finally:
            # ORM calls made while Playwright's loop runs get a connection of their own
            # (Django's connections are context-local): close it here, in that context.
            connections.close_all()
            browser.close()
