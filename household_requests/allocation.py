"""Matching open request lines to stock: reserve, release, consume.

The allocator runs as one transaction whose query count does not depend on the number of
requests: it reads the open lines (locking their requests), locks the usable lots in pk
order, decides in memory, and writes with bulk statements. Stock moves only through
inventory's one stock-change path (`lots_change`); `RequestLine.allocated` changes only
through `_add_to_allocated`. Concurrent allocators take turns (`take_turn`); the row locks
and the database's check constraints make double reservation impossible even without it.

Diet: a line gets only items that suit its household's dietary needs
(`inventory.diet.item_suits`, the one rule table). A category line picks among the items of
the category that suit; a line naming an item that does not suit gets nothing and stays
open (never swapped for another item), so it shows 0 set aside on the family's status page
and in the queue, and counts on the "most needed" list. The tags come with the item rows
already read, so the query count is the same.

Lock order, the one order every writer of requests and stock follows (so no two of them
can deadlock, and a finished request never holds stock):

1. the allocator's or the planner's turn (`mutualaid.locks`, an advisory lock);
2. household request rows, in pk order (`allocate_open_requests`, `request_cancel`,
   `request_close_unfulfilled`, `request_mark_failed`, `request_mark_delivered`,
   `plan_routes`, the pickup desk's `request_hand_over`, `pickups_release_uncollected`);
3. allocation rows, in pk order (the releases and the hand-over below);
4. stock lots, in pk order (`inventory.services.lots_change`).

A step may be skipped, never taken out of turn. So cancel, close and allocation serialize
on the request row: the allocator reserves only for requests it holds locked and still
finds submitted or matched, and moves only those still submitted to matched; a cancel
that comes first is seen (the lock re-reads the row), one that comes later waits and
releases what was reserved. Route planning likewise schedules only requests it holds
locked and still finds matched.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone

from household_requests.models import (
    Allocation,
    HouseholdRequest,
    RequestLine,
    RequestStatus,
)
from inventory import services as inventory
from inventory.diet import item_suits
from inventory.models import Item, StockLot, StockMovement
from mutualaid import bulk
from mutualaid.locks import Turn, take_turn
from mutualaid.timeutil import local_today

logger = logging.getLogger(__name__)

ALLOCATABLE_STATUSES = (RequestStatus.SUBMITTED, RequestStatus.MATCHED)


@dataclass(frozen=True)
class AllocationRun:
    lines_considered: int
    lines_touched: int
    units_reserved: int


def earliest_delivery_day() -> dt.date:
    return local_today() + dt.timedelta(days=settings.EARLIEST_DELIVERY_DAYS)


def _add_to_allocated(units: Mapping[int, int]) -> None:
    """Add {line id: units} (negative to give back) to the lines' `allocated`, one UPDATE."""
    bulk.update_rows(RequestLine, ["allocated"], {pk: (n,) for pk, n in units.items()}, add=True)


def _lock_open_lines() -> list[RequestLine]:
    """Lines still short, most urgent request first, then oldest, then line order.

    One query that also locks the lines' requests (FOR UPDATE OF the request, in request
    pk order: PostgreSQL sorts before it locks). A request cancelled or closed meanwhile
    is re-read under the lock and left out; one finished after this waits for us.
    """
    lines = list(
        RequestLine.objects.select_for_update(of=("request",))
        .filter(request__status__in=ALLOCATABLE_STATUSES, allocated__lt=F("quantity"))
        .select_related("request")
        .only(
            "id",
            "item_id",
            "category_id",
            "quantity",
            "allocated",
            "request__id",
            "request__urgency",
            "request__submitted_at",
            "request__status",
            "request__dietary_needs",
        )
        .order_by("request_id", "id")
    )
    lines.sort(key=lambda line: (-line.request.urgency, line.request.submitted_at, line.request_id))
    return lines


def _lot_order(lot: StockLot) -> tuple[int, dt.date, int]:
    return (lot.expires_on is None, lot.expires_on or dt.date.max, lot.pk)


@transaction.atomic
def allocate_open_requests() -> AllocationRun:
    """Reserve stock for every open line it can, earliest expiry first. Idempotent.

    Lots that expire before the earliest delivery day are skipped. Partial fills are
    kept; the shortfall shows on the public "most needed" list. Locks, in the order above:
    its turn, the requests of the open lines, the usable lots; reserves only for requests
    it holds and moves only those still submitted to matched.
    """
    take_turn(Turn.ALLOCATE)
    lines = _lock_open_lines()
    if not lines:
        return AllocationRun(0, 0, 0)
    category_ids = {line.category_id for line in lines if line.category_id}
    item_rows = [
        *Item.objects.filter(active=True)
        .filter(pk__in={line.item_id for line in lines if line.item_id})
        .values_list("pk", "category_id", "diet_tags"),
        *Item.objects.filter(category_id__in=category_ids).values_list(
            "pk", "category_id", "diet_tags"
        ),
    ]
    item_category = {pk: category_id for pk, category_id, _tags in item_rows}
    item_tags = {pk: tags for pk, _category_id, tags in item_rows}
    lots = inventory.lots_available_for_update(
        item_ids=list(item_category), usable_on=earliest_delivery_day()
    )
    by_item: dict[int, list[StockLot]] = defaultdict(list)
    by_category: dict[int, list[StockLot]] = defaultdict(list)
    for lot in sorted(lots.values(), key=_lot_order):
        by_item[lot.item_id].append(lot)
        by_category[item_category[lot.item_id]].append(lot)
    left = {lot.pk: lot.available for lot in lots.values()}

    reservations: dict[int, int] = defaultdict(int)
    new_allocations: list[Allocation] = []
    filled: dict[int, int] = {}
    # The lots a line may draw from, per (needs, item or category): most households have
    # no needs and share the unfiltered lists.
    suitable: dict[tuple[frozenset[str], int | None, int | None], list[StockLot]] = {}
    for line in lines:
        needs = frozenset(line.request.dietary_needs or ())
        pool = by_item[line.item_id] if line.item_id else by_category[line.category_id or 0]
        if needs:
            key = (needs, line.item_id, line.category_id)
            if key not in suitable:
                suitable[key] = [lot for lot in pool if item_suits(needs, item_tags[lot.item_id])]
            candidates = suitable[key]
        else:
            candidates = pool
        wanted = need = line.quantity - line.allocated
        for lot in candidates:
            if need == 0:
                break
            take = min(need, left[lot.pk])
            if take <= 0:
                continue
            left[lot.pk] -= take
            reservations[lot.pk] += take
            need -= take
            new_allocations.append(Allocation(line_id=line.pk, lot_id=lot.pk, quantity=take))
        if need < wanted:
            filled[line.pk] = wanted - need
    if not filled:
        return AllocationRun(len(lines), 0, 0)

    now = timezone.now()
    inventory.lots_change(
        kind=StockMovement.Kind.RESERVED, quantities=reservations, reason="allocation"
    )
    # One INSERT and one UPDATE however many lines (see mutualaid.bulk).
    bulk.insert_rows(
        Allocation,
        ["line", "lot", "quantity", "created_at"],
        [(a.line_id, a.lot_id, a.quantity, now) for a in new_allocations],
    )
    _add_to_allocated(filled)
    # Only requests locked above and still submitted: never one cancelled or closed.
    HouseholdRequest.objects.filter(
        pk__in={line.request_id for line in lines if line.pk in filled},
        status=RequestStatus.SUBMITTED,
    ).update(status=RequestStatus.MATCHED, updated_at=now)
    units = sum(reservations.values())
    logger.info("allocated %d units to %d lines", units, len(filled))
    return AllocationRun(len(lines), len(filled), units)


def _release(allocations: list[Allocation], reason: str) -> None:
    releases: dict[int, int] = defaultdict(int)
    per_line: dict[int, int] = defaultdict(int)
    for allocation in allocations:
        releases[allocation.lot_id] += allocation.quantity
        per_line[allocation.line_id] += allocation.quantity
    if not releases:
        return
    inventory.lots_change(kind=StockMovement.Kind.RELEASED, quantities=releases, reason=reason)
    Allocation.objects.filter(pk__in=[a.pk for a in allocations]).delete()
    _add_to_allocated({line_id: -units for line_id, units in per_line.items()})


@transaction.atomic
def allocations_release_for_requests(*, request_ids: list[int], reason: str) -> int:
    """Give back every unconsumed reservation of these requests. Idempotent."""
    allocations = list(
        Allocation.objects.select_for_update()
        .filter(line__request_id__in=request_ids, consumed_at__isnull=True)
        .order_by("pk")
    )
    _release(allocations, reason)
    return sum(a.quantity for a in allocations)


@transaction.atomic
def allocations_release_for_lots(*, lot_ids: list[int], reason: str) -> list[int]:
    """Give back unconsumed reservations on these lots; returns the affected request ids."""
    allocations = list(
        Allocation.objects.select_for_update()
        .filter(lot_id__in=lot_ids, consumed_at__isnull=True)
        .select_related("line")
        .order_by("pk")
    )
    request_ids = sorted({a.line.request_id for a in allocations})
    _release(allocations, reason)
    return request_ids


@transaction.atomic
def allocations_consume_for_request(
    *, request_id: int, reason: str, actor: User | None = None
) -> int:
    """Hand over everything reserved for this request (`actor`: who, in the stock ledger).
    Idempotent: consumed rows stay."""
    allocations = list(
        Allocation.objects.select_for_update()
        .filter(line__request_id=request_id, consumed_at__isnull=True)
        .order_by("pk")
    )
    consumptions: dict[int, int] = defaultdict(int)
    for allocation in allocations:
        consumptions[allocation.lot_id] += allocation.quantity
    if consumptions:
        inventory.lots_change(
            kind=StockMovement.Kind.DISTRIBUTED,
            quantities=consumptions,
            reason=reason,
            actor=actor,
        )
        Allocation.objects.filter(pk__in=[a.pk for a in allocations]).update(
            consumed_at=timezone.now()
        )
    return sum(consumptions.values())


def request_load(request_ids: list[int]) -> dict[int, int]:
    """Units reserved per request (what a driver will carry)."""
    rows = (
        RequestLine.objects.filter(request_id__in=request_ids)
        .values("request_id")
        .annotate(units=Sum("allocated"))
    )
    return {row["request_id"]: row["units"] or 0 for row in rows}
