"""Route planning: matched delivery requests join an open route of their zone and day.

One transaction, constant query count: read the unplanned requests and the open routes
(locked, so a claim waits for us and a claimed route is never changed), place requests in
memory, write routes and stops in bulk.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Count, IntegerField, Q, Sum, Value
from django.db.models.functions import Coalesce

from deliveries.models import Route, RouteStatus, Stop, StopOutcome
from household_requests import services as request_services
from household_requests.allocation import earliest_delivery_day, request_load
from household_requests.models import Allocation, Fulfilment, HouseholdRequest, RequestStatus
from household_requests.pauses import held_today, not_paused
from household_requests.request_rules import WEEKDAYS
from mutualaid import bulk
from mutualaid.locks import Turn, take_turn

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PlanRun:
    requests_planned: int
    routes_opened: int


def route_window() -> tuple[dt.time, dt.time]:
    start, _, end = settings.ROUTE_WINDOW.partition("-")
    return dt.time.fromisoformat(start.strip()), dt.time.fromisoformat(end.strip())


def service_date_for(preferred_days: list[str], earliest: dt.date) -> dt.date:
    """The first day from `earliest` that the family said suits them (any day if none)."""
    wanted = {day for day in preferred_days if day in WEEKDAYS}
    for offset in range(7):
        day = earliest + dt.timedelta(days=offset)
        if not wanted or WEEKDAYS[day.weekday()] in wanted:
            return day
    return earliest


@dataclass
class _Slot:
    route: Route
    stops: int
    load: int


@transaction.atomic
def plan_routes() -> PlanRun:
    """Put every matched, unplanned delivery request on a route. Idempotent; two runs
    take turns (mutualaid.locks). Locks the matched requests (pk order), then the open
    routes (pk order), so only requests still matched get a stop.

    Limits: ROUTE_MAX_STOPS stops and ROUTE_MAX_LOAD units per route (a request larger
    than the load limit gets a route of its own). Claimed routes are never changed.
    """
    take_turn(Turn.PLAN_ROUTES)
    earliest = earliest_delivery_day()
    pending = Q(stops__outcome=StopOutcome.PENDING)
    # Lock the requests first, in pk order (the lock order in household_requests.allocation):
    # one cancelled or closed meanwhile is re-read under the lock and left out.
    requests = list(
        HouseholdRequest.objects.select_for_update(of=("self",))
        .filter(status=RequestStatus.MATCHED, fulfilment=Fulfilment.DELIVERY)
        # A paused zone is not planned; its families wait, reservations kept, for the end.
        .filter(not_paused())
        .exclude(held_today())  # the family said "not today, it isn't safe"
        .exclude(pending)
        .order_by("id")
        .values("id", "zone_id", "preferred_days", "urgency", "submitted_at")
    )
    requests.sort(key=lambda r: (-r["urgency"], r["submitted_at"], r["id"]))
    if not requests:
        return PlanRun(0, 0)
    loads = request_load([r["id"] for r in requests])

    zero = Value(0, output_field=IntegerField())
    # Lock the open routes first (a claim then waits for us), then read their totals:
    # PostgreSQL refuses FOR UPDATE together with GROUP BY.
    locked = list(
        Route.objects.select_for_update()
        .filter(status=RouteStatus.OPEN, driver__isnull=True, service_date__gte=earliest)
        .filter(not_paused())
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    open_routes = list(
        Route.objects.filter(pk__in=locked)
        .annotate(
            stop_count=Count("stops", filter=pending),
            load_total=Coalesce(Sum("stops__load", filter=pending), zero),
        )
        .order_by("service_date", "id")
    )
    slots: dict[tuple[int, dt.date], list[_Slot]] = defaultdict(list)
    for route in open_routes:
        slots[(route.zone_id, route.service_date)].append(
            _Slot(route, route.stop_count, route.load_total)
        )

    max_stops, max_load = settings.ROUTE_MAX_STOPS, settings.ROUTE_MAX_LOAD
    window_start, window_end = route_window()
    new_routes: list[Route] = []
    placements: list[tuple[_Slot, int, int, int]] = []  # slot, request id, sequence, load
    for request in requests:
        load = loads.get(request["id"], 0)
        day = service_date_for(request["preferred_days"] or [], earliest)
        key = (request["zone_id"], day)
        slot = next(
            (
                s
                for s in slots[key]
                if s.stops < max_stops and (s.load + load <= max_load or s.stops == 0)
            ),
            None,
        )
        if slot is None:
            new_route = Route(
                zone_id=request["zone_id"],
                service_date=day,
                window_start=window_start,
                window_end=window_end,
            )
            new_routes.append(new_route)
            slot = _Slot(new_route, 0, 0)
            slots[key].append(slot)
        slot.stops += 1
        slot.load += load
        placements.append((slot, request["id"], slot.stops, load))

    Route.objects.bulk_create(new_routes, batch_size=1000)
    # One INSERT however many stops (see mutualaid.bulk).
    bulk.insert_rows(
        Stop,
        ["route", "request", "sequence", "load", "outcome", "attempt", "failure_reason"],
        [
            (slot.route.pk, request_id, sequence, load, StopOutcome.PENDING.value, 1, "")
            for slot, request_id, sequence, load in placements
        ],
    )
    by_day: dict[dt.date, list[int]] = defaultdict(list)
    for slot, request_id, _sequence, _load in placements:
        by_day[slot.route.service_date].append(request_id)
    for day, request_ids in by_day.items():
        request_services.requests_schedule(request_ids=request_ids, planned_for=day)
    route_pantries_set(route_ids=sorted({slot.route.pk for slot, *_rest in placements}))
    logger.info("planned %d request(s), opened %d route(s)", len(placements), len(new_routes))
    return PlanRun(len(placements), len(new_routes))


def route_pantries_set(*, route_ids: list[int]) -> None:
    """Name each route's pantry: the location whose lots hold most of the units set aside
    for its waiting stops (ties: the lower location id). Two queries however many routes;
    the caller holds the routes (planning locks the open ones, a stop move both). A route
    with nothing set aside keeps the pantry it had."""
    if not route_ids:
        return
    rows = (
        Allocation.objects.filter(
            line__request__stops__route_id__in=route_ids,
            line__request__stops__outcome=StopOutcome.PENDING,
            consumed_at__isnull=True,
        )
        .values("line__request__stops__route_id", "lot__location_id")
        .annotate(units=Sum("quantity"))
        .order_by()
    )
    best: dict[int, tuple[int, int]] = {}  # route id: (units, -location id)
    for row in rows:
        key = (row["units"], -row["lot__location_id"])
        route_id = row["line__request__stops__route_id"]
        if route_id not in best or key > best[route_id]:
            best[route_id] = key
    routes = [Route(pk=pk, pantry_id=-neg_location) for pk, (_units, neg_location) in best.items()]
    Route.objects.bulk_update(routes, ["pantry"], batch_size=1000)
