"""The stock audit: what `check_ledger` and the hourly ledger audit prove.

Inventory proves its own books (every lot against its ledger, `inventory.selectors`);
inventory knows nothing of requests, so the checks that tie stock to requests live here,
one level up, and this module runs both. Read-only; one query per check, whatever the
number of rows.

- each lot's `reserved` equals the units of its live (unconsumed) allocations;
- each request line's `allocated` equals its allocations (a hand-over keeps the row);
- no finished request (delivered, cancelled, closed) holds a live allocation.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import F, IntegerField, Q, Sum, Value
from django.db.models.functions import Coalesce

from household_requests.models import FINISHED_STATUSES, Allocation, RequestLine
from inventory.models import StockLot
from inventory.selectors import ledger_mismatches


@dataclass(frozen=True)
class Finding:
    """One thing wrong, said in words an operator can act on (ids and counts only)."""

    check: str
    text: str

    def __str__(self) -> str:
        return f"{self.check}: {self.text}"


LOT_VS_LEDGER = "lot vs ledger"
LOT_VS_ALLOCATIONS = "lot vs allocations"
LINE_VS_ALLOCATIONS = "line vs allocations"
FINISHED_HOLDS_STOCK = "finished request holds stock"

_ZERO = Value(0, output_field=IntegerField())


def lots_disagreeing_with_the_ledger() -> list[Finding]:
    return [
        Finding(
            LOT_VS_LEDGER,
            f"lot {m.lot_id}: on hand {m.on_hand} but ledger says {m.ledger_on_hand}; "
            f"reserved {m.reserved} but ledger says {m.ledger_reserved}",
        )
        for m in ledger_mismatches()
    ]


def lots_disagreeing_with_allocations() -> list[Finding]:
    """Lots whose reserved units are not exactly their live allocations."""
    live = Q(allocations__consumed_at__isnull=True)
    rows = (
        StockLot.objects.annotate(held=Coalesce(Sum("allocations__quantity", filter=live), _ZERO))
        .filter(~Q(reserved=F("held")))
        .order_by("pk")
        .values_list("pk", "reserved", "held")
    )
    return [
        Finding(
            LOT_VS_ALLOCATIONS, f"lot {pk}: reserved {reserved} but live allocations hold {held}"
        )
        for pk, reserved, held in rows
    ]


def lines_disagreeing_with_allocations() -> list[Finding]:
    """Request lines whose `allocated` is not the sum of their allocations."""
    rows = (
        RequestLine.objects.annotate(held=Coalesce(Sum("allocations__quantity"), _ZERO))
        .filter(~Q(allocated=F("held")))
        .order_by("pk")
        .values_list("pk", "request_id", "allocated", "held")
    )
    return [
        Finding(
            LINE_VS_ALLOCATIONS,
            f"line {pk} of request {request_id}: allocated {allocated} "
            f"but its allocations hold {held}",
        )
        for pk, request_id, allocated, held in rows
    ]


def finished_requests_holding_stock() -> list[Finding]:
    """Delivered, cancelled or closed requests that still hold reserved units."""
    rows = (
        Allocation.objects.filter(
            consumed_at__isnull=True, line__request__status__in=FINISHED_STATUSES
        )
        .values("line__request_id", "line__request__status")
        .annotate(units=Sum("quantity"))
        .order_by("line__request_id")
        .values_list("line__request_id", "line__request__status", "units")
    )
    return [
        Finding(
            FINISHED_HOLDS_STOCK,
            f"request {request_id} is {status} but holds {units} reserved unit(s)",
        )
        for request_id, status, units in rows
    ]


CHECKS = (
    lots_disagreeing_with_the_ledger,
    lots_disagreeing_with_allocations,
    lines_disagreeing_with_allocations,
    finished_requests_holding_stock,
)


def stock_findings() -> list[Finding]:
    """Every check above, in order: what is wrong with the stock books (empty if nothing)."""
    return [finding for check in CHECKS for finding in check()]
