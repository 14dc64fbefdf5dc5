"""CSV exports escape text a spreadsheet would run as a formula; numbers stay numbers."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from household_requests.models import HouseholdRequest
from inventory import services as inventory_services
from inventory.models import DonationLine, StockLot
from mutualaid.csvexport import FORMULA_STARTS, safe_cell
from tests.conftest import page_client
from tests.household_requests.factories import make_zone, submit
from tests.inventory.factories import ItemFactory, LocationFactory

pytestmark = pytest.mark.django_db

DONOR = '=HYPERLINK("http://x","y")'
ZONE = "=cmd|' /C calc'!A0"
ITEM = "+SUM(1,2)"


def _cells(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def formula_cells(rows: Iterable[Sequence[str]]) -> list[str]:
    """Cells a spreadsheet would read as a formula: starting with a formula character and
    not a plain number (a number like -5 is data)."""
    found = []
    for row in rows:
        for cell in row:
            if cell.startswith(FORMULA_STARTS):
                try:
                    Decimal(cell)
                except ArithmeticError:
                    found.append(cell)
    return found


def _export(client: Client, url: str) -> list[list[str]]:
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "text/csv"
    return _cells(b"".join(response.streaming_content).decode("utf-8-sig"))  # type: ignore[attr-defined]


def _unescaped(rows: Iterable[Sequence[Any]]) -> list[list[str]]:
    """The same values written as a plain csv.writer would, without the escaping."""
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return _cells(out.getvalue())


@pytest.fixture
def hostile_data() -> None:
    """A donor, a zone and an item named like formulas, and a negative adjustment."""
    make_zone(name=ZONE)
    item = ItemFactory.create(name=ITEM, target_on_hand=3)
    inventory_services.donation_receive(
        location=LocationFactory.create(name="Hall"),
        lines=[inventory_services.DonationLineInput(item=item, quantity=12, expires_on=None)],
        donor=DONOR,
    )
    lot = StockLot.objects.get(item=item)
    inventory_services.lot_adjust(lot_id=lot.pk, delta=-5, reason="recount")
    submit(items=[(item, 1)])


def test_it_escapes_formulas_in_every_export(hostile_data: None, organizer: User):
    client = page_client(organizer)
    exports = {
        url: _export(client, url)
        for url in ("/inventory/donations.csv", "/inventory/stock.csv", "/requests/export.csv")
    }

    # Positive control: the values as stored, written without escaping, are found.
    stored = [
        [line.donation.donor, line.item.name]
        for line in DonationLine.objects.select_related("donation", "item")
    ] + [[r.zone.name if r.zone else ""] for r in HouseholdRequest.objects.select_related("zone")]
    assert sorted(formula_cells(_unescaped(stored))) == sorted([DONOR, ITEM, ZONE])

    for url, rows in exports.items():
        assert formula_cells(rows) == [], url
    every_cell = {cell for rows in exports.values() for cell in rows[1] if cell}
    # Escaped, not dropped: the text is all there, behind one quote.
    assert {"'" + DONOR, "'" + ITEM, "'" + ZONE} <= every_cell


def test_it_keeps_numbers_as_numbers(hostile_data: None, organizer: User):
    (header, row) = _export(page_client(organizer), "/inventory/stock.csv")
    stock = dict(zip(header, row, strict=True))

    assert stock["item"] == "'" + ITEM
    # 12 received, adjusted by -5: plain numbers, no quote.
    assert (stock["on_hand"], stock["available"], stock["target"]) == ("7", "7", "3")


@pytest.mark.parametrize("number", [-5, Decimal("-5"), -0.5, 0, 12])
def test_it_never_escapes_a_number(number: Any):
    assert safe_cell(number) is number
    # Positive control: the same value as text would be escaped when it starts with "-".
    if str(number).startswith("-"):
        assert safe_cell(str(number)) == "'" + str(number)


@pytest.mark.parametrize(
    "text", ["=1+1", "+1", "-1+1", "@SUM(A1)", "\t=1", "\r=1", "  =1", "\uff1d1"]
)
def test_it_escapes_each_formula_start(text: str):
    assert safe_cell(text) == "'" + text


def test_it_leaves_plain_text_alone():
    assert safe_cell("Beans, canned") == "Beans, canned"
    assert safe_cell("") == ""
