"""POST /api/v1/public/requests/ cannot be made from another site's page: JSON only, and a
browser's post from a foreign Origin answers 403; partner programs (no Origin) still file."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.test.utils import override_settings
from django.utils import translation
from rest_framework.test import APIClient

from household_requests.models import HouseholdRequest
from inventory.models import Item
from mutualaid.origin import FOREIGN_ORIGIN, ONLY_JSON
from tests.household_requests.factories import make_zone, request_payload
from tests.inventory.factories import ItemFactory

pytestmark = pytest.mark.django_db

API = "/api/v1/public/requests/"
FOREIGN = "https://evil.example"
FORM_ENCODED = "application/x-www-form-urlencoded"


@pytest.fixture
def rice(db: None) -> Item:
    make_zone()
    return ItemFactory.create(name="Rice")


def _browser() -> Client:
    """A browser: Django's CSRF checks on, cookies kept, no token sent unless asked."""
    return Client(enforce_csrf_checks=True)


def _form(payload: dict[str, Any]) -> dict[str, Any]:
    """What an HTML form on another site can send: flat fields, the lines as JSON text."""
    return {**payload, "lines": json.dumps(payload["lines"])}


def test_it_refuses_a_cross_site_form_post_and_stores_nothing(rice: Item):
    browser = _browser()

    form = _form(request_payload(rice))
    url_encoded = browser.post(API, urlencode(form), content_type=FORM_ENCODED, HTTP_ORIGIN=FOREIGN)
    multipart = browser.post(API, form, HTTP_ORIGIN=FOREIGN)  # Django's client: multipart

    assert (url_encoded.status_code, multipart.status_code) == (403, 403)
    assert HouseholdRequest.objects.count() == 0
    # Positive control: the same body as JSON, as a partner program sends it, is filed.
    good = APIClient().post(API, request_payload(rice), format="json")
    assert good.status_code == 201 and HouseholdRequest.objects.count() == 1


def test_it_refuses_a_form_body_with_415_in_the_readers_language(rice: Item):
    for body, content_type in [
        ("postal_code=55407&name=A&phone=612-555-0100", FORM_ENCODED),
        ("--x\r\n\r\n--x--\r\n", "multipart/form-data; boundary=x"),
        ("postal_code=55407", "text/plain"),
        ('{"postal_code": "55407"}', ""),  # no type at all: a fetch of an untyped Blob
    ]:
        response = Client().post(API, body, content_type=content_type, HTTP_ACCEPT_LANGUAGE="es")
        assert response.status_code == 415, content_type
        assert response.json() == {"detail": _in_spanish(ONLY_JSON)}
    assert HouseholdRequest.objects.count() == 0


def test_it_files_a_json_post_from_a_partner_program(rice: Item):
    response = APIClient().post(API, request_payload(rice), format="json")
    with_charset = Client().post(
        API,
        json.dumps(request_payload(rice, phone="612-555-0199", address="9 Other St")),
        content_type="application/json; charset=utf-8",
    )

    assert response.status_code == 201 and set(response.json()) >= {"reference", "status_url"}
    assert with_charset.status_code == 201, with_charset.json()
    assert HouseholdRequest.objects.count() == 2


def test_it_refuses_a_browsers_json_post_from_another_site(rice: Item):
    def post(origin: str) -> Any:
        return _browser().post(
            API,
            json.dumps(request_payload(rice)),
            content_type="application/json",
            HTTP_ORIGIN=origin,
            HTTP_ACCEPT_LANGUAGE="es",
        )

    refused = [post(origin) for origin in (FOREIGN, "null", "http://testserver.evil.example")]

    assert [r.status_code for r in refused] == [403, 403, 403]
    assert refused[0].json() == {"detail": _in_spanish(FOREIGN_ORIGIN)}
    assert HouseholdRequest.objects.count() == 0
    # Positive control: this site's own origin is not foreign.
    assert post("http://testserver").status_code == 201


@override_settings(REQUEST_RATE_LIMIT=2)
def test_a_refused_post_does_not_spend_the_address_quota(rice: Item):
    for _ in range(5):
        _browser().post(API, _form(request_payload(rice)), HTTP_ORIGIN=FOREIGN)
        Client().post(API, "a=1", content_type=FORM_ENCODED)

    filed = [APIClient().post(API, request_payload(rice), format="json") for _ in range(3)]

    # The family's own two requests still go through; the limit holds at the third.
    assert [r.status_code for r in filed] == [201, 201, 429]


def test_the_schema_says_json_only_and_documents_the_refusals(client: Client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    post = schema["paths"][API]["post"]

    assert list(post["requestBody"]["content"]) == ["application/json"]
    assert {"201", "400", "403", "415", "429"} <= set(post["responses"])
    assert "401" not in post["responses"]  # no sign-in on the public endpoint


def _in_spanish(message: Any) -> str:
    with translation.override("es"):
        text = str(message)
    with translation.override("en"):
        assert text != str(message), "no Spanish translation"
    return text
