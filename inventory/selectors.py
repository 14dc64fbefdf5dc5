"""Reads of inventory, shaped for pages, API and checks. Query counts do not grow with rows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, F, IntegerField, Min, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from inventory.models import Category, Item, Location, StockLot
from mutualaid.timeutil import local_today

EXPIRING_SOON_DAYS = 7


def pickup_points() -> QuerySet[Location]:
    """The places families may choose for pickup: active and flagged public."""
    return Location.objects.filter(active=True, public_pickup=True).order_by("name")


def lots_with_details() -> QuerySet[StockLot]:
    return StockLot.objects.select_related("item", "item__category", "location")


def lots_in_stock() -> QuerySet[StockLot]:
    return lots_with_details().filter(on_hand__gt=0)


def lots_expiring_soon(*, days: int = EXPIRING_SOON_DAYS) -> QuerySet[StockLot]:
    until = local_today() + dt.timedelta(days=days)
    return lots_in_stock().filter(expires_on__isnull=False, expires_on__lte=until)


def items_with_stock(
    *, category: Category | None = None, below_target: bool = False, in_stock: bool = False
) -> QuerySet[Item]:
    """Each active catalogue item with its totals over lots that still hold stock."""
    live = Q(lots__on_hand__gt=0)
    zero = Value(0, output_field=IntegerField())
    items = (
        Item.objects.filter(active=True)
        .select_related("category")
        .annotate(
            total_on_hand=Coalesce(Sum("lots__on_hand", filter=live), zero),
            total_reserved=Coalesce(Sum("lots__reserved", filter=live), zero),
            lot_count=Count("lots", filter=live),
            next_expiry=Min("lots__expires_on", filter=live),
        )
        .annotate(total_available=F("total_on_hand") - F("total_reserved"))
    )
    if category is not None:
        items = items.filter(category=category)
    if below_target:
        items = items.filter(total_on_hand__lt=F("target_on_hand"))
    if in_stock:
        items = items.filter(total_on_hand__gt=0)
    return items


@dataclass(frozen=True)
class LedgerMismatch:
    lot_id: int
    on_hand: int
    ledger_on_hand: int
    reserved: int
    ledger_reserved: int


def ledger_mismatches() -> list[LedgerMismatch]:
    """Lots whose counts differ from the sum of their ledger rows (one query)."""
    zero = Value(0, output_field=IntegerField())
    rows = (
        StockLot.objects.annotate(
            ledger_on_hand=Coalesce(Sum("movements__on_hand_delta"), zero),
            ledger_reserved=Coalesce(Sum("movements__reserved_delta"), zero),
        )
        .filter(~Q(on_hand=F("ledger_on_hand")) | ~Q(reserved=F("ledger_reserved")))
        .values_list("pk", "on_hand", "ledger_on_hand", "reserved", "ledger_reserved")
        .order_by("pk")
    )
    return [LedgerMismatch(*row) for row in rows]
