"""Reads of routes and stops for the pages and the API. Who may see which route is
decided in deliveries.access."""

from __future__ import annotations

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
    lines = RequestLine.objects.select_related("item", "category")
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


def active_route_count(driver: Driver) -> int:
    return Route.objects.filter(driver=driver, status__in=ACTIVE_ROUTE_STATUSES).count()
