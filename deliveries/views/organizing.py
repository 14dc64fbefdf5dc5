"""Organizer pages: routes, drivers, packing lists, hand assignment and the reveal log.
Never a contact."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.db.models import Count, Max, Min, Q
from django.db.models.functions import TruncDate
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from deliveries import access, packing, selectors, services
from deliveries.dashboard import dashboard, flagged_drivers
from deliveries.drivers import driver_save
from deliveries.forms import DriverForm, RevealFilterForm, RouteFilterForm, driver_group_users
from deliveries.models import (
    ACTIVE_ROUTE_STATUSES,
    ContactReveal,
    Driver,
    RevealChannel,
    Route,
    RouteStatus,
)
from deliveries.views.common import (
    LIST_LIMIT,
    RECENT_DAYS,
    outcome_counts,
    render_page,
    stop_rows,
)
from household_requests import pauses
from inventory.models import Location
from mutualaid.errors import ServiceError, show_error
from mutualaid.roles import acting_user, organizer_required
from mutualaid.timeutil import local_today, organization_tz
from mutualaid.volunteers import VETTING_HELD_MESSAGE


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
            "open": route.status == RouteStatus.OPEN and route.driver_id is None,
            "offer_form": OfferForm(route=route),
            "move_form": StopMoveForm(route=route),
        },
    )


class OfferForm(forms.Form):
    driver = forms.ModelChoiceField(
        queryset=Driver.objects.none(), label=gettext_lazy("Offer to driver")
    )

    def __init__(self, *args: object, route: Route, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        field = self.fields["driver"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = (
            Driver.objects.filter(access.offerable_to(route))
            .select_related("user")
            .distinct()
            .order_by("user__username")
        )


class RouteChoiceField(forms.ModelChoiceField[Route]):
    def label_from_instance(self, obj: Route) -> str:
        return f"#{obj.pk}"


class StopMoveForm(forms.Form):
    """Move a stop of this route (by its reference code) to another open route of the same
    zone and day."""

    reference = forms.CharField(max_length=12, label=gettext_lazy("Reference code"))
    route = RouteChoiceField(queryset=Route.objects.none(), label=gettext_lazy("Move to route"))

    def __init__(self, *args: object, route: Route, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        field = self.fields["route"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Route.objects.filter(
            zone_id=route.zone_id,
            service_date=route.service_date,
            status=RouteStatus.OPEN,
            driver__isnull=True,
        ).exclude(pk=route.pk)


@require_POST
@organizer_required
def route_offer(request: HttpRequest, pk: int) -> HttpResponse:
    """Offer the route to one driver, or (with `withdraw`) take the offer back."""
    route = access.route_for_user(request.user, pk)
    try:
        if request.POST.get("withdraw"):
            services.route_offer_withdraw(route_id=route.pk, user=acting_user(request))
            messages.success(request, _("Offer withdrawn."))
        else:
            form = OfferForm(request.POST, route=route)
            if not form.is_valid():
                messages.error(request, _("Choose a vetted driver of this route's zone."))
                return redirect("deliveries:route_detail", pk=route.pk)
            services.route_offer(
                route_id=route.pk,
                driver_id=form.cleaned_data["driver"].pk,
                user=acting_user(request),
            )
            messages.success(
                request,
                _("Route offered to %(name)s. It stays on the board until someone claims it.")
                % {"name": form.cleaned_data["driver"]},
            )
    except ServiceError as error:
        show_error(request, error)
    return redirect("deliveries:route_detail", pk=route.pk)


@require_POST
@organizer_required
def stop_move(request: HttpRequest, pk: int) -> HttpResponse:
    route = access.route_for_user(request.user, pk)
    form = StopMoveForm(request.POST, route=route)
    if not form.is_valid():
        messages.error(request, _("Give a reference code and choose a route."))
        return redirect("deliveries:route_detail", pk=route.pk)
    target = form.cleaned_data["route"]
    try:
        services.stop_move(
            reference=form.cleaned_data["reference"], route_id=target.pk, user=acting_user(request)
        )
    except ServiceError as error:
        show_error(request, error)
        return redirect("deliveries:route_detail", pk=route.pk)
    messages.success(
        request,
        _("Stop %(reference)s moved to route #%(route)s.")
        % {"reference": form.cleaned_data["reference"].strip().upper(), "route": target.pk},
    )
    return redirect("deliveries:route_detail", pk=route.pk)


@organizer_required
def route_packing(request: HttpRequest, pk: int) -> HttpResponse:
    """A route's packing list, print-ready: stops by reference code, items, totals per
    pantry location. Never a contact (deliveries.packing reads allocations only)."""
    route = access.route_for_user(request.user, pk)
    return render_page(
        request,
        "deliveries/packing.html",
        {"route": route, "packing": packing.route_packing(route)},
    )


@organizer_required
def route_labels(request: HttpRequest, pk: int) -> HttpResponse:
    """A box label per stop and pantry location: reference code, stop number, QR code."""
    route = access.route_for_user(request.user, pk)
    return render_page(
        request,
        "deliveries/packing_labels.html",
        {"route": route, "packing": packing.route_packing(route)},
    )


class PantryPackingForm(forms.Form):
    location = forms.ModelChoiceField(
        queryset=Location.objects.filter(active=True), label=gettext_lazy("Pantry")
    )
    day = forms.DateField(label=gettext_lazy("Day"), widget=forms.DateInput(attrs={"type": "date"}))


@organizer_required
def pantry_packing(request: HttpRequest) -> HttpResponse:
    """What one pantry location packs for one day's routes."""
    form = PantryPackingForm(request.GET or None, initial={"day": local_today()})
    context: dict[str, object] = {"form": form}
    if form.is_valid():
        location, day = form.cleaned_data["location"], form.cleaned_data["day"]
        context |= {
            "location": location,
            "day": day,
            "packing": packing.pantry_packing(location, day),
        }
    return render_page(request, "deliveries/packing_pantry.html", context)


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
            by=acting_user(request),
        )
        messages.success(request, _("Saved driver %(name)s.") % {"name": saved})
        if data["vetted"] and not saved.vetted:
            messages.warning(request, str(VETTING_HELD_MESSAGE))
        return redirect("deliveries:driver_list")
    active_routes = selectors.active_route_count(driver) if driver is not None else 0
    return render_page(
        request,
        "deliveries/driver_form.html",
        {"form": form, "driver": driver, "active_routes": active_routes},
    )


@organizer_required
def reveal_log(request: HttpRequest) -> HttpResponse:
    """Who was shown which stop's contact, when, how: never the contact itself. One line
    per driver, stop and day (counted, with the first and last time, by the database: a
    route page opened 28 times is one line that says 28). Per-driver counts over the last
    days make a driver who scrapes stand out. Every reveal is still stored on its own."""
    filters = RevealFilterForm(request.GET or None)
    reveals = ContactReveal.objects.all()
    if filters.is_valid():
        if filters.cleaned_data["user"]:
            reveals = reveals.filter(user=filters.cleaned_data["user"])
        if filters.cleaned_data["route"]:
            reveals = reveals.filter(stop__route_id=filters.cleaned_data["route"])
    lines = (
        reveals.annotate(day=TruncDate("revealed_at", tzinfo=organization_tz()))
        .values(
            "day",
            "user_id",
            "user__username",
            "stop_id",
            "stop__sequence",
            "stop__route_id",
            "stop__route__zone__name",
            "stop__route__service_date",
            "stop__request__reference",
        )
        .annotate(
            count=Count("id"),
            first=Min("revealed_at"),
            last=Max("revealed_at"),
            on_page=Count("id", filter=Q(channel=RevealChannel.PAGE)),
            on_api=Count("id", filter=Q(channel=RevealChannel.API)),
        )
        .order_by("-day", "-last", "user__username", "stop_id")
    )
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
            "lines": lines[:LIST_LIMIT],
            "per_driver": per_driver,
            "flagged": flagged_drivers(RECENT_DAYS),
            "recent_days": RECENT_DAYS,
            "limit": LIST_LIMIT,
        },
    )


@organizer_required
def dashboard_page(request: HttpRequest) -> HttpResponse:
    # The banner while anything is paused (issue 14), read from the database.
    paused = pauses.paused_zones()
    return render_page(
        request, "deliveries/dashboard.html", {"board": dashboard(), "paused_zones": paused}
    )
