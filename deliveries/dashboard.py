"""The organizers' dashboard: the network at a glance, in a fixed number of queries.

Counts only: no request is shown by contact, and nothing here is unsealed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Sum
from django.utils import timezone

from deliveries.models import ContactReveal, DriverAction, DriverActionKind, Route, RouteStatus
from household_requests.models import OPEN_STATUSES, HouseholdRequest, RequestStatus
from household_requests.selectors import most_needed
from household_requests.zones import zone_label
from inventory.selectors import items_with_stock, lots_expiring_soon
from mutualaid.timeutil import local_today


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    percent: int  # of the largest bar, for a chart drawn with CSS widths


@dataclass(frozen=True)
class Dashboard:
    requests_by_status: list[Bar]
    open_by_zone: list[Bar]
    routes_today: list[Bar]
    below_target: int
    expiring_soon: int
    most_needed: list[Bar]
    delivered_last_30_days: int
    people_fed_last_30_days: int
    reveals_last_7_days: int
    flagged_drivers: list[FlaggedDriver]


@dataclass(frozen=True)
class FlaggedDriver:
    user_id: int
    username: str
    releases: int


def flagged_drivers(days: int = 7) -> list[FlaggedDriver]:
    """Drivers who released at least DRIVER_FLAG_RELEASES routes in the last `days`: claim
    and release over and over is how one would look at many routes. One query, grouped in
    the database (the answer grows with flagged drivers, not with their actions)."""
    since = timezone.now() - dt.timedelta(days=days)
    rows = (
        DriverAction.objects.filter(kind=DriverActionKind.RELEASE, at__gte=since)
        .values("driver__user_id", "driver__user__username")
        .annotate(n=Count("id"))
        .filter(n__gte=settings.DRIVER_FLAG_RELEASES)
        .order_by("-n", "driver__user__username")
    )
    return [
        FlaggedDriver(row["driver__user_id"], row["driver__user__username"], row["n"])
        for row in rows
    ]


def _bars(pairs: list[tuple[str, int]]) -> list[Bar]:
    top = max((value for _label, value in pairs), default=0) or 1
    return [Bar(label, value, round(100 * value / top)) for label, value in pairs]


def dashboard() -> Dashboard:
    now = timezone.now()
    by_status = dict(
        HouseholdRequest.objects.values_list("status").annotate(n=Count("pk")).order_by()
    )
    open_by_zone = (
        HouseholdRequest.objects.filter(status__in=OPEN_STATUSES)
        .values_list("zone__name")
        .annotate(n=Count("pk"))
        .order_by("-n", "zone__name")
    )
    routes_today = (
        Route.objects.filter(service_date=local_today())
        .values_list("status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    route_labels = dict(RouteStatus.choices)
    delivered = HouseholdRequest.objects.filter(
        status=RequestStatus.DELIVERED, finished_at__gte=now - dt.timedelta(days=30)
    ).aggregate(
        requests=Count("pk"),
        adults=Sum("adults"),
        children=Sum("children"),
        infants=Sum("infants"),
    )
    needed = most_needed(limit=8)
    return Dashboard(
        requests_by_status=_bars(
            [(str(label), by_status.get(value, 0)) for value, label in RequestStatus.choices]
        ),
        open_by_zone=_bars([(zone_label(name), n) for name, n in open_by_zone]),
        routes_today=_bars([(str(route_labels[status]), n) for status, n in routes_today]),
        below_target=items_with_stock(below_target=True).count(),
        expiring_soon=lots_expiring_soon().count(),
        most_needed=_bars([(need.name, need.shortfall) for need in needed]),
        delivered_last_30_days=delivered["requests"] or 0,
        people_fed_last_30_days=sum(
            delivered[key] or 0 for key in ("adults", "children", "infants")
        ),
        reveals_last_7_days=ContactReveal.objects.filter(
            revealed_at__gte=now - dt.timedelta(days=7)
        ).count(),
        flagged_drivers=flagged_drivers(),
    )
