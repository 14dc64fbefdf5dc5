"""One set of request rules: the same bad input gets the same fields and messages, in the
family's language, on the public form, the hotline form and the public API."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client
from django.utils.translation import override
from django_stubs_ext import StrOrPromise
from rest_framework.test import APIClient

from household_requests import request_rules as rules
from household_requests.forms import CONSENT_REQUIRED
from household_requests.models import HouseholdRequest
from tests.conftest import page_client
from tests.household_requests.factories import as_form, make_zone, request_payload
from tests.inventory.factories import ItemFactory, LocationFactory
from tests.querycount import assert_queries

pytestmark = pytest.mark.django_db

API = "/api/v1/public/requests/"


@dataclass(frozen=True)
class Shelf:
    rice: Any  # at most 4 per household
    beans: Any  # at most 10
    church: Any  # an active pickup place


@pytest.fixture
def shelf() -> Shelf:
    make_zone()
    return Shelf(
        rice=ItemFactory.create(name="Rice", max_per_household=4),
        beans=ItemFactory.create(name="Beans", max_per_household=10),
        church=LocationFactory.create(name="St. Mary's"),
    )


class Bad(NamedTuple):
    """Changes to a good request, and the messages expected by field (`lines[i]`: the
    line at i, which the form shows next to that line's item)."""

    changes: Callable[[Shelf], dict[str, Any]]
    expected: dict[str, list[tuple[StrOrPromise, dict[str, Any]]]]


def _one(field: str, message: StrOrPromise, **params: Any) -> dict[str, Any]:
    return {field: [(message, params)]}


def _lines(*lines: tuple[Any, Any]) -> Callable[[Shelf], dict[str, Any]]:
    def changes(shelf: Shelf) -> dict[str, Any]:
        items = {"rice": shelf.rice, "beans": shelf.beans}
        return {"lines": [{"item": items[name].pk, "quantity": qty} for name, qty in lines]}

    return changes


def _same(**changes: Any) -> Callable[[Shelf], dict[str, Any]]:
    return lambda shelf: changes


BAD: dict[str, Bad] = {
    "adults in letters": Bad(_same(adults="abc"), _one("adults", rules.WHOLE_NUMBER)),
    "negative children": Bad(_same(children="-1"), _one("children", rules.NOT_NEGATIVE)),
    "a fraction of an infant": Bad(_same(infants="1.5"), _one("infants", rules.WHOLE_NUMBER)),
    "too many adults": Bad(_same(adults=21), _one("adults", rules.AT_MOST, limit_value=20)),
    "an endless number": Bad(
        _same(children="9" * 30), _one("children", rules.AT_MOST, limit_value=20)
    ),
    "nobody at home": Bad(
        _same(adults=0, children=0, infants=0), _one("adults", rules.HOUSEHOLD_EMPTY)
    ),
    "no postal code": Bad(_same(postal_code=""), _one("postal_code", rules.REQUIRED)),
    "postal code not served": Bad(
        _same(postal_code="99999"), _one("postal_code", rules.UNKNOWN_POSTAL_CODE)
    ),
    "long postal code": Bad(
        _same(postal_code="5" * 11), _one("postal_code", rules.TOO_LONG, limit_value=10)
    ),
    "NUL in the postal code": Bad(
        _same(postal_code="55407\x00"), _one("postal_code", rules.PLAIN_TEXT_ONLY)
    ),
    "fulfilment by drone": Bad(
        _same(fulfilment="drone"), _one("fulfilment", rules.CHOOSE_FROM_LIST)
    ),
    "pickup without a place": Bad(
        _same(fulfilment="pickup"), _one("pickup_location", rules.PICKUP_LOCATION_REQUIRED)
    ),
    "place in words": Bad(
        _same(fulfilment="pickup", pickup_location="nope"),
        _one("pickup_location", rules.CHOOSE_FROM_LIST),
    ),
    "place in superscript": Bad(
        _same(pickup_location="\u00b2"), _one("pickup_location", rules.CHOOSE_FROM_LIST)
    ),
    "unknown place": Bad(
        _same(fulfilment="pickup", pickup_location=999_999),
        _one("pickup_location", rules.CHOOSE_FROM_LIST),
    ),
    "no name": Bad(_same(name=""), _one("name", rules.REQUIRED)),
    "markup in the name": Bad(_same(name="<b>Ana</b>"), _one("name", rules.PLAIN_TEXT_ONLY)),
    "emoji in the name": Bad(_same(name="Ana \U0001f600"), _one("name", rules.PLAIN_TEXT_ONLY)),
    "control characters in the name": Bad(
        _same(name="Ana\x00\x07"), _one("name", rules.PLAIN_TEXT_ONLY)
    ),
    "words for a phone": Bad(_same(phone="call me"), _one("phone", rules.BAD_PHONE)),
    "delivery without an address": Bad(
        _same(address="  "), _one("address", rules.ADDRESS_REQUIRED)
    ),
    "endless address": Bad(
        _same(address="A" * 10_000), _one("address", rules.TOO_LONG, limit_value=300)
    ),
    "notes breaking two rules": Bad(
        _same(notes="\U0001f600" * 501),
        {
            "notes": [
                (rules.PLAIN_TEXT_ONLY, {}),
                (rules.TOO_LONG, {"limit_value": rules.NOTES_MAX}),
            ]
        },
    ),
    "free text as a food need": Bad(
        _same(dietary_needs=["halal", "Maria 612-555-0177"]),
        _one("dietary_needs", rules.CHOOSE_FROM_LIST),
    ),
    "a day that is not a day": Bad(
        _same(preferred_days=["mon", "someday"]), _one("preferred_days", rules.CHOOSE_FROM_LIST)
    ),
    "more than the household limit": Bad(
        _lines(("rice", 5)), _one("lines[0]", rules.AT_MOST, limit_value=4)
    ),
    "second line over its limit": Bad(
        _lines(("beans", 2), ("rice", 9)), _one("lines[1]", rules.AT_MOST, limit_value=4)
    ),
    "an amount in words": Bad(_lines(("rice", "two")), _one("lines[0]", rules.WHOLE_NUMBER)),
    "a negative amount": Bad(_lines(("rice", -1)), _one("lines[0]", rules.NOT_NEGATIVE)),
    "nothing of anything": Bad(_lines(("rice", 0)), _one("lines", rules.NO_ITEMS)),
    "no lines": Bad(_lines(), _one("lines", rules.NO_ITEMS)),
}


def expected_in(language: str, bad: Bad) -> dict[str, list[str]]:
    with override(language):
        return {
            field: [str(message) % params if params else str(message) for message, params in wanted]
            for field, wanted in bad.expected.items()
        }


def form_errors(client: Client, path: str, payload: dict[str, Any]) -> dict[str, list[str]]:
    """The form's messages by field, named as the API names them."""
    response = client.post(path, as_form(payload))
    assert response.status_code == 200, response.status_code
    item_line = {f"item_{line['item']}": i for i, line in enumerate(payload["lines"])}
    errors = response.context["form"].errors
    named = {}
    for field, messages in errors.items():
        name = f"lines[{item_line[field]}]" if field in item_line else field
        named["lines" if name == "__all__" else name] = list(messages)
    return named


def api_errors(payload: dict[str, Any]) -> dict[str, list[str]]:
    response = APIClient().post(API, payload, format="json")
    assert response.status_code == 400, response.json()
    named: dict[str, list[str]] = {}
    for field, messages in response.json().items():
        if field == "lines" and isinstance(messages[0], dict):
            for index, line in enumerate(messages):
                for line_messages in line.values():
                    named.setdefault(f"lines[{index}]", []).extend(line_messages)
        else:
            named[field] = messages
    return named


def in_language(client: Client, language: str) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("case", list(BAD))
def test_it_tells_every_entry_the_same_about_bad_input(
    shelf: Shelf, organizer: User, language: str, case: str
):
    bad = BAD[case]
    payload = request_payload(shelf.rice, **bad.changes(shelf))
    expected = expected_in(language, bad)

    public = form_errors(in_language(Client(), language), "/request/", payload)
    hotline = form_errors(
        in_language(page_client(organizer), language), "/requests/hotline/", payload
    )
    api = api_errors({**payload, "language": language})

    assert public == expected
    assert hotline == expected
    assert api == expected
    assert HouseholdRequest.objects.count() == 0


def test_it_tells_every_entry_the_same_about_too_many_lines(shelf: Shelf, organizer: User):
    many = ItemFactory.create_batch(rules.MAX_LINES + 1, max_per_household=1)
    payload = request_payload(shelf.rice, lines=[{"item": item.pk, "quantity": 1} for item in many])
    expected = expected_in(
        "en", Bad(_lines(), _one("lines", rules.TOO_MANY_LINES, limit_value=rules.MAX_LINES))
    )

    assert form_errors(Client(), "/request/", payload) == expected
    assert form_errors(page_client(organizer), "/requests/hotline/", payload) == expected
    assert api_errors(payload) == expected


def test_it_looks_nothing_up_for_a_body_with_too_many_lines(shelf: Shelf):
    lines = [{"item": shelf.rice.pk, "quantity": 1}] * 10_000
    answers = []

    assert_queries(
        0,
        lambda: answers.append(
            APIClient().post(API, request_payload(shelf.rice, lines=lines), format="json")
        ),
    )
    assert answers[-1].status_code == 400
    assert answers[-1].json() == {
        "lines": [str(rules.TOO_MANY_LINES) % {"limit_value": rules.MAX_LINES}]
    }


def test_it_refuses_free_text_food_needs_by_api_and_stores_nothing(shelf: Shelf):
    payload = request_payload(shelf.rice, dietary_needs=["Maria 612-555-0177"])

    response = APIClient().post(API, payload, format="json")

    assert response.status_code == 400
    assert response.json() == expected_in(
        "en", Bad(_same(), _one("dietary_needs", rules.CHOOSE_FROM_LIST))
    )
    assert HouseholdRequest.objects.count() == 0


def test_it_stores_only_the_choices_the_form_offers(shelf: Shelf):
    shelf.rice.diet_tags = ["halal", "vegetarian"]  # it fits the needs asked below
    shelf.rice.save(update_fields=["diet_tags"])
    payload = request_payload(
        shelf.rice, dietary_needs=["halal", "halal", "vegetarian"], preferred_days=["tue", "mon"]
    )

    response = APIClient().post(API, payload, format="json")

    assert response.status_code == 201, response.json()
    request = HouseholdRequest.objects.get()
    assert request.dietary_needs == ["halal", "vegetarian"]
    assert request.preferred_days == ["tue", "mon"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ([1, 2], "non_field_errors"),
        ({"lines": "rice"}, "lines"),
        ({"lines": [5]}, "lines"),
        ({"language": "xx"}, "language"),
    ],
)
def test_it_checks_the_shape_of_a_json_body(shelf: Shelf, body: Any, field: str):
    payload = body if isinstance(body, list) else request_payload(shelf.rice, **body)

    response = APIClient().post(API, payload, format="json")

    assert response.status_code == 400 and field in response.json()
    assert HouseholdRequest.objects.count() == 0


def test_it_asks_for_consent_on_the_form(shelf: Shelf):
    data = as_form(request_payload(shelf.rice))
    del data["consent"]

    response = Client().post("/request/", data)

    assert response.context["form"].errors == expected_in(
        "en", Bad(_same(), _one("consent", CONSENT_REQUIRED))
    )
    assert HouseholdRequest.objects.count() == 0


@pytest.mark.parametrize(
    ("said", "stored"),
    [
        ("on", True),
        ("yes", True),
        (True, True),
        ("no", False),
        ("off", False),
        ("0", False),
        ("nope", False),
        (False, False),
        ("", False),
    ],
)
def test_it_takes_the_apis_old_safe_to_call_as_yes_only_when_said_plainly(
    shelf: Shelf, said: object, stored: bool
):
    """The old booleans still answer how to reach the family (tests/household_requests/
    test_reach_choice.py has the new question)."""
    from household_requests.contacts import unseal_contact
    from household_requests.models import SealedContact

    payload = request_payload(shelf.rice, safe_to_call=said, safe_to_text=said)
    del payload["reach"]
    api = APIClient().post(API, payload, format="json")

    assert api.status_code == 201, api.json()
    contact = unseal_contact(SealedContact.objects.get())
    assert (contact.safe_to_call, contact.safe_to_text) == (stored, stored)
    assert contact.reach == ("call_or_text" if stored else "knock")
