"""Reads of routes and stops for the pages and the API. Who may see which route is
decided in deliveries.access."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.db.models import (
    Count,
    IntegerField,
    OuterRef,
    Prefetch,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from deliveries.models import ACTIVE_ROUTE_STATUSES, Driver, Route, Stop, StopOutcome
from household_requests.models import RequestLine
from household_requests.pauses import not_paused


def with_totals(routes: QuerySet[Route]) -> QuerySet[Route]:
    """Routes with `stop_count` and `load_total`: what is still to deliver.

    Each total is a subquery on the route's own stops, not a join and GROUP BY over every
    route: a page counts and sums only the routes it shows, and its count is a plain
    count of routes."""
    pending = Stop.objects.filter(route=OuterRef("pk"), outcome=StopOutcome.PENDING).order_by()
    stop_count = pending.values("route").annotate(n=Count("pk")).values("n")
    load_total = pending.values("route").annotate(n=Sum("load")).values("n")
    zero = Value(0, output_field=IntegerField())
    return routes.select_related("zone", "driver__user", "pantry").annotate(
        stop_count=Coalesce(Subquery(stop_count, output_field=IntegerField()), zero),
        load_total=Coalesce(Subquery(load_total, output_field=IntegerField()), zero),
    )


def stops_of(route: Route) -> list[Stop]:
    lines = RequestLine.objects.select_related("item__category", "category")
    return list(
        Stop.objects.filter(route=route)
        .select_related("request")
        .prefetch_related(Prefetch("request__lines", queryset=lines))
        .order_by("sequence", "id")
    )


def load_by_category(route_ids: list[int]) -> dict[int, dict[str, int]]:
    """Units to carry per route and category (board: what will fit in the car)."""
    rows = (
        RequestLine.objects.filter(
            request__stops__route_id__in=route_ids,
            request__stops__outcome=StopOutcome.PENDING,
            allocated__gt=0,
        )
        .values("request__stops__route_id", "item__category__name", "category__name")
        .annotate(units=Sum("allocated"))
    )
    result: dict[int, dict[str, int]] = {}
    for row in rows:
        name = row["item__category__name"] or row["category__name"] or "?"
        per_route = result.setdefault(row["request__stops__route_id"], {})
        per_route[name] = per_route.get(name, 0) + row["units"]
    return result


def load_of(
    stops: Iterable[Stop], lines: Callable[[Stop], Iterable[RequestLine]] | None = None
) -> dict[str, int]:
    """`load_by_category` for one route whose stops are already read, with their lines
    (each line's item and its category, or its category): no query. `lines` gives a stop's
    lines (default: `stop.request.lines.all()`, prefetched)."""
    per_category: dict[str, int] = {}
    for stop in stops:
        if stop.outcome != StopOutcome.PENDING:
            continue
        for line in lines(stop) if lines else stop.request.lines.all():
            if line.allocated <= 0:
                continue
            category = line.item.category if line.item is not None else line.category
            name = category.name if category is not None else "?"
            per_category[name] = per_category.get(name, 0) + line.allocated
    return per_category


def active_route_count(driver: Driver) -> int:
    """The driver's claimed and started routes, toward their cap; a route on hold (its
    zone paused) does not count: the driver cannot go there, and may take another."""
    return Route.objects.filter(
        not_paused(), driver=driver, status__in=ACTIVE_ROUTE_STATUSES
    ).count()
