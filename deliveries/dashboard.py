"""The organizers' dashboard: the network at a glance, in a fixed number of queries.

Counts only: no request is shown by contact, and nothing here is unsealed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Q, Sum
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
    # One pass over the requests, per status and zone, for the count per status, the open
    # requests per zone and the last 30 days' deliveries (filtered sums beside each count:
    # one query, not three; its rows grow with zones, never with requests).
    lately = Q(status=RequestStatus.DELIVERED, finished_at__gte=now - dt.timedelta(days=30))
    per_status_and_zone = (
        HouseholdRequest.objects.values_list("status", "zone__name")
        .annotate(
            n=Count("pk"),
            delivered=Count("pk", filter=lately),
            adults=Sum("adults", filter=lately),
            children=Sum("children", filter=lately),
            infants=Sum("infants", filter=lately),
        )
        .order_by()
    )
    by_status: dict[str, int] = {}
    by_zone: dict[str | None, int] = {}
    delivered = people = 0
    for status, zone_name, n, requests, *household in per_status_and_zone:
        by_status[status] = by_status.get(status, 0) + n
        if status in OPEN_STATUSES:
            by_zone[zone_name] = by_zone.get(zone_name, 0) + n
        delivered += requests
        people += sum(count or 0 for count in household)
    # Most open first, then by name; requests outside the zones (no name) last.
    open_by_zone = sorted(
        by_zone.items(), key=lambda pair: (-pair[1], pair[0] is None, pair[0] or "")
    )
    routes_today = (
        Route.objects.filter(service_date=local_today())
        .values_list("status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    route_labels = dict(RouteStatus.choices)
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
        delivered_last_30_days=delivered,
        people_fed_last_30_days=people,
        reveals_last_7_days=ContactReveal.objects.filter(
            revealed_at__gte=now - dt.timedelta(days=7)
        ).count(),
        flagged_drivers=flagged_drivers(),
    )
