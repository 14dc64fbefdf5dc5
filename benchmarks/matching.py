"""Matching at scale: allocate 10,000 open requests (~50,000 lines) against 5,000 lots, and
plan routes for 5,000 matched requests.

Items carry diet tags and one request in five has dietary needs, its first line asking for
any item of a category, so the allocator's diet filter is part of what is measured.

The allocation floor is measured in the same run on the same database: bulk-inserting the
allocation and ledger rows the allocator produced and updating the same lots directly.
Setup rows are bulk-inserted (setup is not what is measured).
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from benchmarks import Measurement, benchmark
from deliveries import planning
from household_requests import allocation
from household_requests.models import (
    Allocation,
    HouseholdRequest,
    RequestLine,
    RequestStatus,
    Zone,
    ZonePostalCode,
)
from inventory.models import Category, Item, Location, StockLot, StockMovement
from inventory.selectors import ledger_mismatches
from mutualaid.timeutil import local_today

REQUESTS = 10_000
LINES_PER_REQUEST = 5
LOTS = 5_000
ITEMS = 200
PLAN_REQUESTS = 5_000
# Diet tags per item, in turn; and the needs of every fifth request, in turn.
ITEM_TAGS = [
    [],
    ["halal", "vegetarian", "gluten_free", "lactose_free", "nut_free"],
    ["pork"],
    ["halal", "diabetic_friendly"],
    ["milk", "vegetarian"],
    ["not_food"],
]
NEEDS = [["halal"], ["no_pork"], ["vegetarian", "gluten_free"], ["lactose_free"], ["diabetic"]]


@contextmanager
def counting_queries() -> Iterator[list[int]]:
    count = [0]

    def wrapper(
        execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
    ) -> Any:
        count[0] += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield count


def _catalogue() -> tuple[list[Item], list[Zone], Location]:
    categories = Category.objects.bulk_create(Category(name=f"Bench cat {n}") for n in range(10))
    items = Item.objects.bulk_create(
        Item(
            name=f"Bench item {n}",
            category=categories[n % 10],
            max_per_household=50,
            diet_tags=ITEM_TAGS[n % len(ITEM_TAGS)],
        )
        for n in range(ITEMS)
    )
    zones = Zone.objects.bulk_create(Zone(name=f"Bench zone {n}") for n in range(8))
    ZonePostalCode.objects.bulk_create(
        ZonePostalCode(zone=zone, code=f"9{n:04d}") for n, zone in enumerate(zones)
    )
    location = Location.objects.create(name="Bench hall")
    return items, zones, location


def _lots(items: list[Item], location: Location, rng: random.Random) -> None:
    today = local_today()
    lots = StockLot.objects.bulk_create(
        (
            StockLot(
                item=items[n % ITEMS],
                location=location,
                expires_on=None if n % 3 else today + dt.timedelta(days=rng.randint(0, 60)),
                on_hand=rng.randint(5, 40),
            )
            for n in range(LOTS)
        ),
        batch_size=2000,
    )
    StockMovement.objects.bulk_create(
        (StockMovement(lot=lot, kind="received", on_hand_delta=lot.on_hand) for lot in lots),
        batch_size=2000,
    )


def _requests(
    count: int, items: list[Item], zones: list[Zone], rng: random.Random, *, status: str
) -> list[HouseholdRequest]:
    now = timezone.now()
    requests = HouseholdRequest.objects.bulk_create(
        (
            HouseholdRequest(
                reference=f"B{n:08d}",
                status_secret_hash="0" * 64,
                zone=zones[n % len(zones)],
                urgency=rng.choice([0, 0, 0, 1, 2]),
                submitted_at=now - dt.timedelta(minutes=n),
                status=status,
                dietary_needs=NEEDS[(n // 5) % len(NEEDS)] if n % 5 == 0 else [],
            )
            for n in range(count)
        ),
        batch_size=2000,
    )
    RequestLine.objects.bulk_create(
        (
            RequestLine(
                request=request,
                item=None if first and request.dietary_needs else item,
                category_id=item.category_id if first and request.dietary_needs else None,
                quantity=rng.randint(1, 4),
                allocated=0,
            )
            for request in requests
            for first, item in zip(
                [True] + [False] * (LINES_PER_REQUEST - 1),
                rng.sample(items, LINES_PER_REQUEST),
                strict=True,
            )
        ),
        batch_size=5000,
    )
    return requests


@benchmark(name="allocate 10k requests / 5k lots", bound=3.0, unit="x floor", better="lower")
def allocate_many() -> Measurement:
    rng = random.Random(7)
    items, zones, location = _catalogue()
    _lots(items, location, rng)
    _requests(REQUESTS, items, zones, rng, status=RequestStatus.SUBMITTED)

    # The query count at a tenth of the size, to show it does not grow with requests.
    with transaction.atomic():
        small_ids = list(
            HouseholdRequest.objects.order_by("pk").values_list("pk", flat=True)[1000:]
        )
        HouseholdRequest.objects.filter(pk__in=small_ids).update(status=RequestStatus.CLOSED)
        with counting_queries() as small_queries:
            allocation.allocate_open_requests()
        transaction.set_rollback(True)

    with counting_queries() as queries:
        started = time.perf_counter()
        run = allocation.allocate_open_requests()
        seconds = time.perf_counter() - started
    if ledger_mismatches():
        raise AssertionError("ledger disagrees with lots after allocation")

    # Floor: the same rows written directly, then rolled back.
    made = list(Allocation.objects.values_list("line_id", "lot_id", "quantity"))
    reserved = dict(StockLot.objects.filter(reserved__gt=0).values_list("pk", "reserved"))
    with transaction.atomic():
        StockLot.objects.update(reserved=0)
        Allocation.objects.all().delete()
        floor_started = time.perf_counter()
        with transaction.atomic():
            Allocation.objects.bulk_create(
                (Allocation(line_id=a, lot_id=b, quantity=q) for a, b, q in made), batch_size=2000
            )
            StockMovement.objects.bulk_create(
                (
                    StockMovement(lot_id=lot_id, kind="reserved", reserved_delta=qty)
                    for lot_id, qty in reserved.items()
                ),
                batch_size=2000,
            )
            lots = [StockLot(pk=pk, reserved=qty) for pk, qty in reserved.items()]
            StockLot.objects.bulk_update(lots, ["reserved"], batch_size=1000)
        floor = time.perf_counter() - floor_started
        transaction.set_rollback(True)

    lines = RequestLine.objects.count()
    return Measurement(
        value=seconds / floor,
        detail=(
            f"{REQUESTS:,} requests, {lines:,} lines, {LOTS:,} lots: {seconds:.2f}s, "
            f"{queries[0]} queries ({small_queries[0]} at 1,000 requests), "
            f"{run.units_reserved:,} units to {run.lines_touched:,} lines; "
            f"floor {floor:.2f}s ({len(made):,} allocations, {len(reserved):,} lots)"
        ),
    )


@benchmark(name="plan routes for 5k matched requests", bound=10.0, unit="s", better="lower")
def plan_many() -> Measurement:
    rng = random.Random(11)
    items, zones, _location = _catalogue()
    _requests(PLAN_REQUESTS, items, zones, rng, status=RequestStatus.MATCHED)
    RequestLine.objects.update(allocated=F("quantity"))
    with counting_queries() as queries:
        started = time.perf_counter()
        run = planning.plan_routes()
        seconds = time.perf_counter() - started
    return Measurement(
        value=seconds,
        detail=(
            f"{run.requests_planned:,} requests onto {run.routes_opened:,} routes in "
            f"{seconds:.2f}s with {queries[0]} queries"
        ),
    )
