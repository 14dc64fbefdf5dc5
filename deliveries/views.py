"""Delivery pages: the drivers' board, their routes and the route page; the organizers'
routes, drivers and reveal log.

Reads go through deliveries.selectors, writes through deliveries.services and
deliveries.drivers. A contact is unsealed only by deliveries.reveal.contacts_reveal.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.db.models import Count, Max, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from deliveries import selectors, services
from deliveries.drivers import driver_save
from deliveries.forms import (
    DriverForm,
    RevealFilterForm,
    RouteFilterForm,
    StopOutcomeForm,
    driver_group_users,
)
from deliveries.models import (
    ACTIVE_ROUTE_STATUSES,
    ContactReveal,
    Driver,
    RevealChannel,
    Route,
    RouteStatus,
    Stop,
    StopOutcome,
)
from deliveries.reveal import contacts_reveal
from household_requests.contacts import Contact
from household_requests.models import OPEN_STATUSES
from household_requests.services import RequestError
from mutualaid.roles import (
    acting_user,
    driver_required,
    is_organizer,
    member_required,
    organizer_required,
)
from mutualaid.timeutil import local_today

LIST_LIMIT = 200
RECENT_DAYS = 7


def _render(
    request: HttpRequest, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    context = {"org_tz": settings.ORGANIZATION_TIME_ZONE, **context}
    return render(request, template, context, status=status)


def _no_profile(request: HttpRequest, status: int = 200) -> HttpResponse:
    return _render(request, "deliveries/no_profile.html", {}, status=status)


@dataclass(frozen=True)
class StopRow:
    """What a route page shows of one stop; `contact` only for the assigned driver."""

    stop: Stop
    items: list[tuple[str, int, str]]
    waiting: bool
    contact: Contact | None = None

    @property
    def dial(self) -> str:
        """The phone number as a tel:/sms: URI wants it: digits and a leading plus."""
        if self.contact is None:
            return ""
        return re.sub(r"[^\d+]", "", self.contact.phone)


def _items(stop: Stop) -> list[tuple[str, int, str]]:
    """What to bring: the units set aside for each line (lines and items are prefetched)."""
    rows = []
    for line in stop.request.lines.all():
        if not line.allocated:
            continue
        if line.item is not None:
            rows.append((line.item.name, line.allocated, line.item.get_unit_display()))
        elif line.category is not None:
            rows.append((line.category.name, line.allocated, ""))
    return rows


def _stop_rows(stops: list[Stop], contacts: dict[int, Contact] | None = None) -> list[StopRow]:
    contacts = contacts or {}
    return [
        StopRow(
            stop=stop,
            items=_items(stop),
            waiting=stop.outcome == StopOutcome.PENDING and stop.request.status in OPEN_STATUSES,
            contact=contacts.get(stop.pk),
        )
        for stop in stops
    ]


def _outcome_counts(route_ids: list[int]) -> dict[int, dict[str, int]]:
    """Stops per route and outcome, in one query (the selectors' totals count pending only)."""
    rows = (
        Stop.objects.filter(route_id__in=route_ids)
        .values("route_id", "outcome")
        .annotate(n=Count("id"))
        .order_by()
    )
    counts: dict[int, dict[str, int]] = {pk: {} for pk in route_ids}
    for row in rows:
        counts[row["route_id"]][row["outcome"]] = row["n"]
    return counts


# Driver pages -----------------------------------------------------------------------------


@driver_required
def board(request: HttpRequest) -> HttpResponse:
    """Open routes in the driver's zones, with what they carry. No contact, ever."""
    driver = selectors.driver_for_user(request.user)
    if driver is None:
        return _no_profile(request)
    routes = list(
        selectors.routes_for_user(request.user)
        .filter(
            status=RouteStatus.OPEN,
            zone__in=driver.zones.all(),
            service_date__gte=local_today(),
            stop_count__gt=0,
        )
        .order_by("service_date", "window_start", "id")[:LIST_LIMIT]
    )
    loads = selectors.load_by_category([route.pk for route in routes])
    return _render(
        request,
        "deliveries/board.html",
        {
            "driver": driver,
            "rows": [(route, sorted(loads.get(route.pk, {}).items())) for route in routes],
            "active_count": selectors.active_route_count(driver),
        },
    )


@driver_required
def my_routes(request: HttpRequest) -> HttpResponse:
    driver = selectors.driver_for_user(request.user)
    if driver is None:
        return _no_profile(request)
    since = timezone.now() - dt.timedelta(days=RECENT_DAYS)
    routes = list(
        selectors.routes_for_user(request.user)
        .filter(driver=driver)
        .filter(
            Q(status__in=ACTIVE_ROUTE_STATUSES)
            | Q(status=RouteStatus.COMPLETED, completed_at__gte=since)
        )
        .order_by("service_date", "window_start", "id")
    )
    counts = _outcome_counts([route.pk for route in routes])
    active = [(r, counts[r.pk]) for r in routes if r.status in ACTIVE_ROUTE_STATUSES]
    done = [(r, counts[r.pk]) for r in routes if r.status == RouteStatus.COMPLETED]
    return _render(
        request,
        "deliveries/my_routes.html",
        {"driver": driver, "active": active, "done": done[::-1], "recent_days": RECENT_DAYS},
    )


@never_cache  # the page can hold names and addresses: no copy in any cache
@member_required
def route_page(request: HttpRequest, pk: int) -> HttpResponse:
    """A route's stops in order. Its assigned driver, while the route is claimed or in
    progress, also sees each waiting stop's contact (unsealed and logged by the reveal
    service); everyone else sees reference codes and items only."""
    driver = selectors.driver_for_user(request.user)
    if driver is None and not is_organizer(request.user):
        return _no_profile(request)
    route = selectors.route_for_user(request.user, pk)
    stops = selectors.stops_of(route)
    contacts = contacts_reveal(
        route=route, stops=stops, user=acting_user(request), channel=RevealChannel.PAGE
    )
    mine = driver is not None and route.driver_id == driver.pk
    return _render(
        request,
        "deliveries/route_page.html",
        {
            "route": route,
            "rows": _stop_rows(stops, contacts),
            "mine": mine,
            "active": mine and route.status in ACTIVE_ROUTE_STATUSES,
            "loads": sorted(selectors.load_by_category([route.pk]).get(route.pk, {}).items()),
            "can_claim": driver is not None and route.status == RouteStatus.OPEN,
        },
    )


@driver_required
@require_POST
def route_claim(request: HttpRequest, pk: int) -> HttpResponse:
    driver = selectors.driver_for_user(request.user)
    if driver is None:
        return _no_profile(request, status=403)
    # Any route of the driver's zones: losing a race must say so, not answer 404.
    selectors.route_in_zones_of(driver, pk)
    try:
        services.route_claim(route_id=pk, driver=driver)
    except services.DeliveryError as error:
        messages.error(request, str(error.message))
        return redirect("deliveries:board")
    messages.success(
        request,
        _("The route is yours. Names and addresses show on this page until the route is done."),
    )
    return redirect("deliveries:route", pk=pk)


def _driver_action(
    request: HttpRequest,
    pk: int,
    run: Callable[..., Route],
    done: str,
    back_to_my_routes: bool = False,
) -> HttpResponse:
    driver = selectors.driver_for_user(request.user)
    if driver is None:
        return _no_profile(request, status=403)
    route = selectors.route_for_user(request.user, pk)
    try:
        run(route_id=route.pk, driver=driver)
    except services.DeliveryError as error:
        messages.error(request, str(error.message))
        return redirect("deliveries:route", pk=route.pk)
    messages.success(request, done)
    if back_to_my_routes:
        return redirect("deliveries:my_routes")
    return redirect("deliveries:route", pk=route.pk)


@driver_required
@require_POST
def route_start(request: HttpRequest, pk: int) -> HttpResponse:
    return _driver_action(request, pk, services.route_start, _("Route started. Drive safely."))


@driver_required
@require_POST
def route_release(request: HttpRequest, pk: int) -> HttpResponse:
    return _driver_action(
        request,
        pk,
        services.route_release,
        _("Route released. It is back on the board and its addresses are hidden from you."),
        back_to_my_routes=True,
    )


@driver_required
@require_POST
def stop_complete(request: HttpRequest, pk: int) -> HttpResponse:
    driver = selectors.driver_for_user(request.user)
    if driver is None:
        return _no_profile(request, status=403)
    stop = get_object_or_404(Stop, pk=pk, route__driver=driver)
    form = StopOutcomeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose delivered or not delivered; notes are 300 characters."))
        return redirect("deliveries:route", pk=stop.route_id)
    outcome = form.cleaned_data["outcome"]
    try:
        result = services.stop_complete(
            stop_id=stop.pk, driver=driver, outcome=outcome, note=form.cleaned_data["note"]
        )
    except (services.DeliveryError, RequestError) as error:
        messages.error(request, str(error.message))
        return redirect("deliveries:route", pk=stop.route_id)
    if outcome == StopOutcome.DELIVERED:
        text = _("Stop %(number)s delivered. Thank you!")
    else:
        text = _("Stop %(number)s marked not delivered. Organizers will follow up.")
    messages.success(request, text % {"number": stop.sequence})
    if result.route_completed:
        messages.success(request, _("Route complete. Every address on it is now hidden."))
        return redirect("deliveries:my_routes")
    return redirect("deliveries:route", pk=stop.route_id)


# Organizer pages --------------------------------------------------------------------------


@organizer_required
def route_list(request: HttpRequest) -> HttpResponse:
    filters = RouteFilterForm(request.GET or None)
    routes = selectors.routes_for_user(request.user)
    if filters.is_valid():
        if filters.cleaned_data["day"]:
            routes = routes.filter(service_date=filters.cleaned_data["day"])
        if filters.cleaned_data["status"]:
            routes = routes.filter(status=filters.cleaned_data["status"])
        if filters.cleaned_data["zone"]:
            routes = routes.filter(zone=filters.cleaned_data["zone"])
    rows = list(routes.order_by("-service_date", "window_start", "id")[:LIST_LIMIT])
    counts = _outcome_counts([route.pk for route in rows])
    return _render(
        request,
        "deliveries/route_list.html",
        {
            "filters": filters,
            "rows": [(route, counts[route.pk]) for route in rows],
            "limit": LIST_LIMIT,
        },
    )


@organizer_required
def route_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A route for organizers: stops by reference code and items. Never a contact."""
    route = selectors.route_for_user(request.user, pk)
    stops = selectors.stops_of(route)
    return _render(
        request,
        "deliveries/route_detail.html",
        {
            "route": route,
            "rows": _stop_rows(stops),
            "loads": sorted(selectors.load_by_category([route.pk]).get(route.pk, {}).items()),
            "reveal_count": ContactReveal.objects.filter(stop__route=route).count(),
        },
    )


@organizer_required
def driver_list(request: HttpRequest) -> HttpResponse:
    drivers = (
        Driver.objects.select_related("user")
        .prefetch_related("zones")
        .annotate(active_routes=Count("routes", filter=Q(routes__status__in=ACTIVE_ROUTE_STATUSES)))
        .order_by("user__username")
    )
    return _render(
        request,
        "deliveries/driver_list.html",
        {
            "drivers": drivers,
            "without_profile": driver_group_users().filter(driver_profile__isnull=True),
        },
    )


@organizer_required
def driver_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    driver = get_object_or_404(Driver.objects.select_related("user"), pk=pk) if pk else None
    form = DriverForm(request.POST or None, driver=driver)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        saved = driver_save(
            user=driver.user if driver is not None else data["user"],
            zones=data["zones"],
            vehicle_capacity=data["vehicle_capacity"],
            available_days=data["available_days"],
            vetted=data["vetted"],
            max_active_routes=data["max_active_routes"],
            active=data["active"],
        )
        messages.success(request, _("Saved driver %(name)s.") % {"name": saved})
        return redirect("deliveries:driver_list")
    active_routes = selectors.active_route_count(driver) if driver is not None else 0
    return _render(
        request,
        "deliveries/driver_form.html",
        {"form": form, "driver": driver, "active_routes": active_routes},
    )


@organizer_required
def reveal_log(request: HttpRequest) -> HttpResponse:
    """Who was shown which stop's contact, when, how: never the contact itself. Per-driver
    counts over the last days make a driver who scrapes stand out."""
    filters = RevealFilterForm(request.GET or None)
    reveals = ContactReveal.objects.select_related(
        "user", "stop__request", "stop__route__zone"
    ).order_by("-revealed_at", "-id")
    if filters.is_valid():
        if filters.cleaned_data["user"]:
            reveals = reveals.filter(user=filters.cleaned_data["user"])
        if filters.cleaned_data["route"]:
            reveals = reveals.filter(stop__route_id=filters.cleaned_data["route"])
    since = timezone.now() - dt.timedelta(days=RECENT_DAYS)
    per_driver = (
        ContactReveal.objects.filter(revealed_at__gte=since)
        .values("user_id", "user__username")
        .annotate(
            reveals=Count("id"),
            stops=Count("stop_id", distinct=True),
            routes=Count("stop__route_id", distinct=True),
            last=Max("revealed_at"),
        )
        .order_by("-stops", "-reveals", "user__username")
    )
    return _render(
        request,
        "deliveries/reveal_log.html",
        {
            "filters": filters,
            "reveals": reveals[:LIST_LIMIT],
            "per_driver": per_driver,
            "recent_days": RECENT_DAYS,
            "limit": LIST_LIMIT,
        },
    )
