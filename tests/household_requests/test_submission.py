"""Reading a posted request form: what counts as valid, and what the family is told."""

from __future__ import annotations

from typing import Any

import pytest
from django.http import QueryDict
from django.utils.datastructures import MultiValueDict

from household_requests import lookups, services, submission, validation
from household_requests.models import HouseholdRequest, Zone
from household_requests.services import SubmittedRequest
from inventory.models import Item
from tests.household_requests.factories import (
    SECRET_ADDRESS,
    SECRET_NAME,
    contact,
    make_zone,
    submit,
)
from tests.inventory.factories import ItemFactory, LocationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def rice() -> Item:
    make_zone()
    return ItemFactory.create(name="Rice", max_per_household=4)


def posted(rice: Item, **changes: Any) -> MultiValueDict[str, Any]:
    fields: dict[str, Any] = {
        "adults": "2",
        "postal_code": "55407",
        "fulfilment": "delivery",
        "name": SECRET_NAME,
        "phone": "612 555 0100",
        "address": SECRET_ADDRESS,
        "consent": "on",
        f"item_{rice.pk}": "2",
    }
    fields.update(changes)
    data = QueryDict(mutable=True)
    for key, value in fields.items():
        if value is not None:
            data.setlist(key, value if isinstance(value, list) else [value])
    return data


def errors(reading: submission.Reading) -> dict[str | None, list[str]]:
    found: dict[str | None, list[str]] = {}
    for name, message in reading.errors:
        found.setdefault(name, []).append(message)
    return found


def test_it_reads_a_good_form_into_a_request(rice: Item):
    reading = submission.read_request(posted(rice, children="1.0", dietary_needs=["halal"]))

    assert reading.is_valid, reading.errors
    data = reading.request_input("so")
    assert (data.adults, data.children, data.infants) == (2, 1, 0)
    assert data.zone is not None and data.zone.name == "Phillips"
    assert [(line.item.pk, line.quantity) for line in data.lines if line.item] == [(rice.pk, 2)]
    assert data.contact.name == SECRET_NAME and not data.contact.safe_to_call
    assert list(data.dietary_needs) == ["halal"] and data.language == "so"


def test_it_reads_numbers_in_any_script_and_never_shows_what_was_typed(rice: Item):
    reading = submission.read_request(
        posted(rice, adults="\u0663", children="\uff12", **{f"item_{rice.pk}": "\u0663"})
    )

    assert reading.is_valid, reading.errors
    assert (reading.values["adults"], reading.values["children"]) == (3, 2)
    assert reading.quantities == {rice.pk: 3}
    assert SECRET_NAME not in repr(reading) and SECRET_NAME not in str(reading)


def test_it_ignores_amounts_for_items_the_page_never_offered(rice: Item):
    retired = ItemFactory.create(active=False)

    reading = submission.read_request(
        posted(
            rice,
            **{f"item_{retired.pk}": "3", "item_999999": "1", "item_x": "1"},
            **{f"item_0{rice.pk}": "4"},
        )
    )

    assert reading.is_valid and reading.quantities == {rice.pk: 2}


@pytest.mark.parametrize(
    ("typed", "message"),
    [("-1", submission.NOT_NEGATIVE), ("two", submission.WHOLE_NUMBER), ("5", submission.AT_MOST)],
)
def test_it_marks_a_wrong_amount_next_to_its_item(rice: Item, typed: str, message: Any):
    reading = submission.read_request(posted(rice, **{f"item_{rice.pk}": typed}))

    assert reading.item_errors == {rice.pk: str(message) % {"limit_value": 4}}
    assert errors(reading) == {None: [str(submission.CHECK_QUANTITIES)]}


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"adults": "0"}, "adults", validation.HOUSEHOLD_EMPTY),
        ({"adults": "21"}, "adults", str(submission.AT_MOST) % {"limit_value": 20}),
        ({"children": "-2"}, "children", submission.NOT_NEGATIVE),
        ({"infants": "1e9"}, "infants", submission.WHOLE_NUMBER),
        ({"postal_code": None}, "postal_code", submission.REQUIRED),
        ({"postal_code": "55407\x00"}, "postal_code", validation.PLAIN_TEXT_ONLY),
        ({"postal_code": "5" * 11}, "postal_code", str(submission.TOO_LONG) % {"limit_value": 10}),
        ({"fulfilment": "drone"}, "fulfilment", submission.CHOOSE_FROM_LIST),
        ({"fulfilment": "pickup"}, "pickup_location", validation.PICKUP_LOCATION_REQUIRED),
        ({"pickup_location": "nope"}, "pickup_location", submission.CHOOSE_FROM_LIST),
        ({"pickup_location": "\u00b2"}, "pickup_location", submission.CHOOSE_FROM_LIST),
        ({"pickup_location": "9" * 30}, "pickup_location", submission.CHOOSE_FROM_LIST),
        ({"adults": "9" * 30}, "adults", str(submission.AT_MOST) % {"limit_value": 20}),
        ({"address": "  "}, "address", validation.ADDRESS_REQUIRED),
        ({"phone": "call me"}, "phone", validation.BAD_PHONE),
        ({"name": "<b>"}, "name", validation.PLAIN_TEXT_ONLY),
        ({"preferred_days": ["mon", "someday"]}, "preferred_days", submission.CHOOSE_FROM_LIST),
        ({"consent": "false"}, "consent", submission.CONSENT_REQUIRED),
        ({"item_{pk}": ""}, None, validation.NO_ITEMS),
    ],
)
def test_it_names_the_field_at_fault(rice: Item, changes: dict[str, Any], field: str, message: Any):
    changes = {key.replace("{pk}", str(rice.pk)): value for key, value in changes.items()}

    reading = submission.read_request(posted(rice, **changes))

    assert not reading.is_valid
    assert errors(reading) == {field: [str(message)]}


def test_it_gives_every_message_for_a_field_that_breaks_two_rules(rice: Item):
    reading = submission.read_request(posted(rice, notes="\U0001f600" * 501))

    assert errors(reading) == {
        "notes": [
            str(validation.PLAIN_TEXT_ONLY),
            str(submission.TOO_LONG) % {"limit_value": validation.NOTES_MAX},
        ]
    }


def test_it_accepts_pickup_at_an_active_place_without_an_address(rice: Item):
    place = LocationFactory.create()
    closed = LocationFactory.create(active=False)

    reading = submission.read_request(
        posted(rice, fulfilment="pickup", pickup_location=str(place.pk), address="")
    )
    refused = submission.read_request(
        posted(rice, fulfilment="pickup", pickup_location=str(closed.pk))
    )

    assert reading.is_valid and reading.values["pickup_location"] == place
    assert errors(refused) == {"pickup_location": [str(submission.CHOOSE_FROM_LIST)]}


def test_it_spots_the_honeypot(rice: Item):
    assert submission.read_request(posted(rice, website="http://spam.example")).spam
    assert not submission.read_request(posted(rice)).spam


def test_it_finds_the_zone_of_an_active_postal_code_only():
    make_zone()
    make_zone(name="Closed", codes=("55408",))
    Zone.objects.filter(name="Closed").update(active=False)

    found = lookups.zone_for_postal_code(" 55407-1234 ")

    assert found is not None and found.name == "Phillips" and found.active
    assert lookups.zone_for_postal_code("55408") is None
    assert lookups.zone_for_postal_code("99999") is None


def test_it_flags_duplicates_of_open_requests_only_and_never_by_an_empty_index():
    place = LocationFactory.create()

    def pickup_for(phone: str) -> SubmittedRequest:
        return submit(contact=contact(phone=phone), fulfilment="pickup", pickup_location=place)

    first = pickup_for("651 555 1000")
    same_phone = pickup_for("651 555 1000")
    # Pickup keeps no address: two empty address indexes are not a match.
    stranger = pickup_for("651 555 2000")
    services.request_cancel(request_id=first.request.pk)
    services.request_cancel(request_id=same_phone.request.pk)
    after_cancel = pickup_for("651 555 1000")

    flagged = dict(HouseholdRequest.objects.values_list("pk", "possible_duplicate"))
    assert flagged[first.request.pk] is False and flagged[same_phone.request.pk] is True
    assert flagged[stranger.request.pk] is False and flagged[after_cancel.request.pk] is False
    assert stranger.request.sealed_contact.address_index == ""
    assert (first.request.possible_duplicate, same_phone.request.possible_duplicate) == (
        False,
        True,
    )


def test_it_draws_another_reference_when_one_is_taken(monkeypatch: pytest.MonkeyPatch):
    taken = submit().request.reference
    draws = iter([taken, taken, "ZZZZ-9999"])
    monkeypatch.setattr(services, "new_reference", lambda: next(draws))

    again = submit()

    assert again.request.reference == "ZZZZ-9999"
    assert HouseholdRequest.objects.count() == 2
