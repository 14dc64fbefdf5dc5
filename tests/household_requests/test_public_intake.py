"""The public form and POST /api/v1/public/requests/: accepted, spam, flood limit."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client, override_settings
from rest_framework.test import APIClient

from household_requests.contacts import unseal_contact
from household_requests.models import Channel, HouseholdRequest, RequestLine, SealedContact
from inventory.models import Item
from tests.household_requests.factories import (
    SECRET_ADDRESS,
    SECRET_NAME,
    as_form,
    make_zone,
    request_payload,
)
from tests.inventory.factories import ItemFactory, LocationFactory

pytestmark = pytest.mark.django_db

API = "/api/v1/public/requests/"


@pytest.fixture
def rice(db: None) -> Item:
    make_zone()
    return ItemFactory.create(name="Rice", max_per_household=4)


def form_data(rice: Item, **changes: Any) -> dict[str, Any]:
    return as_form(request_payload(rice, **changes))


def test_it_accepts_a_request_and_shows_the_reference_and_private_link(client: Client, rice: Item):
    response = client.post("/request/", form_data(rice), follow=True)

    assert response.status_code == 200
    request = HouseholdRequest.objects.get()
    body = response.content.decode()
    assert "We received your request" in body and request.reference in body
    private_link = f"http://testserver/request/status/{request.reference}/"
    assert f'href="{private_link}' in body and "received=1" not in body.split(private_link)[1]
    # They just typed their details: no form to type them again, but they can still cancel.
    assert "Save new details" not in body and "Cancel my request" in body
    assert SECRET_ADDRESS not in body and SECRET_NAME not in body
    assert [(line.item_id, line.quantity) for line in RequestLine.objects.all()] == [(rice.pk, 2)]
    assert request.zone is not None and request.zone.name == "Phillips"
    assert request.channel == Channel.WEB


def test_it_pretends_to_accept_a_bot_and_stores_nothing(client: Client, rice: Item):
    response = client.post("/request/", form_data(rice, website="http://spam.example"))

    # The same answer a family gets: a redirect to a status link, one that opens nothing.
    assert response.status_code == 303 and "/request/status/" in response["Location"]
    assert client.get(response["Location"]).status_code == 404
    assert HouseholdRequest.objects.count() == 0


def test_it_accepts_an_address_typed_over_two_lines(client: Client, rice: Item):
    response = client.post("/request/", form_data(rice, address="12 Lake St\r\nApt 3"))

    assert response.status_code == 303
    contact = unseal_contact(SealedContact.objects.get())
    assert contact.address == "12 Lake St\nApt 3"


def test_it_shows_a_kind_page_after_the_limit_and_saves_nothing(client: Client, rice: Item):
    with override_settings(REQUEST_RATE_LIMIT=2):
        accepted = [client.post("/request/", form_data(rice)) for _ in range(2)]
        refused = client.post("/request/", form_data(rice))

    assert [r.status_code for r in accepted] == [303, 303]
    assert refused.status_code == 429
    assert "Please wait a little" in refused.content.decode()
    assert HouseholdRequest.objects.count() == 2


def test_it_counts_each_network_address_separately(rice: Item):
    with override_settings(REQUEST_RATE_LIMIT=1):
        first = Client(REMOTE_ADDR="10.0.0.1").post("/request/", form_data(rice))
        second = Client(REMOTE_ADDR="10.0.0.2").post("/request/", form_data(rice))

    assert (first.status_code, second.status_code) == (303, 303)


def test_it_accepts_a_partner_request_by_api(anonymous_api: APIClient, rice: Item):
    response = anonymous_api.post(API, request_payload(rice, language="es"), format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    request = HouseholdRequest.objects.get()
    assert body["reference"] == request.reference
    assert body["status_url"].startswith("http://testserver/request/status/")
    assert request.language == "es" and request.channel == Channel.API
    assert SECRET_NAME not in response.content.decode()


def test_it_accepts_a_category_line_and_pickup_without_address(
    anonymous_api: APIClient, rice: Item
):
    church = LocationFactory.create()
    data = request_payload(
        rice,
        fulfilment="pickup",
        pickup_location=church.pk,
        address="",
        lines=[{"category": rice.category_id, "quantity": 3}],
    )

    response = anonymous_api.post(API, data, format="json")

    assert response.status_code == 201, response.json()
    line = RequestLine.objects.get()
    assert (line.item_id, line.category_id, line.quantity) == (None, rice.category_id, 3)


def test_it_answers_429_after_the_limit_and_saves_nothing(anonymous_api: APIClient, rice: Item):
    with override_settings(REQUEST_RATE_LIMIT=2):
        codes = [
            anonymous_api.post(API, request_payload(rice), format="json").status_code
            for _ in range(3)
        ]

    assert codes == [201, 201, 429]
    assert HouseholdRequest.objects.count() == 2


def test_it_lists_needs_without_anything_personal(anonymous_api: APIClient, rice: Item):
    anonymous_api.post(API, request_payload(rice), format="json")

    response = anonymous_api.get("/api/v1/public/needs/")

    assert response.status_code == 200
    assert response.json() == [
        {
            "item": rice.pk,
            "category": None,
            "name": "Rice",
            "local_name": "Rice",  # in the client's language (tests/inventory/...translations)
            "unit": "each",
            "shortfall": 2,
        }
    ]
    assert SECRET_NAME not in response.content.decode()


def test_it_refuses_a_form_without_its_security_token_kindly(rice: Item):
    client = Client(enforce_csrf_checks=True)

    response = client.post("/request/", form_data(rice))

    assert response.status_code == 403
    assert "Please try again" in response.content.decode()
    assert HouseholdRequest.objects.count() == 0


def test_it_answers_an_unknown_page_with_a_page_a_person_can_read(client: Client, db: None):
    response = client.get("/no/such/page/")

    assert response.status_code == 404
    assert "Page not found" in response.content.decode()
