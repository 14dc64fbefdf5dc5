"""A small delivery world built through the real services: stock, a request, a route."""

from __future__ import annotations

from dataclasses import dataclass

from deliveries.models import Route, Stop
from household_requests.models import HouseholdRequest, Zone
from inventory.models import Item
from tests.deliveries.factories import make_driver, planned_requests, stocked_item, zone_named

__all__ = ["World", "make_driver", "routed_request"]


@dataclass
class World:
    zone: Zone
    item: Item
    request: HouseholdRequest
    route: Route
    stop: Stop


def routed_request(*, quantity: int = 3, stock: int = 10, zone: Zone | None = None) -> World:
    """Stock on the shelf, one request (the SECRET_* family) for it, allocated and planned
    onto an open route."""
    zone = zone or zone_named()
    item = stocked_item(stock)
    postal_code = zone.postal_codes.first().code  # type: ignore[union-attr]
    request = planned_requests(postal_code=postal_code, item=item, quantity=quantity)[0]
    stop = Stop.objects.select_related("route").get(request=request)
    request.refresh_from_db()
    return World(zone=zone, item=item, request=request, route=stop.route, stop=stop)
