"""Offering open routes to the drivers most likely to take them."""

from __future__ import annotations

from collections import defaultdict

from django.conf import settings
from django.db import transaction
from django.db.models import Count, IntegerField, Q, Sum, Value
from django.db.models.functions import Coalesce

from deliveries.models import (
    ACTIVE_ROUTE_STATUSES,
    Driver,
    NoticeKind,
    Route,
    RouteOffer,
    RouteStatus,
    StopOutcome,
)
from deliveries.notices import DriverNotice, notices_to_drivers
from household_requests.pauses import not_paused
from household_requests.request_rules import WEEKDAYS
from mutualaid.timeutil import local_today


def rank_drivers(
    route: Route, load: int, drivers: list[Driver], active: dict[int, int]
) -> list[Driver]:
    """Vetted drivers who serve the zone, drive that weekday, carry the load and have room
    under their cap; those carrying least first, then the roomiest car."""
    weekday = WEEKDAYS[route.service_date.weekday()]
    fit = [
        d
        for d in drivers
        if route.zone_id in d.zone_ids  # type: ignore[attr-defined]
        and (not d.available_days or weekday in d.available_days)
        and d.vehicle_capacity >= load
        and active.get(d.pk, 0) < d.max_active_routes
    ]
    return sorted(fit, key=lambda d: (active.get(d.pk, 0), -d.vehicle_capacity, d.pk))


def routes_offer() -> int:
    """Tell the best few drivers about each open route they have not heard of. Idempotent:
    an offer is recorded once per route and driver, its notice queued with it and sent by
    the worker after commit (deliveries.notices)."""
    notices: list[DriverNotice] = []
    with transaction.atomic():
        live = Q(stops__outcome=StopOutcome.PENDING)
        zero = Value(0, output_field=IntegerField())
        routes = list(
            Route.objects.filter(status=RouteStatus.OPEN, service_date__gte=local_today())
            .filter(not_paused())  # a paused zone is announced to nobody
            .select_related("zone")
            .annotate(
                stop_count=Count("stops", filter=live, distinct=True),
                load_total=Coalesce(Sum("stops__load", filter=live), zero),
            )
            .filter(stop_count__gt=0)
            .order_by("service_date", "pk")
        )
        if not routes:
            return 0
        drivers = list(
            Driver.objects.filter(vetted=True, active=True, user__is_active=True)
            .select_related("user")
            .prefetch_related("zones")
        )
        for driver in drivers:
            driver.zone_ids = {zone.pk for zone in driver.zones.all()}  # type: ignore[attr-defined]
        active = dict(
            Route.objects.filter(status__in=ACTIVE_ROUTE_STATUSES, driver__isnull=False)
            .values_list("driver_id")
            .annotate(n=Count("pk"))
        )
        offered: dict[int, set[int]] = defaultdict(set)
        for route_id, driver_id in RouteOffer.objects.filter(
            route__in=[r.pk for r in routes]
        ).values_list("route_id", "driver_id"):
            offered[route_id].add(driver_id)

        new_offers: list[RouteOffer] = []
        for route in routes:
            wanted = settings.OFFER_DRIVERS_PER_ROUTE - len(offered[route.pk])
            if wanted <= 0:
                continue
            ranked = [
                d
                for d in rank_drivers(route, route.load_total, drivers, active)
                if d.pk not in offered[route.pk]
            ][:wanted]
            for driver in ranked:
                new_offers.append(RouteOffer(route=route, driver=driver))
                notices.append(
                    DriverNotice(
                        kind=NoticeKind.ROUTE_OFFERED,
                        driver=driver,
                        route_id=route.pk,
                        event=f"route {route.pk}",
                    )
                )
        RouteOffer.objects.bulk_create(new_offers, ignore_conflicts=True)
        notices_to_drivers(notices)
    return len(notices)
