"""Reads of routes, scoped to the person asking. Outsiders get 404, never a hint."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Count, IntegerField, Prefetch, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.http import Http404

from deliveries.models import ACTIVE_ROUTE_STATUSES, Driver, Route, RouteStatus, Stop, StopOutcome
from household_requests.models import RequestLine
from mutualaid.roles import is_driver, is_organizer
from mutualaid.timeutil import local_today


def driver_for_user(user: AbstractBaseUser | AnonymousUser) -> Driver | None:
    if not user.is_authenticated or not is_driver(user):
        return None
    return Driver.objects.filter(user_id=user.pk).select_related("user").first()


def _with_totals(routes: QuerySet[Route]) -> QuerySet[Route]:
    zero = Value(0, output_field=IntegerField())
    live = Q(stops__outcome=StopOutcome.PENDING)
    return routes.select_related("zone", "driver__user").annotate(
        stop_count=Count("stops", filter=live, distinct=True),
        load_total=Coalesce(Sum("stops__load", filter=live), zero),
    )


def routes_for_user(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Route]:
    """Organizers: every route. Drivers: the open board in their zones plus their own."""
    routes = Route.objects.all()
    if is_organizer(user):
        return _with_totals(routes)
    driver = driver_for_user(user)
    if driver is None:
        return _with_totals(routes.none())
    if not driver.trusted:
        return _with_totals(routes.filter(driver=driver))
    board = Q(status=RouteStatus.OPEN, zone__in=driver.zones.all(), service_date__gte=local_today())
    return _with_totals(routes.filter(board | Q(driver=driver)))


def route_for_user(user: AbstractBaseUser | AnonymousUser, pk: int) -> Route:
    route = routes_for_user(user).filter(pk=pk).first()
    if route is None:
        raise Http404
    return route


def route_in_zones_of(driver: Driver, pk: int) -> Route:
    """A route a driver may act on: in one of their zones, or theirs. 404 otherwise."""
    route = (
        Route.objects.filter(pk=pk)
        .filter(Q(zone__in=driver.zones.all()) | Q(driver=driver))
        .first()
    )
    if route is None:
        raise Http404
    return route


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


def routes_on(day: dt.date) -> QuerySet[Route]:
    return _with_totals(Route.objects.filter(service_date=day))
