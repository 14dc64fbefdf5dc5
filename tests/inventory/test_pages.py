"""Organizer pages: stock, donations, lots, catalogue. Persona matrix, intake form, queries."""

from __future__ import annotations

import datetime as dt
import html
import re
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from inventory import services
from inventory.models import (
    Category,
    Donation,
    DonationLine,
    Item,
    Location,
    StockLot,
    StockMovement,
)
from mutualaid.timeutil import local_today
from tests.inventory.factories import (
    CategoryFactory,
    ItemFactory,
    LocationFactory,
    donate,
    stocked_lot,
)

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
MISSING = 424242


def page_client(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _counts() -> tuple[int, int, int, int]:
    return (
        Donation.objects.count(),
        DonationLine.objects.count(),
        StockLot.objects.count(),
        StockMovement.objects.count(),
    )


def field_errors(response: Any, field_id: str) -> list[str]:
    """The error messages rendered for one field, tied to it the way screen readers see it."""
    text = response.content.decode()
    match = re.search(rf'<ul class="errorlist" id="{re.escape(field_id)}_error">(.*?)</ul>', text)
    if match is None:
        return []
    field = re.search(rf'<[^>]* id="{re.escape(field_id)}"[^>]*>', text)
    assert field is not None, f"no field {field_id}"
    assert 'aria-invalid="true"' in field.group(0), field.group(0)
    assert f"{field_id}_error" in field.group(0), "the field must point at its errors"
    return [html.unescape(li) for li in re.findall(r"<li>(.*?)</li>", match.group(1))]


def page_errors(response: Any) -> list[str]:
    """Errors shown for the form as a whole (not tied to one field)."""
    text = response.content.decode()
    lists = re.findall(r'<ul class="errorlist nonfield">(.*?)</ul>', text)
    lists += re.findall(r'<ul class="errorlist nonform">(.*?)</ul>', text)
    return [html.unescape(li) for found in lists for li in re.findall(r"<li>(.*?)</li>", found)]


# The persona matrix ---------------------------------------------------------------------


@pytest.fixture
def lot(db: None) -> StockLot:
    return stocked_lot(ItemFactory.create(name="Rice"), quantity=10)


def _get_pages(lot: StockLot) -> list[str]:
    assert lot.donation_line is not None
    donation_pk = lot.donation_line.donation_id
    return [
        "/inventory/",
        "/inventory/donations/",
        "/inventory/donations/new/",
        f"/inventory/donations/{donation_pk}/",
        f"/inventory/items/{lot.item_id}/lots/",
        f"/inventory/lots/{lot.pk}/",
        "/inventory/catalogue/",
        "/inventory/catalogue/item/new/",
        "/inventory/catalogue/category/new/",
        "/inventory/catalogue/location/new/",
        f"/inventory/catalogue/item/{lot.item_id}/",
        f"/inventory/catalogue/category/{lot.item.category_id}/",
        f"/inventory/catalogue/location/{lot.location_id}/",
    ]


def _post_pages(lot: StockLot) -> list[tuple[str, dict[str, Any]]]:
    item = lot.item
    return [
        (f"/inventory/lots/{lot.pk}/", {"delta": "-2", "reason": "recount"}),
        (f"/inventory/lots/{lot.pk}/spoil/", {}),
        ("/inventory/catalogue/category/new/", {"name": "Baby", "sort_order": "5"}),
        ("/inventory/catalogue/location/new/", {"name": "Church basement", "active": "on"}),
        (
            "/inventory/catalogue/item/new/",
            {
                "name": "Diapers size 3",
                "category": item.category_id,
                "unit": "pack",
                "target_on_hand": "20",
                "max_per_household": "2",
                "active": "on",
            },
        ),
        (
            f"/inventory/catalogue/item/{item.pk}/",
            {
                "name": "Brown rice",
                "category": item.category_id,
                "unit": "bag",
                "target_on_hand": "30",
                "max_per_household": "2",
                "active": "on",
            },
        ),
        (
            f"/inventory/catalogue/category/{item.category_id}/",
            {"name": "Grains", "sort_order": "1"},
        ),
        (f"/inventory/catalogue/location/{lot.location_id}/", {"name": "Hub", "active": "on"}),
        ("/inventory/donations/new/", _intake(lot.location, [(item.pk, "4", "")])),
    ]


def _snapshot() -> tuple[Any, ...]:
    return (
        *_counts(),
        list(StockLot.objects.values_list("on_hand", "reserved").order_by("pk")),
        list(Item.objects.values_list("name", "unit").order_by("pk")),
        list(Category.objects.values_list("name", flat=True).order_by("pk")),
        list(Location.objects.values_list("name", flat=True).order_by("pk")),
    )


def test_it_shows_every_page_to_organizers(organizer: User, lot: StockLot):
    client = page_client(organizer)

    for url in _get_pages(lot):
        assert client.get(url).status_code == 200, url


def test_it_refuses_every_page_to_drivers_and_members_without_a_role(
    driver: User, member_without_role: User, lot: StockLot
):
    for user in (driver, member_without_role):
        client = page_client(user)
        for url in _get_pages(lot):
            assert client.get(url).status_code == 403, (user.username, url)


def test_it_sends_anonymous_visitors_to_the_login_page(lot: StockLot):
    client = page_client(None)

    for url in _get_pages(lot):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(f"{LOGIN}?next="), url


def test_it_lets_organizers_change_things_and_redirects(organizer: User, lot: StockLot):
    client = page_client(organizer)

    for url, data in _post_pages(lot):
        response = client.post(url, data)
        assert response.status_code == 302, (url, response.content.decode()[-2000:])


def test_it_refuses_changes_from_drivers_and_anonymous_and_writes_nothing(
    driver: User, lot: StockLot
):
    before = _snapshot()

    for url, data in _post_pages(lot):
        assert page_client(driver).post(url, data).status_code == 403, url
        anonymous = page_client(None).post(url, data)
        assert anonymous.status_code == 302, url
        assert anonymous["Location"].startswith(f"{LOGIN}?next="), url
    assert _snapshot() == before


def test_it_answers_404_for_unknown_records(organizer: User, lot: StockLot):
    client = page_client(organizer)

    for url in [
        f"/inventory/donations/{MISSING}/",
        f"/inventory/items/{MISSING}/lots/",
        f"/inventory/lots/{MISSING}/",
        f"/inventory/catalogue/item/{MISSING}/",
        f"/inventory/catalogue/category/{MISSING}/",
        f"/inventory/catalogue/location/{MISSING}/",
        "/inventory/catalogue/zone/new/",
    ]:
        assert client.get(url).status_code == 404, url
    adjust = client.post(f"/inventory/lots/{MISSING}/", {"delta": "1", "reason": "found"})
    assert adjust.status_code == 404
    assert client.post(f"/inventory/lots/{MISSING}/spoil/").status_code == 404


def test_it_only_spoils_through_a_post(organizer: User, lot: StockLot):
    response = page_client(organizer).get(f"/inventory/lots/{lot.pk}/spoil/")

    assert response.status_code == 405
    lot.refresh_from_db()
    assert lot.on_hand == 10


# Lots: adjust and spoil -------------------------------------------------------------------


def test_it_adjusts_a_lot_after_a_recount(organizer: User, lot: StockLot):
    client = page_client(organizer)

    response = client.post(
        f"/inventory/lots/{lot.pk}/", {"delta": "-3", "reason": "recount"}, follow=True
    )

    assert response.redirect_chain == [(f"/inventory/lots/{lot.pk}/", 302)]
    lot.refresh_from_db()
    assert lot.on_hand == 7
    movement = StockMovement.objects.latest("id")
    assert (movement.kind, movement.on_hand_delta, movement.reason, movement.actor) == (
        "adjusted",
        -3,
        "recount",
        organizer,
    )
    text = response.content.decode()
    assert "Stock adjusted." in text
    assert "recount" in text


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"delta": "0", "reason": "recount"}, "id_delta", services.ADJUSTMENT_ZERO),
        ({"delta": "-11", "reason": "recount"}, "id_delta", services.ADJUSTMENT_BELOW_RESERVED),
        ({"delta": "2", "reason": "   "}, "id_reason", "This field is required."),
        ({"delta": "many", "reason": "recount"}, "id_delta", "Enter a whole number."),
    ],
)
def test_it_shows_why_an_adjustment_was_refused(
    organizer: User, lot: StockLot, data: dict[str, str], field: str, message: str
):
    before = _snapshot()

    response = page_client(organizer).post(f"/inventory/lots/{lot.pk}/", data)

    assert response.status_code == 200
    assert field_errors(response, field) == [message]
    assert _snapshot() == before


def test_it_marks_unreserved_units_spoiled(organizer: User, lot: StockLot):
    services.lot_reserve(lot_id=lot.pk, quantity=4)
    client = page_client(organizer)

    first = client.post(f"/inventory/lots/{lot.pk}/spoil/", follow=True)
    again = client.post(f"/inventory/lots/{lot.pk}/spoil/", follow=True)

    assert first.redirect_chain == [(f"/inventory/lots/{lot.pk}/", 302)]
    assert "Unreserved units marked spoiled." in first.content.decode()
    assert "Nothing unreserved left to spoil." in again.content.decode()
    lot.refresh_from_db()
    assert (lot.on_hand, lot.reserved) == (4, 4)
    assert StockMovement.objects.filter(lot=lot, kind="spoiled").count() == 1


# Catalogue ----------------------------------------------------------------------------------


def test_it_adds_an_item_to_the_catalogue(organizer: User):
    category = CategoryFactory.create(name="Baby")

    response = page_client(organizer).post(
        "/inventory/catalogue/item/new/",
        {
            "name": "Formula",
            "category": category.pk,
            "unit": "can",
            "perishable": "on",
            "target_on_hand": "12",
            "max_per_household": "2",
            "active": "on",
        },
        follow=True,
    )

    assert response.redirect_chain == [("/inventory/catalogue/", 302)]
    item = Item.objects.get(name="Formula")
    assert (item.category, item.unit, item.perishable, item.target_on_hand) == (
        category,
        "can",
        True,
        12,
    )
    assert "Saved Formula." in response.content.decode()


def test_it_refuses_a_duplicate_catalogue_name(organizer: User):
    ItemFactory.create(name="Rice")
    category = CategoryFactory.create()

    response = page_client(organizer).post(
        "/inventory/catalogue/item/new/",
        {
            "name": "Rice",
            "category": category.pk,
            "unit": "bag",
            "target_on_hand": "1",
            "max_per_household": "1",
        },
    )

    assert response.status_code == 200
    assert field_errors(response, "id_name") == ["Item with this Name already exists."]
    assert Item.objects.filter(name="Rice").count() == 1


def test_it_names_what_is_being_created(organizer: User):
    client = page_client(organizer)

    assert "New item" in client.get("/inventory/catalogue/item/new/").content.decode()
    assert "New location" in client.get("/inventory/catalogue/location/new/").content.decode()


# Donation intake through the page ---------------------------------------------------------


def _intake(
    location: Location,
    lines: list[tuple[Any, str, str]],
    *,
    donor: str = "Parish food drive",
    rows: int | None = None,
) -> dict[str, Any]:
    """POST data of the intake page: the donation, the management form and the line rows."""
    total = rows if rows is not None else max(len(lines), 3)
    data: dict[str, Any] = {
        "location": location.pk,
        "donor": donor,
        "note": "",
        "lines-TOTAL_FORMS": str(total),
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "50",
    }
    for index in range(total):
        item, quantity, expires_on = lines[index] if index < len(lines) else ("", "", "")
        data[f"lines-{index}-item"] = item
        data[f"lines-{index}-quantity"] = quantity
        data[f"lines-{index}-expires_on"] = expires_on
    return data


@pytest.fixture
def rice(db: None) -> Item:
    return ItemFactory.create(name="Rice", unit=Item.Unit.BAG)


@pytest.fixture
def milk(db: None) -> Item:
    return ItemFactory.create(name="Milk", unit=Item.Unit.LITRE, perishable=True)


@pytest.fixture
def hub(db: None) -> Location:
    return LocationFactory.create(name="Corner church")


def _in_days(days: int) -> str:
    return (local_today() + dt.timedelta(days=days)).isoformat()


def test_it_logs_a_donation_through_the_page(
    organizer: User, rice: Item, milk: Item, hub: Location
):
    data = _intake(hub, [("", "", ""), (rice.pk, "12", ""), (milk.pk, "6", _in_days(5))])

    response = page_client(organizer).post("/inventory/donations/new/", data, follow=True)

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
    client.post("/inventory/donations/new/", _intake(hub, [(rice.pk, "12", "")]))

    text = client.get("/inventory/").content.decode()

    row = re.search(r"<tr>\s*<td[^>]*><a[^>]*>Rice</a>.*?</tr>", text, re.S)
    assert row is not None
    assert "12" in row.group(0)


def test_it_offers_only_active_items_and_marks_perishables(
    organizer: User, rice: Item, milk: Item, hub: Location
):
    ItemFactory.create(name="Retired soup", active=False)

    text = page_client(organizer).get("/inventory/donations/new/").content.decode()

    assert "Retired soup" not in text
    milk_option = re.search(rf'<option value="{milk.pk}"[^>]*>', text)
    rice_option = re.search(rf'<option value="{rice.pk}"[^>]*>', text)
    assert milk_option is not None and "data-perishable" in milk_option.group(0)
    assert rice_option is not None and "data-perishable" not in rice_option.group(0)
    assert "Milk (litre) *" in text


def _bad_intake(case: str, rice: Item, milk: Item, hub: Location) -> tuple[dict[str, Any], str]:
    """Broken POST data and the id of the field whose error the organizer must see."""
    good = (rice.pk, "5", "")
    if case == "quantity 0":
        return _intake(hub, [good, (rice.pk, "0", "")]), "id_lines-1-quantity"
    if case == "negative quantity":
        return _intake(hub, [good, (rice.pk, "-3", "")]), "id_lines-1-quantity"
    if case == "huge quantity":
        return _intake(hub, [good, (rice.pk, "100001", "")]), "id_lines-1-quantity"
    if case == "perishable without expiry":
        return _intake(hub, [good, (milk.pk, "6", "")]), "id_lines-1-expires_on"
    if case == "expiry in the past":
        return _intake(hub, [good, (milk.pk, "6", _in_days(-1))]), "id_lines-1-expires_on"
    if case == "nonsense expiry":
        return _intake(hub, [good, (milk.pk, "6", "next tuesday")]), "id_lines-1-expires_on"
    if case == "10,000-char donor":
        return _intake(hub, [good], donor="x" * 10_000), "id_donor"
    if case == "unknown item":
        return _intake(hub, [good, (MISSING, "2", "")]), "id_lines-1-item"
    if case == "item id not a number":
        return _intake(hub, [good, ("rice", "2", "")]), "id_lines-1-item"
    if case == "quantity without item":
        return _intake(hub, [good, ("", "2", "")]), "id_lines-1-item"
    if case == "item without quantity":
        return _intake(hub, [good, (milk.pk, "", _in_days(3))]), "id_lines-1-quantity"
    if case == "expiry only":
        return _intake(hub, [good, ("", "", _in_days(3))]), "id_lines-1-item"
    if case == "unknown location":
        data = _intake(hub, [good])
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

    response = page_client(organizer).post("/inventory/donations/new/", data)

    assert response.status_code == 200
    assert field_errors(response, field_id) == [BAD_INTAKE_MESSAGES[case]]
    assert _counts() == (0, 0, 0, 0)
    text = response.content.decode()
    # What the organizer typed is still there, so only the bad field needs fixing.
    assert 'name="lines-0-quantity" value="5"' in text
    assert f'<option value="{rice.pk}" selected>' in text


def test_it_reshows_the_intake_form_when_every_row_is_blank(organizer: User, hub: Location):
    response = page_client(organizer).post("/inventory/donations/new/", _intake(hub, []))

    assert response.status_code == 200
    assert page_errors(response) == ["Add at least one item."]
    assert _counts() == (0, 0, 0, 0)


def test_it_refuses_a_retired_item_even_if_posted(organizer: User, rice: Item, hub: Location):
    page = page_client(organizer)
    retired = ItemFactory.create(name="Retired soup", active=False)

    response = page.post("/inventory/donations/new/", _intake(hub, [(retired.pk, "3", "")]))

    assert response.status_code == 200
    assert field_errors(response, "id_lines-0-item") == [
        f"Select a valid choice. {retired.pk} is not one of the available choices."
    ]
    assert _counts() == (0, 0, 0, 0)


def test_it_accepts_more_rows_than_the_page_first_shows(
    organizer: User, rice: Item, milk: Item, hub: Location
):
    lines = [(rice.pk, str(n), "") for n in range(1, 9)]

    response = page_client(organizer).post("/inventory/donations/new/", _intake(hub, lines))

    assert response.status_code == 302
    assert sorted(StockLot.objects.values_list("on_hand", flat=True)) == list(range(1, 9))


def test_it_offers_more_blank_rows_without_javascript(organizer: User, rice: Item, hub: Location):
    client = page_client(organizer)

    default = client.get("/inventory/donations/new/").content.decode()
    more = client.get("/inventory/donations/new/?rows=10").content.decode()
    silly = client.get("/inventory/donations/new/?rows=100000").content.decode()

    assert default.count('name="lines-TOTAL_FORMS" value="3"') == 1
    assert 'href="?rows=' in default
    assert more.count('name="lines-TOTAL_FORMS" value="10"') == 1
    assert silly.count('name="lines-TOTAL_FORMS" value="50"') == 1


def test_it_ships_the_intake_script_and_a_template_row(organizer: User, rice: Item, hub: Location):
    text = page_client(organizer).get("/inventory/donations/new/").content.decode()

    assert '<script src="/static/js/intake.js" defer></script>' in text
    assert "lines-__prefix__-item" in text


def test_it_says_so_when_no_location_is_set_up(organizer: User, rice: Item):
    text = page_client(organizer).get("/inventory/donations/new/").content.decode()

    assert "Add a location" in text
    assert 'href="/inventory/catalogue/location/new/"' in text


# What the pages show ----------------------------------------------------------------------


def test_it_shows_items_below_target_and_lots_expiring_soon(organizer: User):
    beans = ItemFactory.create(name="Beans", target_on_hand=50)
    stocked_lot(beans, quantity=8)
    yogurt = ItemFactory.create(name="Yogurt", perishable=True, target_on_hand=0)
    soon = stocked_lot(yogurt, quantity=4, expires_in_days=2)
    stocked_lot(yogurt, quantity=4, expires_in_days=30)

    client = page_client(organizer)
    text = client.get("/inventory/").content.decode()
    below = client.get("/inventory/?show=below_target").content.decode()
    below_table = below.split("Expiring within")[0]

    assert "below target" in text
    assert f'href="/inventory/lots/{soon.pk}/"' in text
    assert "Beans" in below_table and "Yogurt" not in below_table


def test_it_marks_lots_whose_date_has_passed_as_expired(
    organizer: User, monkeypatch: pytest.MonkeyPatch
):
    lot = stocked_lot(ItemFactory.create(name="Yogurt", perishable=True), expires_in_days=1)
    later = local_today() + dt.timedelta(days=3)
    monkeypatch.setattr("inventory.views.local_today", lambda: later)
    monkeypatch.setattr("inventory.selectors.local_today", lambda: later)

    text = page_client(organizer).get("/inventory/").content.decode()

    row = re.search(
        rf'<tr><td class="title"><a href="/inventory/lots/{lot.pk}/">.*?</tr>', text, re.S
    )
    assert row is not None
    assert "(expired)" in row.group(0)


def test_it_shows_donation_times_in_the_organization_time_zone(
    organizer: User, rice: Item, hub: Location, settings: Any
):
    settings.ORGANIZATION_TIME_ZONE = "America/Chicago"
    late_evening = dt.datetime(2025, 3, 10, 2, 30, tzinfo=dt.UTC)  # 21:30 the day before
    donation = services.donation_receive(
        location=hub,
        lines=[services.DonationLineInput(item=rice, quantity=1)],
        received_at=late_evening,
    )
    client = page_client(organizer)

    listing = client.get("/inventory/donations/").content.decode()
    detail = client.get(f"/inventory/donations/{donation.pk}/").content.decode()

    assert "03/09/2025 9:30 p.m." in listing
    assert "March 9, 2025, 9:30 p.m." in detail


def test_it_lists_recent_donations_with_their_totals(organizer: User, rice: Item, milk: Item):
    donation = donate((rice, 3), (milk, 2, local_today()))

    text = page_client(organizer).get("/inventory/donations/").content.decode()

    row = re.search(rf'<tr><td><a href="/inventory/donations/{donation.pk}/">.*?</tr>', text, re.S)
    assert row is not None
    cells = re.findall(r'<td class="num">(\d+)</td>', row.group(0))
    assert cells == ["2", "5"]


# Query counts -------------------------------------------------------------------------------


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


def _add_rows(n: int) -> None:
    location = LocationFactory.create()
    for _ in range(n):
        category = CategoryFactory.create()
        item = ItemFactory.create(category=category, perishable=True)
        donate((item, 5, local_today() + dt.timedelta(days=2)), location=location)
        stocked_lot(item, quantity=3, expires_in_days=40)
        LocationFactory.create()


@pytest.mark.parametrize(
    "url",
    ["/inventory/", "/inventory/?show=in_stock", "/inventory/donations/", "/inventory/catalogue/"],
)
def test_it_keeps_list_query_counts_flat(organizer: User, url: str):
    client = page_client(organizer)
    _add_rows(2)
    client.get(url)  # warm up: session, content types, role cache

    few = _queries(client, url)
    _add_rows(20)
    many = _queries(client, url)

    assert few == many


def test_it_keeps_the_intake_page_query_count_flat(organizer: User):
    client = page_client(organizer)
    _add_rows(2)
    client.get("/inventory/donations/new/")

    few = _queries(client, "/inventory/donations/new/")
    _add_rows(20)
    many = _queries(client, "/inventory/donations/new/")

    assert few == many


def test_it_keeps_the_donation_detail_query_count_flat(organizer: User):
    client = page_client(organizer)
    small = donate(*[(ItemFactory.create(), 1) for _ in range(2)])
    large = donate(*[(ItemFactory.create(), 1) for _ in range(20)])
    client.get(f"/inventory/donations/{small.pk}/")

    assert _queries(client, f"/inventory/donations/{small.pk}/") == _queries(
        client, f"/inventory/donations/{large.pk}/"
    )
