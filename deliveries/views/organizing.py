"""Organizer pages: routes, drivers and the reveal log. Never a contact."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.db.models import Count, Max, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext as _

from deliveries import access, selectors
from deliveries.dashboard import dashboard, flagged_drivers
from deliveries.drivers import driver_save
from deliveries.forms import DriverForm, RevealFilterForm, RouteFilterForm, driver_group_users
from deliveries.models import ACTIVE_ROUTE_STATUSES, ContactReveal, Driver
from deliveries.views.common import (
    LIST_LIMIT,
    RECENT_DAYS,
    outcome_counts,
    render_page,
    stop_rows,
)
from mutualaid.roles import organizer_required


@organizer_required
def route_list(request: HttpRequest) -> HttpResponse:
    filters = RouteFilterForm(request.GET or None)
    routes = access.routes_for_user(request.user)
    if filters.is_valid():
        if filters.cleaned_data["day"]:
            routes = routes.filter(service_date=filters.cleaned_data["day"])
        if filters.cleaned_data["status"]:
            routes = routes.filter(status=filters.cleaned_data["status"])
        if filters.cleaned_data["zone"]:
            routes = routes.filter(zone=filters.cleaned_data["zone"])
    rows = list(routes.order_by("-service_date", "window_start", "id")[:LIST_LIMIT])
    counts = outcome_counts([route.pk for route in rows])
    return render_page(
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
    route = access.route_for_user(request.user, pk)
    stops = selectors.stops_of(route)
    return render_page(
        request,
        "deliveries/route_detail.html",
        {
            "route": route,
            "rows": stop_rows(stops),
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
    return render_page(
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
    return render_page(
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
    return render_page(
        request,
        "deliveries/reveal_log.html",
        {
            "filters": filters,
            "reveals": reveals[:LIST_LIMIT],
            "per_driver": per_driver,
            "flagged": flagged_drivers(RECENT_DAYS),
            "recent_days": RECENT_DAYS,
            "limit": LIST_LIMIT,
        },
    )


@organizer_required
def dashboard_page(request: HttpRequest) -> HttpResponse:
    return render_page(request, "deliveries/dashboard.html", {"board": dashboard()})
