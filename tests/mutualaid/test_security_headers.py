"""Every page class carries a Content-Security-Policy without inline script, a
Permissions-Policy and the Referrer-Policy THREAT_MODEL.md names; no template holds inline
script or style (which the policy would refuse in the browser)."""

from __future__ import annotations

import re
import socket
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.db import connection
from django.http import HttpResponse
from django.test import Client

from tests.conftest import page_client
from tests.household_requests.factories import submit

TEMPLATES = Path(settings.BASE_DIR) / "templates"
THREAT_MODEL = Path(settings.BASE_DIR) / "THREAT_MODEL.md"
DENIED_FEATURES = ("camera=()", "microphone=()", "geolocation=()", "payment=()", "usb=()")


def directives(response: HttpResponse) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    parsed: dict[str, list[str]] = {}
    for part in policy.split(";"):
        name, *values = part.split()
        parsed[name] = values
    return parsed


def assert_protected(response: HttpResponse, *, inline_style: bool = False) -> None:
    csp = directives(response)
    assert csp["default-src"] == ["'none'"]
    assert csp["script-src"] == ["'self'"]  # no inline script, no eval, nobody else's files
    assert csp["style-src"] == (["'self'", "'unsafe-inline'"] if inline_style else ["'self'"])
    assert csp["frame-ancestors"] == ["'none'"] and csp["base-uri"] == ["'none'"]
    features = response["Permissions-Policy"]
    assert all(feature in features for feature in DENIED_FEATURES), features
    assert response["Referrer-Policy"] == "same-origin"


def _get(client: Client, path: str, status: int = 200) -> HttpResponse:
    response = client.get(path)
    assert response.status_code == status, path
    return response  # type: ignore[return-value]


@pytest.mark.django_db
def test_public_pages_carry_the_headers():
    submitted = submit()
    client = Client()
    status = f"/request/status/{submitted.request.reference}/{submitted.status_secret}/"
    for path in ["/", "/request/", "/needed/", status, "/accounts/login/", "/admin/login/"]:
        assert_protected(_get(client, path))
    assert_protected(_get(client, "/api/v1/public/needs/"))


@pytest.mark.django_db
def test_organizer_and_driver_pages_carry_the_headers(organizer: User, driver: User):
    for path in ["/dashboard/", "/inventory/", "/inventory/donations/new/", "/requests/"]:
        assert_protected(_get(page_client(organizer), path))
    for path in ["/drive/", "/drive/mine/"]:
        assert_protected(_get(page_client(driver), path))


@pytest.mark.django_db
def test_the_api_docs_relax_style_only_and_only_there(client: Client):
    docs = _get(client, "/api/docs/")
    script = _get(client, "/api/docs/?script=")

    assert_protected(docs, inline_style=True)
    assert directives(docs)["img-src"] == ["'self'", "data:"]
    assert script["Content-Type"].startswith("application/javascript")
    # The relaxation is the docs view's own: the schema beside it keeps the site's policy.
    assert_protected(_get(client, "/api/schema/"))


@pytest.mark.django_db
def test_error_pages_carry_the_headers(client: Client):
    assert_protected(_get(client, "/no-such-page/", 404))
    assert_protected(_get(client, "/request/status/ZZZZZZZZ/wrong/", 404))
    assert_protected(_get(client, "/api/v1/routes/abc/", 404))


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_outage_page_carries_the_headers(client: Client):
    """A real lost database (a server that refuses connections) answers the 503 page."""
    saved = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict.update(HOST="127.0.0.1", PORT=str(_closed_port()))
    try:
        page, api = client.get("/needed/"), client.get("/api/v1/public/needs/")
    finally:
        connection.close()
        connection.settings_dict.update(saved)
    assert (page.status_code, api.status_code) == (503, 503)
    assert_protected(page)  # type: ignore[arg-type]
    assert_protected(api)  # type: ignore[arg-type]


def test_the_referrer_policy_sent_is_the_one_the_threat_model_names():
    named = set(re.findall(r"Referrer-Policy: ([a-z-]+)", THREAT_MODEL.read_text()))
    assert named == {settings.SECURE_REFERRER_POLICY}
    base = (TEMPLATES / "base.html").read_text()
    assert f'<meta name="referrer" content="{settings.SECURE_REFERRER_POLICY}">' in base


# What a policy without 'unsafe-inline' refuses: a <script> without src, an on* handler, a
# javascript: URL, a <style> element and a style attribute.
INLINE_CODE = [
    re.compile(r"<script\b(?![^>]*\bsrc\s*=)[^>]*>", re.IGNORECASE),
    re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.IGNORECASE),
    re.compile(r"javascript:", re.IGNORECASE),
    re.compile(r"<style\b", re.IGNORECASE),
    re.compile(r"<[a-z][^>]*\sstyle\s*=", re.IGNORECASE),
]


def inline_code(text: str) -> list[str]:
    return [match.group(0) for pattern in INLINE_CODE for match in pattern.finditer(text)]


@pytest.mark.parametrize(
    "sample",
    [
        "<script>alert(1)</script>",
        '<script type="module">go()</script>',
        '<button type="button" onclick="go()">Go</button>',
        '<body onload="go()">',
        '<a href="javascript:go()">Go</a>',
        "<style>p { color: red }</style>",
        '<span class="bar" style="width: 5%"></span>',
    ],
)
def test_the_scanner_finds_inline_code(sample: str):
    assert inline_code(f"<p>Before</p>{sample}<p>after</p>") != []


def test_the_scanner_passes_files_and_prose():
    clean = (
        '<script src="/static/js/intake.js" defer></script>'
        "<p>Someone=one, a style=guide, online: noted</p>"
        '<svg class="bar"><rect width="40" height="1"></rect></svg>'
    )
    assert inline_code(clean) == []


def test_no_template_holds_inline_script_or_style():
    found = {
        str(path.relative_to(TEMPLATES)): hits
        for path in sorted(TEMPLATES.rglob("*.html"))
        if (hits := inline_code(path.read_text()))
    }
    assert found == {}
