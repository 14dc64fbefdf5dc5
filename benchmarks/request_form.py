"""The public request form through the WSGI app, sealing on, against a bare view that
inserts one row behind the same middleware (sessions, CSRF, locale). Both measured in this
run, alternating one submission at a time; target: the form keeps half the bare rate.

An accepted submission answers 303 with the family's status page; the page the browser
then opens is timed on its own and reported beside the ratio, not inside it.
"""

from __future__ import annotations

import dataclasses
import io
import json
import re
import time
import uuid
from collections.abc import Callable
from http.cookies import SimpleCookie
from typing import Any
from unittest import mock
from urllib.parse import urlencode

from django.core.handlers.wsgi import WSGIHandler
from django.http import HttpRequest, HttpResponse
from django.test import override_settings
from django.urls import path

from benchmarks import Measurement, benchmark
from household_requests import services
from household_requests.contacts import Contact
from household_requests.models import HouseholdRequest, SealedContact, Zone
from household_requests.zones import zone_save
from inventory.models import Category, Item
from mutualaid import urls as site_urls

SUBMISSIONS = 300
WARM_UP = 20
ROUNDS = 3


def bare_insert(request: HttpRequest) -> HttpResponse:
    Zone.objects.create(name=f"bare {uuid.uuid4().hex}")
    return HttpResponse("ok")


urlpatterns = [path("bench/bare/", bare_insert), *site_urls.urlpatterns]


class Browser:
    """Just enough of a browser to call the WSGI app: cookies and form posts."""

    def __init__(self, app: WSGIHandler):
        self.app = app
        self.cookies: dict[str, str] = {}
        self.location = ""

    def call(self, method: str, path_: str, body: bytes = b"") -> tuple[int, bytes]:
        environ: dict[str, Any] = {
            "REQUEST_METHOD": method,
            "PATH_INFO": path_.partition("?")[0],
            "QUERY_STRING": path_.partition("?")[2],
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8000",
            "HTTP_HOST": "127.0.0.1",
            "REMOTE_ADDR": "127.0.0.1",
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(body),
            "CONTENT_LENGTH": str(len(body)),
            "CONTENT_TYPE": "application/x-www-form-urlencoded",
            "HTTP_COOKIE": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
        }
        status: list[str] = []
        headers: list[tuple[str, str]] = []

        def start_response(s: str, h: list[tuple[str, str]], exc_info: Any = None) -> Any:
            status.append(s)
            headers.extend(h)

        chunks = self.app(environ, start_response)
        content = b"".join(chunks)
        for name, value in headers:
            if name.lower() == "location":
                self.location = value
            if name.lower() == "set-cookie":
                for key, morsel in SimpleCookie(value).items():
                    self.cookies[key] = morsel.value
        return int(status[0].split()[0]), content


def _form(item_ids: list[int], token: str) -> bytes:
    fields = {
        "csrfmiddlewaretoken": token,
        "adults": "2",
        "children": "1",
        "infants": "0",
        "postal_code": "55407",
        "fulfilment": "delivery",
        "name": "Bench Family",
        "phone": "612 555 0100",
        "address": "100 Bench Street, Apt 4",
        "notes": "side door",
        "consent": "on",
    }
    for item_id in item_ids[:3]:
        fields[f"item_{item_id}"] = "1"
    return urlencode(fields).encode()


def _plain(contact: Contact) -> bytes:
    return json.dumps(dataclasses.asdict(contact)).encode()


def _no_index(value: str) -> str:
    return ""


def _timed(call: Callable[[], tuple[int, bytes]], expect: int) -> float:
    started = time.perf_counter()
    status, content = call()
    spent = time.perf_counter() - started
    if status != expect:
        raise AssertionError(f"expected {expect}, got {status}: {content[:300]!r}")
    return spent


@benchmark(name="request form (sealed) vs bare insert", bound=0.5, unit="x bare", better="higher")
def request_form() -> Measurement:
    zone_save(name="Phillips", postal_codes=["55407"])
    categories = [Category.objects.create(name=f"Bench category {n}") for n in range(8)]
    items = [
        Item.objects.create(name=f"Bench item {n}", category=categories[n % 8]) for n in range(40)
    ]
    with override_settings(ROOT_URLCONF="benchmarks.request_form", REQUEST_RATE_LIMIT=10**9):
        browser = Browser(WSGIHandler())
        status, page = browser.call("GET", "/request/")
        match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        if status != 200 or match is None:
            raise AssertionError("could not load the request form")
        token = match.group(1).decode()
        form_body = _form([item.pk for item in items], token)
        bare_body = urlencode({"csrfmiddlewaretoken": token}).encode()

        def submit() -> tuple[int, bytes]:
            return browser.call("POST", "/request/", form_body)

        def bare() -> tuple[int, bytes]:
            return browser.call("POST", "/bench/bare/", bare_body)

        def unsealed() -> tuple[int, bytes]:
            # The same submission with sealing and blind indexes replaced by no-ops: what
            # the privacy itself costs, apart from the rest of the form's work.
            with (
                mock.patch.object(services, "seal_contact", _plain),
                mock.patch.object(services, "phone_index", _no_index),
                mock.patch.object(services, "address_index", _no_index),
            ):
                return browser.call("POST", "/request/", form_body)

        for _ in range(WARM_UP):
            _timed(submit, 303)
            _timed(bare, 200)
        best_form = best_bare = best_unsealed = float("inf")
        for _ in range(ROUNDS):
            form_seconds = bare_seconds = unsealed_seconds = 0.0
            for n in range(SUBMISSIONS):
                if n % 2:
                    form_seconds += _timed(submit, 303)
                    bare_seconds += _timed(bare, 200)
                else:
                    bare_seconds += _timed(bare, 200)
                    form_seconds += _timed(submit, 303)
                if n % 3 == 0:
                    unsealed_seconds += _timed(unsealed, 303)
            best_form, best_bare = min(best_form, form_seconds), min(best_bare, bare_seconds)
            best_unsealed = min(best_unsealed, unsealed_seconds * 3)

        status_page = browser.location
        started = time.perf_counter()
        for _ in range(SUBMISSIONS):
            _timed(lambda: browser.call("GET", status_page), 200)
        status_rate = SUBMISSIONS / (time.perf_counter() - started)

    expected = WARM_UP + ROUNDS * SUBMISSIONS + ROUNDS * len(range(0, SUBMISSIONS, 3))
    if HouseholdRequest.objects.count() != expected or SealedContact.objects.count() != expected:
        raise AssertionError("the form did not store every submission")
    if b"Bench Family" in b"".join(
        bytes(row)
        for row in SealedContact.objects.order_by("pk").values_list("sealed", flat=True)[:WARM_UP]
    ):
        raise AssertionError("contacts are not sealed")
    form_rate, bare_rate = SUBMISSIONS / best_form, SUBMISSIONS / best_bare
    unsealed_rate = SUBMISSIONS / best_unsealed
    return Measurement(
        value=form_rate / bare_rate,
        detail=(
            f"{form_rate:,.0f} form submissions/s (sealed, 3 lines, 303 to the status page) vs "
            f"{bare_rate:,.0f}/s for a bare one-row insert; best of {ROUNDS} x {SUBMISSIONS}. "
            f"The status page the browser opens next: {status_rate:,.0f}/s. "
            f"The same form without sealing: {unsealed_rate:,.0f}/s, so sealing costs "
            f"{100 * (1 - form_rate / unsealed_rate):.0f}% of the form's rate"
        ),
    )
