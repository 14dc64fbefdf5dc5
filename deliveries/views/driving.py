"""Driver pages: the board, my routes, the route page and its actions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.contrib import messages
from django.db.models import F, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from deliveries import access, holds, selectors, services
from deliveries.forms import StopOutcomeForm
from deliveries.map_links import map_links
from deliveries.models import (
    ACTIVE_ROUTE_STATUSES,
    Driver,
    FailureReason,
    RevealChannel,
    Route,
    RouteStatus,
    Stop,
    StopOutcome,
)
from deliveries.reveal import contacts_reveal
from deliveries.views.common import (
    RECENT_DAYS,
    outcome_counts,
    render_page,
    signed_in_driver,
    stop_rows,
)
from mutualaid.bounds import page_of, paths_for
from mutualaid.errors import ServiceError, show_error
from mutualaid.roles import acting_user

# The soonest routes a driver sees at once; "Later routes" pages the rest (issue 9: a page
# costs the same however many routes are open).
BOARD_PAGE = 10
BOARD_LINKS = ("route", "route_claim", "offer_accept", "offer_decline")


@signed_in_driver()
def board(request: HttpRequest, driver: Driver) -> HttpResponse:
    """Open routes in the driver's zones, with what they carry. No contact, ever."""
    # Soonest days first; the rest on later pages, so the page costs the same however
    # many routes are open. Open routes have no driver: no join for one.
    page = page_of(
        access.board_for(driver)
        .select_related(None)
        .select_related("zone", "pantry")
        .order_by(F("offered").desc(), "service_date", "window_start", "id"),
        request.GET.get("page", ""),
        BOARD_PAGE,
    )
    routes = page.rows
    loads = selectors.load_by_category([route.pk for route in routes])
    # A card's links, each reversed once for the page rather than once per card.
    links = {name: paths_for(f"deliveries:{name}") for name in BOARD_LINKS}
    for route in routes:
        route.links = {name: path(route.pk) for name, path in links.items()}  # type: ignore[attr-defined]
    return render_page(
        request,
        "deliveries/board.html",
        {
            "driver": driver,
            "rows": [(route, sorted(loads.get(route.pk, {}).items())) for route in routes],
            "page": page,
            "active_count": selectors.active_route_count(driver),
        },
    )


@signed_in_driver()
def my_routes(request: HttpRequest, driver: Driver) -> HttpResponse:
    since = timezone.now() - dt.timedelta(days=RECENT_DAYS)
    routes = list(
        selectors.with_totals(Route.objects.filter(access.held_by(driver)))
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
@signed_in_driver(organizers=True)
def route_page(request: HttpRequest, driver: Driver | None, pk: int) -> HttpResponse:
    """A route's stops in order. Its assigned driver, once started on its day, also sees
    each waiting stop's contact (unsealed and logged by the reveal service); everyone else,
    and the driver of a route only claimed, sees reference codes and items only."""
    route = access.route_for_user(request.user, pk, driver=driver)  # the profile read once
    stops = selectors.stops_of(route)
    contacts = contacts_reveal(
        route=route, stops=stops, user=acting_user(request), channel=RevealChannel.PAGE
    )
    rows = stop_rows(stops, contacts)
    # Built for the phone that asked: its own map app's link first (deliveries.map_links).
    user_agent = request.headers.get("User-Agent", "")
    mine = driver is not None and route.driver_id == driver.pk
    return render_page(
        request,
        "deliveries/route_page.html",
        {
            "route": route,
            "rows": rows,
            "rows_and_maps": [(row, map_links(row.contact, user_agent)) for row in rows],
            "mine": mine,
            "active": mine and route.status == RouteStatus.IN_PROGRESS,
            "start_opens_at": access.start_opens_at(route),
            "failure_reasons": FailureReason.choices,
            "loads": sorted(selectors.load_of(stops).items()),  # from the stops read above
            "can_claim": driver is not None and route.status == RouteStatus.OPEN,
            # A paused zone (issue 14): the hold, read without loading any contact.
            "hold": holds.hold_for(route) if mine else None,
        },
    )


def _take_route(
    request: HttpRequest, driver: Driver, pk: int, take: Callable[..., object]
) -> HttpResponse:
    """A route from the driver's board becomes theirs through `take` (a claim, or an
    offer's acceptance, which is a claim)."""
    route = access.route_to_claim(driver, pk)
    try:
        take(route_id=route.pk, driver=driver)
    except ServiceError as error:
        show_error(request, error)
        return redirect("deliveries:board")
    messages.success(
        request,
        _("The route is yours. Names and addresses show here once you start it on its day."),
    )
    return redirect("deliveries:route", pk=route.pk)


@signed_in_driver(action=True)
def route_claim(request: HttpRequest, driver: Driver, pk: int) -> HttpResponse:
    return _take_route(request, driver, pk, services.route_claim)


def _driver_action(
    request: HttpRequest,
    driver: Driver,
    pk: int,
    run: Callable[..., Route],
    done: str,
    back_to_my_routes: bool = False,
) -> HttpResponse:
    route = access.route_to_act_on(driver, pk)
    try:
        run(route_id=route.pk, driver=driver)
    except ServiceError as error:
        show_error(request, error)
        return redirect("deliveries:route", pk=route.pk)
    messages.success(request, done)
    if back_to_my_routes:
        return redirect("deliveries:my_routes")
    return redirect("deliveries:route", pk=route.pk)


@signed_in_driver(action=True)
def route_start(request: HttpRequest, driver: Driver, pk: int) -> HttpResponse:
    return _driver_action(
        request, driver, pk, services.route_start, _("Route started. Drive safely.")
    )


@signed_in_driver(action=True)
def route_release(request: HttpRequest, driver: Driver, pk: int) -> HttpResponse:
    return _driver_action(
        request,
        driver,
        pk,
        services.route_release,
        _("Route released. It is back on the board and its addresses are hidden from you."),
        back_to_my_routes=True,
    )


def _stop_confirm(request: HttpRequest, stop: Stop, form: StopOutcomeForm) -> HttpResponse:
    """The stop's confirm step: "Delivered to stop 3? Yes / Back". Nothing is recorded."""
    outcome, reason = form.cleaned_data["outcome"], form.cleaned_data["reason"]
    back = redirect(f"{reverse('deliveries:route', args=[stop.route_id])}#stop-{stop.pk}")
    if outcome == StopOutcome.FAILED and reason not in FailureReason.values:
        messages.error(request, services.REASON_REQUIRED)
        return back
    if stop.outcome != StopOutcome.PENDING:
        messages.error(request, services.STOP_DONE)
        return back
    return render_page(
        request,
        "deliveries/stop_confirm.html",
        {
            "stop": stop,
            "outcome": outcome,
            "reason": reason,
            "reason_label": dict(FailureReason.choices).get(reason, ""),
            "back": back["Location"],
        },
    )


@signed_in_driver(action=True)
def stop_complete(request: HttpRequest, driver: Driver, pk: int) -> HttpResponse:
    """A stop's outcome, in two steps: the route page's "Delivered" or "Could not deliver"
    opens the confirm step; only its "Yes" (confirm=yes) records the outcome."""
    stop = access.stop_for_driver(driver, pk)
    form = StopOutcomeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose delivered, or not delivered and a reason from the list."))
        return redirect("deliveries:route", pk=stop.route_id)
    if not form.confirmed:
        return _stop_confirm(request, stop, form)
    outcome = form.cleaned_data["outcome"]
    try:
        result = services.stop_complete(
            stop_id=stop.pk, driver=driver, outcome=outcome, reason=form.cleaned_data["reason"]
        )
    except ServiceError as error:
        show_error(request, error)
        return redirect("deliveries:route", pk=stop.route_id)
    if outcome == StopOutcome.DELIVERED:
        text = _("Stop %(number)s delivered. Thank you!")
    elif result.stop.outcome == StopOutcome.HELD:
        text = _("Stop %(number)s held for safety. The family keeps their place.")
    else:
        text = _("Stop %(number)s marked not delivered. Organizers will follow up.")
    messages.success(request, text % {"number": stop.sequence})
    if result.route_completed:
        messages.success(request, _("Route complete. Every address on it is now hidden."))
        return redirect("deliveries:my_routes")
    return redirect("deliveries:route", pk=stop.route_id)


@signed_in_driver(action=True)
def offer_accept(request: HttpRequest, driver: Driver, pk: int) -> HttpResponse:
    """Take a route an organizer offered you: a claim like the board's."""
    return _take_route(request, driver, pk, services.route_offer_accept)


@signed_in_driver(action=True)
def offer_decline(request: HttpRequest, driver: Driver, pk: int) -> HttpResponse:
    route = access.route_to_claim(driver, pk)
    try:
        services.route_offer_decline(route_id=route.pk, driver=driver)
    except ServiceError as error:
        show_error(request, error)
        return redirect("deliveries:board")
    messages.success(request, _("Offer declined. The organizers will see it is open again."))
    return redirect("deliveries:board")


@signed_in_driver(action=True)
def stop_reorder(request: HttpRequest, driver: Driver, pk: int) -> HttpResponse:
    """Move a waiting stop one place up or down on a route you started (no JavaScript: a
    small form per button; only the order is stored)."""
    stop = access.stop_for_driver(driver, pk)
    try:
        services.stop_reorder(
            stop_id=stop.pk, driver=driver, direction=request.POST.get("direction", "")
        )
    except ServiceError as error:
        show_error(request, error)
    return redirect("deliveries:route", pk=stop.route_id)
