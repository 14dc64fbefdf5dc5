"""The hold on a driver's route (issue 14): a tiny JSON answer that the route page's static
script (static/js/hold.js) asks for every minute, reading no stop and no contact; and the
driver's "I have to stop", which hands the route back for safety without penalty."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from deliveries import access, holds, services
from deliveries.models import ACTIVE_ROUTE_STATUSES, Driver, Route
from deliveries.views.common import signed_in_driver
from mutualaid.errors import ServiceError, show_error


@never_cache
@signed_in_driver()
def route_hold(request: HttpRequest, driver: Driver, pk: int) -> HttpResponse:
    """`{"hold": true|false, "text": "..."}` for a route the driver holds, claimed or under
    way; 404 otherwise (taken back, cancelled, done), and the page then clears its contacts."""
    route = (
        Route.objects.filter(access.held_by(driver), pk=pk, status__in=ACTIVE_ROUTE_STATUSES)
        .select_related("zone", "pantry")
        .first()
    )
    if route is None:
        raise Http404
    hold = holds.hold_for(route)
    return JsonResponse({"hold": hold is not None, "text": hold.text() if hold else ""})


@signed_in_driver(action=True)
def route_hand_back(request: HttpRequest, driver: Driver, pk: int) -> HttpResponse:
    """ "I have to stop": the route goes back for safety; no release is counted."""
    route = access.route_to_act_on(driver, pk)
    try:
        services.route_hand_back_for_safety(route_id=route.pk, driver=driver)
    except ServiceError as error:
        show_error(request, error)
        return redirect("deliveries:route", pk=pk)
    messages.success(request, _("Route handed back for safety. Thank you; no penalty."))
    return redirect("deliveries:my_routes")
