"""POST/GET /api/v1/donations/: lots and ledger rows, bad input, persona matrix."""

from __future__ import annotations

import datetime as dt
from functools import partial
from typing import Any

import pytest
from rest_framework.test import APIClient

from inventory.api import MAX_LINES_PER_DONATION
from inventory.models import StockLot, StockMovement
from inventory.services import PERISHABLE_NEEDS_EXPIRY
from mutualaid.timeutil import local_today
from tests.inventory.factories import (
    ItemFactory,
    LocationFactory,
    donate,
    donation_payload,
    row_counts,
)
from tests.querycount import assert_queries, count_queries

URL = "/api/v1/donations/"
LIST_QUERIES = 4  # count, page, lines, their lots


@pytest.fixture
def payload(db: None) -> dict[str, Any]:
    rice = ItemFactory.create(name="Rice")
    milk = ItemFactory.create(name="Milk", perishable=True)
    return donation_payload(
        LocationFactory.create(),
        (rice, 12),
        (milk, 6, local_today() + dt.timedelta(days=5)),
        donor="Parish food drive",
    )


def test_it_creates_lots_and_ledger_rows(organizer_api: APIClient, payload: dict[str, Any]):
    response = organizer_api.post(URL, payload, format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["id"]
    lots = StockLot.objects.order_by("id")
    assert [(lot.item_id, lot.on_hand, lot.reserved) for lot in lots] == [
        (payload["lines"][0]["item"], 12, 0),
        (payload["lines"][1]["item"], 6, 0),
    ]
    assert str(lots[1].expires_on) == payload["lines"][1]["expires_on"]
    movements = StockMovement.objects.order_by("id")
    assert [(m.lot_id, m.kind, m.on_hand_delta) for m in movements] == [
        (lots[0].pk, "received", 12),
        (lots[1].pk, "received", 6),
    ]
    assert [line["lot"] for line in body["lines"]] == [lots[0].pk, lots[1].pk]


def _bad(payload: dict[str, Any], case: str) -> tuple[dict[str, Any], str]:
    """Return a broken copy of the payload and the field the error must name."""
    data = {**payload, "lines": [dict(line) for line in payload["lines"]]}
    yesterday = (local_today() - dt.timedelta(days=1)).isoformat()
    if case == "zero":
        data["lines"][0]["quantity"] = 0
        return data, "quantity"
    if case == "negative":
        data["lines"][0]["quantity"] = -5
        return data, "quantity"
    if case == "unknown item":
        data["lines"][1]["item"] = 999_999
        return data, "item"
    if case == "expired":
        data["lines"][1]["expires_on"] = yesterday
        return data, "expires_on"
    if case == "perishable without expiry":
        data["lines"][1]["expires_on"] = None
        return data, "expires_on"
    if case == "huge donor":
        data["donor"] = "x" * 10_000
        return data, "donor"
    if case == "quantity as text":
        data["lines"][0]["quantity"] = "lots"
        return data, "quantity"
    if case == "lines not a list":
        data["lines"] = "rice"
        return data, "lines"
    if case == "no lines":
        data["lines"] = []
        return data, "lines"
    if case == "unknown location":
        data["location"] = 999_999
        return data, "location"
    if case == "date garbage":
        data["lines"][1]["expires_on"] = "next tuesday"
        return data, "expires_on"
    raise AssertionError(case)


BAD_CASES = [
    "zero",
    "negative",
    "unknown item",
    "expired",
    "perishable without expiry",
    "huge donor",
    "quantity as text",
    "lines not a list",
    "no lines",
    "unknown location",
    "date garbage",
]


@pytest.mark.parametrize("case", BAD_CASES)
def test_it_refuses_bad_input_and_writes_nothing(
    organizer_api: APIClient, payload: dict[str, Any], case: str
):
    data, field = _bad(payload, case)

    response = organizer_api.post(URL, data, format="json")

    assert response.status_code == 400
    assert field in str(response.json()), response.json()
    assert row_counts() == (0, 0, 0, 0)


def test_it_names_the_line_the_service_refused(organizer_api: APIClient, payload: dict[str, Any]):
    payload["lines"][1]["expires_on"] = None  # milk is perishable

    response = organizer_api.post(URL, payload, format="json")

    assert response.status_code == 400
    assert response.json() == {"lines": [{}, {"expires_on": [str(PERISHABLE_NEEDS_EXPIRY)]}]}
    assert row_counts() == (0, 0, 0, 0)


def test_it_counts_the_lines_before_looking_any_item_up(
    organizer_api: APIClient, payload: dict[str, Any]
):
    def post(lines: int) -> tuple[int, Any]:
        data = {**payload, "lines": [payload["lines"][0]] * lines}
        response = organizer_api.post(URL, data, format="json")
        return response.status_code, response.json()

    for lines in (MAX_LINES_PER_DONATION + 1, 5_000):
        assert post(lines) == (
            400,
            {"lines": [f"At most {MAX_LINES_PER_DONATION} lines per donation."]},
        )
        # Refused before any field looks its item (or location) up.
        assert count_queries(partial(post, lines)) == 0
    assert post(MAX_LINES_PER_DONATION)[0] == 201


def test_it_refuses_drivers(driver_api: APIClient, payload: dict[str, Any]):
    assert driver_api.post(URL, payload, format="json").status_code == 403
    assert driver_api.get(URL).status_code == 403
    assert row_counts() == (0, 0, 0, 0)


def test_it_refuses_anonymous(anonymous_api: APIClient, payload: dict[str, Any]):
    assert anonymous_api.post(URL, payload, format="json").status_code == 401
    assert anonymous_api.get(URL).status_code == 401
    assert row_counts() == (0, 0, 0, 0)


def test_it_404s_for_unknown_donation(organizer_api: APIClient, db: None):
    assert organizer_api.get(f"{URL}424242/").status_code == 404


def test_it_lists_with_a_fixed_number_of_queries(organizer_api: APIClient, payload: dict):
    def fetch() -> None:
        assert organizer_api.get(URL).status_code == 200

    item = ItemFactory.create()
    donate((item, 3))
    assert_queries(LIST_QUERIES, fetch)
    for _ in range(5):
        donate((item, 2), (ItemFactory.create(), 4))
    assert_queries(LIST_QUERIES, fetch)
    assert organizer_api.get(URL).json()["count"] == 6
