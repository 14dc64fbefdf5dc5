"""A small delivery world built through the real services: stock, a request, a route."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import User

from deliveries import planning
from deliveries.drivers import driver_save
from deliveries.models import Driver, Route, Stop
from household_requests import allocation
from household_requests.models import HouseholdRequest, Zone
from inventory.models import Item
from tests.household_requests.factories import make_zone, submit
from tests.inventory.factories import ItemFactory, donate


@dataclass
class World:
    zone: Zone
    item: Item
    request: HouseholdRequest
    route: Route
    stop: Stop


def routed_request(*, quantity: int = 3, stock: int = 10, zone: Zone | None = None) -> World:
    """Stock on the shelf, one request for it, allocated and planned onto an open route."""
    zone = zone or Zone.objects.filter(name="Phillips").first() or make_zone()
    item = ItemFactory.create()
    donate((item, stock))
    postal_code = zone.postal_codes.first().code  # type: ignore[union-attr]
    request = submit(items=[(item, quantity)], postal_code=postal_code).request
    allocation.allocate_open_requests()
    planning.plan_routes()
    stop = Stop.objects.select_related("route").get(request=request)
    request.refresh_from_db()
    return World(zone=zone, item=item, request=request, route=stop.route, stop=stop)


def make_driver(user: User, zone: Zone, **fields: object) -> Driver:
    defaults: dict[str, object] = {"vetted": True}
    defaults.update(fields)
    return driver_save(user=user, zones=[zone], **defaults)  # type: ignore[arg-type]
