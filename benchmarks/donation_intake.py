"""Donation intake: how far `donation_receive` is from writing the same rows by hand.

Logs DONATIONS donations of LINES lines through the service, and the same rows through
bare bulk inserts (the floor), each donation in its own transaction as at the intake
table. Both are measured in this run, on this database, best of ROUNDS, so the ratio
holds across machines. A ratio near 1 means the service adds little on top of the
inserts it must do; a per-line query or an extra round trip per line shows up at once.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone

from benchmarks import Measurement, benchmark
from inventory.models import (
    Category,
    Donation,
    DonationLine,
    Item,
    Location,
    StockLot,
    StockMovement,
)
from inventory.selectors import ledger_mismatches
from inventory.services import DonationLineInput, donation_receive
from mutualaid.timeutil import local_today

DONATIONS = 500
LINES = 5
ROUNDS = 3
WARM_UP = 25


def _catalogue() -> tuple[Location, list[DonationLineInput]]:
    category = Category.objects.create(name="Bench food")
    location = Location.objects.create(name="Bench hall")
    expires = local_today() + dt.timedelta(days=30)
    lines = []
    for n in range(LINES):
        perishable = n % 2 == 0
        item = Item.objects.create(name=f"Bench item {n}", category=category, perishable=perishable)
        lines.append(
            DonationLineInput(item=item, quantity=n + 3, expires_on=expires if perishable else None)
        )
    return location, lines


def _through_service(location: Location, lines: Sequence[DonationLineInput]) -> None:
    donation_receive(location=location, lines=lines, donor="Bench drive")


def _rows_for(donations: Sequence[Donation], lines: Sequence[DonationLineInput]) -> None:
    line_rows = DonationLine.objects.bulk_create(
        DonationLine(donation=d, item=li.item, quantity=li.quantity, expires_on=li.expires_on)
        for d in donations
        for li in lines
    )
    received_at = {d.pk: d.received_at for d in donations}
    lots = StockLot.objects.bulk_create(
        StockLot(
            item_id=row.item_id,
            location_id=donations[0].location_id,
            donation_line=row,
            expires_on=row.expires_on,
            on_hand=row.quantity,
            received_at=received_at[row.donation_id],
        )
        for row in line_rows
    )
    StockMovement.objects.bulk_create(
        StockMovement(
            lot=lot,
            kind=StockMovement.Kind.RECEIVED,
            on_hand_delta=lot.on_hand,
            reason=f"donation #{lot.donation_line.donation_id}" if lot.donation_line else "",
        )
        for lot in lots
    )


def _floor(location: Location, lines: Sequence[DonationLineInput]) -> None:
    with transaction.atomic():
        donation = Donation.objects.create(
            location=location, donor="Bench drive", received_at=timezone.now()
        )
        _rows_for([donation], lines)


def _floor_one_transaction(location: Location, lines: Sequence[DonationLineInput]) -> float:
    """All donations in one transaction: what batching would buy (context only)."""
    started = time.perf_counter()
    with transaction.atomic():
        now = timezone.now()
        donations = Donation.objects.bulk_create(
            Donation(location=location, donor="Bench drive", received_at=now)
            for _ in range(DONATIONS)
        )
        _rows_for(donations, lines)
    return time.perf_counter() - started


def _round(location: Location, lines: Sequence[DonationLineInput]) -> tuple[float, float]:
    """Seconds for DONATIONS donations each way, alternating one by one so that drift on
    the machine (other processes, the database flushing to disk) hits both alike."""
    spent = {_through_service: 0.0, _floor: 0.0}
    for n in range(DONATIONS):
        order = (_through_service, _floor) if n % 2 == 0 else (_floor, _through_service)
        for log_one in order:
            started = time.perf_counter()
            log_one(location, lines)
            spent[log_one] += time.perf_counter() - started
    return spent[_through_service], spent[_floor]


@benchmark(name="donation intake", bound=3.0, unit="x floor", better="lower")
def donation_intake() -> Measurement:
    location, lines = _catalogue()
    for _ in range(WARM_UP):
        _through_service(location, lines)
        _floor(location, lines)

    service_seconds: list[float] = []
    floor_seconds: list[float] = []
    for _ in range(ROUNDS):
        service, floor = _round(location, lines)
        service_seconds.append(service)
        floor_seconds.append(floor)
    batch_seconds = _floor_one_transaction(location, lines)

    expected_donations = (WARM_UP + ROUNDS * DONATIONS) * 2 + DONATIONS
    if Donation.objects.count() != expected_donations:
        raise AssertionError("the benchmark did not write the donations it meant to")
    if StockMovement.objects.count() != expected_donations * LINES or ledger_mismatches():
        raise AssertionError("the stock ledger disagrees with the lots after the benchmark")

    service_rate = DONATIONS / min(service_seconds)
    floor_rate = DONATIONS / min(floor_seconds)
    batch_rate = DONATIONS / batch_seconds
    return Measurement(
        value=floor_rate / service_rate,
        detail=(
            f"{service_rate:,.0f} donations/s through donation_receive vs a floor of "
            f"{floor_rate:,.0f}/s (bare bulk inserts, one transaction per donation); "
            f"{DONATIONS} donations x {LINES} lines, best of {ROUNDS}. "
            f"All {DONATIONS} in one transaction: {batch_rate:,.0f}/s."
        ),
    )
