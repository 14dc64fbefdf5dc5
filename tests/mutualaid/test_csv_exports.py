"""CSV exports as a spreadsheet reads them: times on the network's clock, a byte-order
mark so Excel reads UTF-8, and a date range (local days) on every export, refused with a
400 that says why when a date is not one."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import User
from django.test import Client

from inventory import services
from tests.household_requests.factories import submit
from tests.inventory.factories import ItemFactory, LocationFactory
from tests.inventory.pages import page_client

pytestmark = pytest.mark.django_db

CHICAGO = ZoneInfo("America/Chicago")
EXPORTS = ["/inventory/donations.csv", "/inventory/stock.csv", "/requests/export.csv?status="]
BOM = b"\xef\xbb\xbf"


@pytest.fixture(autouse=True)
def _chicago(settings: Any) -> None:
    settings.ORGANIZATION_TIME_ZONE = "America/Chicago"


def excel_text(body: bytes) -> str:
    """What Excel shows on opening a CSV by double-click: UTF-8 only when the file starts
    with a byte-order mark, else the Windows code page (cp1252 in the Americas)."""
    if body.startswith(BOM):
        return body[len(BOM) :].decode("utf-8")
    return body.decode("cp1252", errors="replace")


def _body(client: Client, url: str) -> bytes:
    response = client.get(url)
    assert response.status_code == 200, (url, response.content)
    return b"".join(response.streaming_content)  # type: ignore[attr-defined]


def _rows(client: Client, url: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(excel_text(_body(client, url)))))


def _donate_at(local: dt.datetime, donor: str = "", quantity: int = 3) -> None:
    services.donation_receive(
        location=LocationFactory.create(),
        lines=[services.DonationLineInput(item=ItemFactory.create(), quantity=quantity)],
        donor=donor,
        received_at=local,
    )


def test_every_export_starts_with_a_byte_order_mark_so_excel_reads_utf8(organizer: User):
    _donate_at(dt.datetime(2026, 11, 10, 12, 0, tzinfo=CHICAGO), donor="Panadería José")
    client = page_client(organizer)

    bodies = {url: _body(client, url) for url in EXPORTS}
    donations = bodies["/inventory/donations.csv"]

    assert all(body.startswith(BOM) and body.count(BOM) == 1 for body in bodies.values())
    assert [row["donor"] for row in _rows(client, "/inventory/donations.csv")] == ["Panadería José"]
    # Positive control: the same file without its mark is what Excel garbled.
    garbled = excel_text(donations[len(BOM) :])
    assert "Panadería José" not in garbled and "PanaderÃ­a JosÃ©" in garbled


def test_an_evening_donation_lands_on_its_local_day(organizer: User):
    evening = dt.datetime(2026, 11, 10, 21, 30, tzinfo=CHICAGO)  # 03:30 the next day in UTC
    _donate_at(evening)
    client = page_client(organizer)

    rows = _rows(client, "/inventory/donations.csv")
    that_day = _rows(client, "/inventory/donations.csv?from=2026-11-10&to=2026-11-10")
    next_day = _rows(client, "/inventory/donations.csv?from=2026-11-11&to=2026-11-11")

    assert [row["received_at"] for row in rows] == ["2026-11-10 21:30"]
    assert len(that_day) == 1 and next_day == []


def test_a_month_end_donation_stays_in_its_month(organizer: User):
    _donate_at(dt.datetime(2026, 11, 30, 22, 15, tzinfo=CHICAGO))  # December in UTC
    _donate_at(dt.datetime(2026, 12, 1, 0, 5, tzinfo=CHICAGO))
    client = page_client(organizer)

    november = _rows(client, "/inventory/donations.csv?from=2026-11-01&to=2026-11-30")
    december = _rows(client, "/inventory/donations.csv?from=2026-12-01&to=2026-12-31")

    assert [row["received_at"] for row in november] == ["2026-11-30 22:15"]
    assert [row["received_at"] for row in december] == ["2026-12-01 00:05"]


def test_the_request_export_is_on_the_local_clock_and_takes_a_range(organizer: User):
    with time_machine.travel(dt.datetime(2026, 11, 30, 21, 30, tzinfo=CHICAGO), tick=False):
        evening = submit().request
    with time_machine.travel(dt.datetime(2026, 12, 2, 9, 0, tzinfo=CHICAGO), tick=False):
        later = submit().request
    client = page_client(organizer)

    november = _rows(client, "/requests/export.csv?status=&from=2026-11-30&to=2026-11-30")
    everything = _rows(client, "/requests/export.csv?status=")

    assert [(r["reference"], r["submitted_at"]) for r in november] == [
        (evening.reference, "2026-11-30 21:30")
    ]
    assert {r["reference"] for r in everything} == {evening.reference, later.reference}


def test_the_stock_export_counts_what_came_and_went_on_the_days_asked(organizer: User):
    rice = ItemFactory.create(name="Rice")
    location = LocationFactory.create()
    with time_machine.travel(dt.datetime(2026, 11, 30, 21, 30, tzinfo=CHICAGO), tick=False):
        services.donation_receive(
            location=location, lines=[services.DonationLineInput(item=rice, quantity=7)]
        )
    with time_machine.travel(dt.datetime(2026, 12, 1, 10, 0, tzinfo=CHICAGO), tick=False):
        services.donation_receive(
            location=location, lines=[services.DonationLineInput(item=rice, quantity=5)]
        )
    client = page_client(organizer)

    def rice_row(query: str) -> dict[str, str]:
        return next(r for r in _rows(client, f"/inventory/stock.csv{query}") if r["item"] == "Rice")

    november = rice_row("?from=2026-11-01&to=2026-11-30")
    december = rice_row("?from=2026-12-01")
    all_time = rice_row("")

    assert (november["received_in_range"], november["on_hand"], november["from"]) == (
        "7",
        "12",
        "2026-11-01",
    )
    assert december["received_in_range"] == "5"
    assert all_time["received_in_range"] == "12"


@pytest.mark.parametrize("url", EXPORTS)
@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("from=2026-13-01", "“from” must be a date written YYYY-MM-DD"),
        ("to=yesterday", "“to” must be a date written YYYY-MM-DD"),
        ("to=9999-12-31", "between 2000-01-01 and 2100-12-31"),
        ("from=2026-12-01&to=2026-11-01", "The “from” date is after the “to” date."),
        ("from=" + "2" * 5000, "“from” must be a date"),
    ],
)
def test_a_bad_date_answers_400_saying_why(organizer: User, url: str, query: str, message: str):
    joiner = "&" if "?" in url else "?"

    response = page_client(organizer).get(f"{url}{joiner}{query}")

    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/plain")
    assert message in response.content.decode()


def test_the_refusal_is_in_the_organizers_language(organizer: User):
    client = Client(HTTP_ACCEPT_LANGUAGE="es")
    client.force_login(organizer)

    response = client.get("/inventory/donations.csv?from=2026-12-01&to=2026-11-01")

    assert response.status_code == 400
    assert response.content.decode() == "La fecha «desde» es posterior a la fecha «hasta»."


def test_the_export_pages_offer_the_range(organizer: User):
    client = page_client(organizer)

    for page, export in [
        ("/inventory/", "/inventory/stock.csv"),
        ("/inventory/donations/", "/inventory/donations.csv"),
        ("/requests/", "/requests/export.csv"),
    ]:
        html = client.get(page).content.decode()
        assert f'action="{export}"' in html, page
        assert 'type="date" name="from"' in html and 'type="date" name="to"' in html, page


def test_the_file_name_says_the_range(organizer: User):
    response = page_client(organizer).get("/inventory/donations.csv?from=2026-11-01&to=2026-11-30")

    assert 'filename="donations_2026-11-01_2026-11-30.csv"' in response["Content-Disposition"]
