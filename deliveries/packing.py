"""What the packers need: per route, or per pantry location and day, the units set aside
for each waiting stop (by reference code and stop number), totals by item, and box labels.

Read from the allocations (which lot, so which location, holds each stop's units); never a
contact: nothing here touches SealedContact or deliveries.reveal. Two queries per list.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet, Sum
from django_stubs_ext import StrOrPromise

from deliveries.models import ACTIVE_ROUTE_STATUSES, Route, RouteStatus, Stop, StopOutcome
from household_requests.models import OPEN_STATUSES, Allocation
from inventory.models import Item, Location

PACKED_STATUSES = (RouteStatus.OPEN, *ACTIVE_ROUTE_STATUSES)


@dataclass(frozen=True)
class PackedLine:
    item: str
    unit: StrOrPromise
    quantity: int


@dataclass
class PackedStop:
    route_id: int
    sequence: int
    reference: str
    lines: list[PackedLine] = field(default_factory=list)

    @property
    def units(self) -> int:
        return sum(line.quantity for line in self.lines)


@dataclass
class PantryGroup:
    """One location's share: its stops (route, then stop order) and its totals by item."""

    location_id: int
    location: str
    stops: list[PackedStop]

    @property
    def totals(self) -> list[PackedLine]:
        summed: dict[tuple[str, StrOrPromise], int] = defaultdict(int)
        for stop in self.stops:
            for line in stop.lines:
                summed[(line.item, line.unit)] += line.quantity
        return [PackedLine(item, unit, n) for (item, unit), n in sorted(summed.items())]

    @property
    def units(self) -> int:
        return sum(stop.units for stop in self.stops)


@dataclass(frozen=True)
class PackingList:
    routes: list[Route]
    groups: list[PantryGroup]
    empty_stops: list[PackedStop]  # waiting stops with nothing set aside (nothing to pack)


def _waiting(via: str = "") -> Q:
    return Q(
        **{
            f"{via}outcome": StopOutcome.PENDING,
            f"{via}request__status__in": OPEN_STATUSES,
        }
    )


def _packing(routes: list[Route], location: Location | None = None) -> PackingList:
    route_ids = [route.pk for route in routes]
    stops = list(
        Stop.objects.filter(_waiting(), route_id__in=route_ids)
        .order_by("route_id", "sequence", "pk")
        .values_list("pk", "route_id", "sequence", "request__reference")
    )
    allocations = (
        Allocation.objects.filter(
            _waiting("line__request__stops__"),
            line__request__stops__route_id__in=route_ids,
            consumed_at__isnull=True,
        )
        .values(
            "line__request__stops__id",
            "lot__location_id",
            "lot__location__name",
            "lot__item__name",
            "lot__item__unit",
        )
        .annotate(quantity=Sum("quantity"))
        .order_by("lot__location__name", "lot__item__name")
    )
    if location is not None:
        allocations = allocations.filter(lot__location=location)
    units = dict(Item.Unit.choices)
    names: dict[int, str] = {}
    by_stop: dict[tuple[int, int], list[PackedLine]] = defaultdict(list)
    for row in allocations:
        location_id = row["lot__location_id"]
        names[location_id] = row["lot__location__name"]
        unit = row["lot__item__unit"]
        by_stop[(location_id, row["line__request__stops__id"])].append(
            PackedLine(row["lot__item__name"], units.get(unit, unit), row["quantity"])
        )
    groups = []
    for location_id in sorted(names, key=lambda pk: (names[pk], pk)):
        packed = [
            PackedStop(route_id, sequence, reference, by_stop[(location_id, stop_id)])
            for stop_id, route_id, sequence, reference in stops
            if (location_id, stop_id) in by_stop
        ]
        groups.append(PantryGroup(location_id, names[location_id], packed))
    with_any = {stop_id for _location, stop_id in by_stop}
    empty = [
        PackedStop(route_id, sequence, reference)
        for stop_id, route_id, sequence, reference in stops
        if stop_id not in with_any and location is None
    ]
    return PackingList(routes=routes, groups=groups, empty_stops=empty)


def route_packing(route: Route) -> PackingList:
    """One route's packing list, grouped by the location each unit is packed at."""
    return _packing([route])


def pantry_routes(location: Location, day: dt.date) -> QuerySet[Route]:
    """Routes of `day` still to go out or on the road that draw stock from `location`."""
    drawing = Q(
        stops__outcome=StopOutcome.PENDING,
        stops__request__lines__allocations__lot__location=location,
        stops__request__lines__allocations__consumed_at__isnull=True,
    )
    return (
        Route.objects.filter(drawing, service_date=day, status__in=PACKED_STATUSES)
        .select_related("zone", "pantry")
        .distinct()
        .order_by("window_start", "pk")
    )


def pantry_packing(location: Location, day: dt.date) -> PackingList:
    """What `location` packs for the routes of `day`: one group, route by route."""
    return _packing(list(pantry_routes(location, day)), location=location)
