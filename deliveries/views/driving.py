"""Driver pages: the board, my routes, the route page and its actions.

Reads go through deliveries.selectors, writes through deliveries.services and
deliveries.drivers. A contact is unsealed only by deliveries.reveal.contacts_reveal.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.contrib import messages
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from deliveries import selectors, services
from deliveries.forms import (
    StopOutcomeForm,
)
from deliveries.models import (
    ACTIVE_ROUTE_STATUSES,
    RevealChannel,
    Route,
    RouteStatus,
    Stop,
    StopOutcome,
)
from deliveries.reveal import contacts_reveal
from deliveries.views.common import (
    LIST_LIMIT,
    RECENT_DAYS,
    no_profile_page,
    outcome_counts,
    render_page,
    stop_rows,
)
from household_requests.services import RequestError
from mutualaid.roles import (
    acting_user,
    driver_required,
    is_organizer,
    member_required,
)
from mutualaid.timeutil import local_today


@driver_required
def board(request: HttpRequest) -> HttpResponse:
    """Open routes in the driver's zones, with what they carry. No contact, ever."""
    driver = selectors.driver_for_user(request.user)
    if driver is None:
        return no_profile_page(request)
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
    return render_page(
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
        return no_profile_page(request)
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
    counts = outcome_counts([route.pk for route in routes])
    active = [(r, counts[r.pk]) for r in routes if r.status in ACTIVE_ROUTE_STATUSES]
    done = [(r, counts[r.pk]) for r in routes if r.status == RouteStatus.COMPLETED]
    return render_page(
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
        return no_profile_page(request)
    route = selectors.route_for_user(request.user, pk)
    stops = selectors.stops_of(route)
    contacts = contacts_reveal(
        route=route, stops=stops, user=acting_user(request), channel=RevealChannel.PAGE
    )
    mine = driver is not None and route.driver_id == driver.pk
    return render_page(
        request,
        "deliveries/route_page.html",
        {
            "route": route,
            "rows": stop_rows(stops, contacts),
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
        return no_profile_page(request, status=403)
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
        return no_profile_page(request, status=403)
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
        return no_profile_page(request, status=403)
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
