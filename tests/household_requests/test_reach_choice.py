"""How the driver may reach the family: one plain question (call, text, or knock only), with
nothing chosen for the family, on the public form, the hotline form, the status page and
the public API; the answer is sealed with the contact, the family is promised exactly
what they chose, and the driver reads it in one line on the stop."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from rest_framework.test import APIClient

from household_requests import request_rules
from household_requests.contacts import unseal_contact
from household_requests.models import HouseholdRequest, SealedContact
from inventory.models import Item
from mutualaid import sealing
from tests.conftest import page_client
from tests.deliveries.factories import make_driver, planned_route, route_in_state
from tests.deliveries.helpers import text_of
from tests.household_requests.factories import as_form, contact, make_zone, request_payload
from tests.inventory.factories import ItemFactory

pytestmark = pytest.mark.django_db

API = "/api/v1/public/requests/"
QUESTION = "How may the driver reach you before coming?"
PROMISES = {
    "call": "A volunteer will call you before bringing your delivery.",
    "text": "A volunteer will send you a text message before bringing your delivery.",
    "knock": "No one will call or text you. The driver will knock when they arrive.",
}
EVERY_PROMISE = [*PROMISES.values(), "A volunteer will call or text you before"]


@pytest.fixture
def rice(db: None) -> Item:
    make_zone()
    return ItemFactory.create(name="Rice", max_per_household=4)


def _radios(html: str) -> list[str]:
    return re.findall(r'<input type="radio" name="reach"[^>]*>', html)


def _sealed_reach() -> str:
    return unseal_contact(SealedContact.objects.get()).reach


def test_it_asks_one_plain_question_with_nothing_chosen_for_the_family(client: Client):
    body = client.get("/request/").content.decode()

    assert QUESTION in body
    radios = _radios(body)
    assert [re.search(r'value="(\w+)"', r).group(1) for r in radios] == ["call", "text", "knock"]  # type: ignore[union-attr]
    assert not any("checked" in radio for radio in radios)
    assert "Neither: knock only" in body
    # The old boxes, unticked by default, are gone.
    assert "safe_to_call" not in body and "safe_to_text" not in body


def test_it_asks_again_when_the_question_is_left_unanswered_and_keeps_what_was_typed(
    client: Client, rice: Item
):
    data = as_form(request_payload(rice))
    del data["reach"]

    response = client.post("/request/", data)

    assert response.status_code == 200
    assert response.context["form"].errors == {"reach": [str(request_rules.REACH_REQUIRED)]}
    assert HouseholdRequest.objects.count() == 0
    assert 'value="55407"' in response.content.decode()  # nothing typed is lost


@pytest.mark.parametrize("reach", ["call", "text", "knock"])
def test_it_seals_the_answer_and_promises_exactly_it(client: Client, rice: Item, reach: str):
    response = client.post("/request/", as_form(request_payload(rice, reach=reach)), follow=True)

    body = response.content.decode()
    assert "We received your request" in body
    assert PROMISES[reach] in body
    # The answer travels as a one-time message, never in the address (history, proxy logs).
    assert all(reach not in url for url, _status in response.redirect_chain)
    assert PROMISES[reach] not in client.get(response.redirect_chain[-1][0]).content.decode()
    assert [p for p in EVERY_PROMISE if p in body] == [PROMISES[reach]]
    assert _sealed_reach() == reach
    # Not in the clear anywhere: the request row holds no trace of it.
    assert reach not in json.dumps(list(HouseholdRequest.objects.values()), default=str)


def test_it_promises_nothing_about_a_driver_for_a_pickup(client: Client, rice: Item):
    from tests.inventory.factories import LocationFactory

    church = LocationFactory.create(name="St. Mary's")
    payload = request_payload(
        rice, reach="text", fulfilment="pickup", pickup_location=church.pk, address=""
    )

    body = client.post("/request/", as_form(payload), follow=True).content.decode()

    assert "We received your request" in body
    assert [p for p in EVERY_PROMISE if p in body] == []


def test_it_asks_the_same_on_the_hotline_and_reads_back_the_promise(organizer: User, rice: Item):
    hotline = page_client(organizer)
    form = hotline.get("/requests/hotline/").content.decode()
    assert QUESTION in form and not any("checked" in r for r in _radios(form))

    body = hotline.post(
        "/requests/hotline/", as_form(request_payload(rice, reach="knock"))
    ).content.decode()

    assert PROMISES["knock"] in body
    assert _sealed_reach() == "knock"


@pytest.mark.parametrize("reach", ["call", "text", "call_or_text", "knock"])
def test_it_takes_reach_from_the_public_api(rice: Item, reach: str):
    response = APIClient().post(API, request_payload(rice, reach=reach), format="json")

    assert response.status_code == 201, response.json()
    assert _sealed_reach() == reach


def test_it_tells_a_partner_app_to_ask_rather_than_assume(rice: Item):
    unanswered = request_payload(rice)
    del unanswered["reach"]

    missing = APIClient().post(API, unanswered, format="json")
    odd = APIClient().post(API, request_payload(rice, reach="carrier pigeon"), format="json")
    # The old booleans still answer, and `reach` wins over them.
    both = APIClient().post(
        API, request_payload(rice, reach="text", safe_to_call=True), format="json"
    )

    assert (missing.status_code, missing.json()) == (
        400,
        {"reach": [str(request_rules.REACH_REQUIRED)]},
    )
    assert (odd.status_code, odd.json()) == (
        400,
        {"reach": [str(request_rules.CHOOSE_FROM_LIST)]},
    )
    assert both.status_code == 201
    assert _sealed_reach() == "text"


def test_it_asks_the_question_in_the_familys_language(client: Client):
    body = Client(HTTP_ACCEPT_LANGUAGE="es").get("/request/").content.decode()

    assert "¿Cómo puede comunicarse con usted el conductor antes de venir?" in body
    assert QUESTION not in body


def test_it_changes_the_answer_from_the_status_page_and_says_the_new_promise(
    client: Client, rice: Item
):
    sent = client.post("/request/", as_form(request_payload(rice, reach="call")))
    status_page = sent["Location"].split("?")[0]

    page = client.get(status_page).content.decode()
    changed = client.post(
        status_page,
        {"name": "Ana", "phone": "651 555 2222", "address": "1 Lake St", "reach": "knock"},
        follow=True,
    )

    assert QUESTION in page and not any("checked" in r for r in _radios(page))
    assert PROMISES["knock"] in changed.content.decode()
    assert _sealed_reach() == "knock"


def test_it_opens_contacts_sealed_before_the_question(rice: Item):
    """Sealed JSON of an older release: the two booleans, no reach, no postal code."""
    APIClient().post(API, request_payload(rice), format="json")
    row = SealedContact.objects.get()
    old: dict[str, Any] = {"name": "Ana", "phone": "1", "address": "1 Lake St", "notes": ""}
    opened = {}
    for call, text in [(True, False), (False, True), (True, True), (False, False)]:
        row.sealed = sealing.seal(json.dumps({**old, "safe_to_call": call, "safe_to_text": text}))
        row.save()
        opened[(call, text)] = unseal_contact(SealedContact.objects.get())
    row.sealed = sealing.seal(json.dumps(old))  # before either box existed: the old defaults
    row.save()

    assert {key: c.reach for key, c in opened.items()} == {
        (True, False): "call",
        (False, True): "text",
        (True, True): "call_or_text",
        (False, False): "knock",
    }
    assert unseal_contact(SealedContact.objects.get()).reach == "call_or_text"
    assert {c.postal_code for c in opened.values()} == {""}


@pytest.mark.parametrize(
    ("reach", "line", "links"),
    [
        ("call", "Call first", ["tel:"]),
        ("text", "Text first", ["sms:"]),
        ("call_or_text", "Call or text first", ["tel:", "sms:"]),
        ("knock", "Knock only: no call, no text", []),
    ],
)
def test_it_shows_the_driver_the_answer_in_one_line(
    driver: User, reach: str, line: str, links: list[str]
):
    route = planned_route([contact(reach=reach)])
    route_in_state(route, "in_progress", make_driver(driver))

    response = page_client(driver).get(f"/drive/routes/{route.pk}/")

    body = response.content.decode()
    assert re.findall(r'<p class="reach[^"]*"><strong>([^<]*)</strong></p>', body) == [line]
    assert [scheme for scheme in ("tel:", "sms:") if f'href="{scheme}' in body] == links
    assert "Do not call." not in text_of(response)
