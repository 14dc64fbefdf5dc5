"""The request rules on plain values: what counts as valid, and what is kept of it.
(What a family is told on each entry: test_request_entries.py.)"""

from __future__ import annotations

from typing import Any

import pytest

from household_requests import request_rules as rules
from household_requests.request_rules import Known, Line, Problem

GOOD: dict[str, Any] = {
    "adults": "2",
    "postal_code": " 55407-1234 ",
    "name": "Ana",
    "phone": "612 555 0100",
    "address": "12 Lake St",
    "reach": "call",
    "lines": [{"item": 7, "quantity": "2"}],
}
KNOWN = Known(
    zone_found=True, item_limits={7: 4}, categories=frozenset({3}), pickup_places=frozenset({5})
)


def read(**changes: Any) -> rules.Reading:
    return rules.read_request({**GOOD, **changes})


def test_it_reads_a_good_request_into_clean_values():
    reading = read(children="1.0", dietary_needs=["halal", "halal"], reach="text")

    assert reading.problems == []
    values = reading.values
    assert (values["adults"], values["children"], values["infants"]) == (2, 1, 0)
    assert values["postal_code"] == "55407" and values["fulfilment"] == "delivery"
    assert values["dietary_needs"] == ["halal"] and values["preferred_days"] == []
    assert values["reach"] == rules.Reach.TEXT
    assert reading.lines == [Line(0, item=7, category=None, quantity=2)]
    assert rules.check_known(reading, KNOWN) == []


def test_it_reads_numbers_in_any_script_and_never_shows_what_was_typed():
    reading = read(adults="\u0663", children="\uff12", lines=[{"item": "7", "quantity": "\u0663"}])

    assert reading.problems == []
    assert (reading.values["adults"], reading.values["children"]) == (3, 2)
    assert reading.lines[0].quantity == 3
    assert "Ana" not in repr(reading)


def test_it_reads_what_is_not_sent_as_the_form_starts():
    values = {name: value for name, value in GOOD.items() if name != "adults"}

    reading = rules.read_request(values)

    assert reading.problems == []
    assert (reading.values["adults"], reading.values["children"], reading.values["infants"]) == (
        1,
        0,
        0,
    )
    assert reading.values["fulfilment"] == "delivery"
    assert read(adults="", children="1").values["adults"] == 0


def test_it_keeps_one_kind_of_line_break_in_an_address():
    assert read(address=" 12 Lake St\r\nApt 3\r").values["address"] == "12 Lake St\nApt 3"


# The public API's old booleans, still taken in place of `reach`.
@pytest.mark.parametrize("ticked", [True, "on", "true", "yes", 1])
def test_it_reads_a_tick(ticked: Any):
    assert read(reach=None, safe_to_call=ticked).values["reach"] == rules.Reach.CALL


@pytest.mark.parametrize("unticked", [None, False, "", "false", "0", 0])
def test_it_reads_no_tick(unticked: Any):
    reading = read(reach=None, safe_to_call=unticked, safe_to_text="no")
    assert reading.values["reach"] == rules.Reach.KNOCK


@pytest.mark.parametrize("adults", [True, [2], {"n": 2}, 2.5, "1e9", "0x2"])
def test_it_refuses_what_is_not_a_whole_number(adults: Any):
    assert read(adults=adults).problems == [Problem("adults", str(rules.WHOLE_NUMBER))]


@pytest.mark.parametrize("name", [["Ana"], {"first": "Ana"}, False])
def test_it_refuses_what_is_not_text(name: Any):
    assert read(name=name).problems == [Problem("name", str(rules.PLAIN_TEXT_ONLY))]


def test_it_drops_a_line_of_nothing_and_reads_a_category_line():
    reading = read(
        lines=[
            {"item": 7, "quantity": 0},
            {"category": 3, "quantity": 5},
            {"item": 8, "quantity": ""},
        ]
    )

    assert reading.lines == [Line(1, item=None, category=3, quantity=5)]
    assert reading.problems == [Problem("quantity", str(rules.REQUIRED), index=2)]


@pytest.mark.parametrize(
    ("line", "field"),
    [
        ({"quantity": 1}, "item"),
        ({"item": 7, "category": 3, "quantity": 1}, "item"),
        ({"item": "07", "quantity": 1}, "item"),
        ({"item": -7, "quantity": 1}, "item"),
        ({"item": 10**30, "quantity": 1}, "item"),
        ({"item": "9" * 30, "quantity": 1}, "item"),
        ({"category": "x", "quantity": 1}, "category"),
        ("rice", None),
    ],
)
def test_it_refuses_a_line_that_names_no_one_thing(line: Any, field: str | None):
    reading = read(lines=[line])

    assert reading.problems == [Problem(field, str(rules.CHOOSE_FROM_LIST), index=0)]


def test_it_counts_the_lines_before_reading_any():
    reading = read(lines=[{"item": "x"}] * (rules.MAX_LINES + 1))

    assert reading.too_many_lines and reading.lines == []
    assert reading.problems == [
        Problem("lines", str(rules.TOO_MANY_LINES) % {"limit_value": rules.MAX_LINES})
    ]


def test_it_checks_what_a_request_names_against_what_is_known():
    reading = read(
        postal_code="99999",
        fulfilment="pickup",
        pickup_location="6",
        lines=[
            {"item": 7, "quantity": 5},
            {"item": 8, "quantity": 1},
            {"category": 4, "quantity": 1},
            {"category": 3, "quantity": rules.CATEGORY_LINE_MAX + 1},
        ],
    )
    unknown_zone = Known(False, KNOWN.item_limits, KNOWN.categories, KNOWN.pickup_places)

    assert reading.problems == []
    # No postal code problem: pickup is open to any postal code (issue 11,
    # tests/household_requests/test_outside_zones.py).
    assert rules.check_known(reading, unknown_zone) == [
        Problem("pickup_location", str(rules.CHOOSE_FROM_LIST)),
        Problem("quantity", str(rules.AT_MOST) % {"limit_value": 4}, index=0),
        Problem("item", str(rules.CHOOSE_FROM_LIST), index=1),
        Problem("category", str(rules.CHOOSE_FROM_LIST), index=2),
        Problem("quantity", str(rules.AT_MOST) % {"limit_value": rules.CATEGORY_LINE_MAX}, index=3),
    ]


def test_it_needs_an_address_for_delivery_only():
    assert read(address="", fulfilment="pickup", pickup_location=5).problems == []
    assert rules.address_problem("delivery", " ") == rules.ADDRESS_REQUIRED
    assert rules.address_problem("pickup", "") is None


@pytest.mark.parametrize("place", ["\u00b2", "9" * 30, 10**30, "12a", [5]])
def test_it_refuses_a_pickup_place_that_is_no_key(place: Any):
    reading = read(fulfilment="pickup", pickup_location=place)

    assert reading.problems == [Problem("pickup_location", str(rules.CHOOSE_FROM_LIST))]
