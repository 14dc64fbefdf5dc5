"""The donation intake page: logging a donation at the folding table, and its errors."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.contrib.auth.models import User

from inventory import services
from inventory.models import Donation, Item, Location, StockLot, StockMovement
from mutualaid.timeutil import local_today
from tests.inventory.factories import ItemFactory, fill_shelves, row_counts
from tests.inventory.pages import (
    MISSING,
    field_errors,
    in_days,
    intake_form,
    page_client,
    page_errors,
)
from tests.querycount import assert_queries

pytestmark = pytest.mark.django_db

URL = "/inventory/donations/new/"
INTAKE_PAGE_QUERIES = 7


def test_it_logs_a_donation_through_the_page(
    organizer: User, rice: Item, milk: Item, hub: Location
):
    data = intake_form(hub, [("", "", ""), (rice.pk, "12", ""), (milk.pk, "6", in_days(5))])

    response = page_client(organizer).post(URL, data, follow=True)

    donation = Donation.objects.get()
    assert response.redirect_chain == [(f"/inventory/donations/{donation.pk}/", 302)]
    assert (donation.location, donation.donor, donation.received_by) == (
        hub,
        "Parish food drive",
        organizer,
    )
    lots = list(StockLot.objects.order_by("id"))
    assert [(lot.item, lot.location, lot.on_hand, lot.reserved) for lot in lots] == [
        (rice, hub, 12, 0),
        (milk, hub, 6, 0),
    ]
    assert [lot.expires_on for lot in lots] == [None, local_today() + dt.timedelta(days=5)]
    assert [
        (m.lot_id, m.kind, m.on_hand_delta, m.actor) for m in StockMovement.objects.order_by("id")
    ] == [(lots[0].pk, "received", 12, organizer), (lots[1].pk, "received", 6, organizer)]
    text = response.content.decode()
    assert f"Logged donation #{donation.pk} with 2 line(s)." in text
    assert "Rice" in text and "Milk" in text
    assert f'href="/inventory/lots/{lots[0].pk}/"' in text


def test_it_shows_the_new_stock_after_a_donation(
    organizer: User, rice: Item, milk: Item, hub: Location
):
    client = page_client(organizer)
    client.post(URL, intake_form(hub, [(rice.pk, "12", "")]))

    text = client.get("/inventory/").content.decode()

    row = re.search(r"<tr>\s*<td[^>]*><a[^>]*>Rice</a>.*?</tr>", text, re.S)
    assert row is not None
    assert "12" in row.group(0)


def test_it_offers_only_active_items_and_marks_perishables(
    organizer: User, rice: Item, milk: Item, hub: Location
):
    ItemFactory.create(name="Retired soup", active=False)

    text = page_client(organizer).get(URL).content.decode()

    assert "Retired soup" not in text
    milk_option = re.search(rf'<option value="{milk.pk}"[^>]*>', text)
    rice_option = re.search(rf'<option value="{rice.pk}"[^>]*>', text)
    assert milk_option is not None and "data-perishable" in milk_option.group(0)
    assert rice_option is not None and "data-perishable" not in rice_option.group(0)
    assert "Milk (litre) *" in text


def _bad_intake(case: str, rice: Item, milk: Item, hub: Location) -> tuple[dict[str, Any], str]:
    """Broken POST data and the id of the field whose error the organizer must see."""
    good = (rice.pk, "5", "")
    second_row: dict[str, tuple[Any, str, str]] = {
        "quantity 0": (rice.pk, "0", ""),
        "negative quantity": (rice.pk, "-3", ""),
        "huge quantity": (rice.pk, "100001", ""),
        "perishable without expiry": (milk.pk, "6", ""),
        "expiry in the past": (milk.pk, "6", in_days(-1)),
        "nonsense expiry": (milk.pk, "6", "next tuesday"),
        "unknown item": (MISSING, "2", ""),
        "item id not a number": ("rice", "2", ""),
        "quantity without item": ("", "2", ""),
        "item without quantity": (milk.pk, "", in_days(3)),
        "expiry only": ("", "", in_days(3)),
    }
    field = {
        "perishable without expiry": "expires_on",
        "expiry in the past": "expires_on",
        "nonsense expiry": "expires_on",
        "unknown item": "item",
        "item id not a number": "item",
        "quantity without item": "item",
        "expiry only": "item",
    }
    if case in second_row:
        data = intake_form(hub, [good, second_row[case]])
        return data, f"id_lines-1-{field.get(case, 'quantity')}"
    if case == "10,000-char donor":
        return intake_form(hub, [good], donor="x" * 10_000), "id_donor"
    if case == "unknown location":
        data = intake_form(hub, [good])
        data["location"] = MISSING
        return data, "id_location"
    raise AssertionError(case)


BAD_INTAKE_MESSAGES = {
    "quantity 0": "Ensure this value is greater than or equal to 1.",
    "negative quantity": "Ensure this value is greater than or equal to 1.",
    "huge quantity": "Ensure this value is less than or equal to 100000.",
    "perishable without expiry": services.PERISHABLE_NEEDS_EXPIRY,
    "expiry in the past": services.EXPIRY_IN_PAST,
    "nonsense expiry": "Enter a valid date.",
    "10,000-char donor": "Ensure this value has at most 200 characters (it has 10000).",
    "unknown item": f"Select a valid choice. {MISSING} is not one of the available choices.",
    "item id not a number": "Select a valid choice. rice is not one of the available choices.",
    "quantity without item": "Which item?",
    "item without quantity": "How many?",
    "expiry only": "Which item?",
    "unknown location": "Select a valid choice. That choice is not one of the available choices.",
}


@pytest.mark.parametrize("case", list(BAD_INTAKE_MESSAGES))
def test_it_reshows_the_intake_form_with_the_error_next_to_the_field(
    organizer: User, rice: Item, milk: Item, hub: Location, case: str
):
    data, field_id = _bad_intake(case, rice, milk, hub)

    response = page_client(organizer).post(URL, data)

    assert response.status_code == 200
    assert field_errors(response, field_id) == [str(BAD_INTAKE_MESSAGES[case])]
    assert row_counts() == (0, 0, 0, 0)
    text = response.content.decode()
    # What the organizer typed is still there, so only the bad field needs fixing.
    assert 'name="lines-0-quantity" value="5"' in text
    assert f'<option value="{rice.pk}" selected>' in text


def test_it_reshows_the_intake_form_when_every_row_is_blank(organizer: User, hub: Location):
    response = page_client(organizer).post(URL, intake_form(hub, []))

    assert response.status_code == 200
    assert page_errors(response) == ["Add at least one item."]
    assert row_counts() == (0, 0, 0, 0)


def test_it_refuses_a_retired_item_even_if_posted(organizer: User, rice: Item, hub: Location):
    retired = ItemFactory.create(name="Retired soup", active=False)

    response = page_client(organizer).post(URL, intake_form(hub, [(retired.pk, "3", "")]))

    assert response.status_code == 200
    assert field_errors(response, "id_lines-0-item") == [
        f"Select a valid choice. {retired.pk} is not one of the available choices."
    ]
    assert row_counts() == (0, 0, 0, 0)


def test_it_accepts_more_rows_than_the_page_first_shows(
    organizer: User, rice: Item, milk: Item, hub: Location
):
    lines = [(rice.pk, str(n), "") for n in range(1, 9)]

    response = page_client(organizer).post(URL, intake_form(hub, lines))

    assert response.status_code == 302
    assert sorted(StockLot.objects.values_list("on_hand", flat=True)) == list(range(1, 9))


def test_it_offers_more_blank_rows_without_javascript(organizer: User, rice: Item, hub: Location):
    client = page_client(organizer)

    default = client.get(URL).content.decode()
    more = client.get(f"{URL}?rows=10").content.decode()
    silly = client.get(f"{URL}?rows=100000").content.decode()

    assert default.count('name="lines-TOTAL_FORMS" value="3"') == 1
    assert 'href="?rows=' in default
    assert more.count('name="lines-TOTAL_FORMS" value="10"') == 1
    assert silly.count('name="lines-TOTAL_FORMS" value="50"') == 1


def test_it_ships_the_intake_script_and_a_template_row(organizer: User, rice: Item, hub: Location):
    text = page_client(organizer).get(URL).content.decode()

    assert '<script src="/static/js/intake.js" defer></script>' in text
    assert "lines-__prefix__-item" in text


def test_it_says_so_when_no_location_is_set_up(organizer: User, rice: Item):
    text = page_client(organizer).get(URL).content.decode()

    assert "Add a location" in text
    assert 'href="/inventory/catalogue/location/new/"' in text


def test_it_shows_the_intake_page_with_a_fixed_number_of_queries(organizer: User):
    client = page_client(organizer)

    def fetch() -> None:
        assert client.get(URL).status_code == 200

    fill_shelves(2)
    assert_queries(INTAKE_PAGE_QUERIES, fetch)
    fill_shelves(20)
    assert_queries(INTAKE_PAGE_QUERIES, fetch)
