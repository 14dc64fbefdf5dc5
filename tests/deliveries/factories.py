"""Delivery test data, made through the real services: stock, requests, routes, drivers.

Stock comes first (non-perishable, no expiry, so the allocator never skips it), then the
requests, then allocation and route planning, as in production.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.contrib.auth.models import User

from deliveries import services
from deliveries.drivers import driver_save
from deliveries.models import Driver, Route, StopOutcome
from deliveries.planning import plan_routes
from household_requests.allocation import allocate_open_requests
from household_requests.contacts import Contact
from household_requests.models import HouseholdRequest, Zone
from inventory.models import Item
from mutualaid.timeutil import local_today
from tests.household_requests.factories import contact, make_zone, submit
from tests.inventory.factories import ItemFactory, stocked_lot

# A second family, for routes with more than one stop.
OTHER_CONTACT = {
    "name": "Itzel Second-Family",
    "phone": "(612) 555-0142",
    "address": "908 Secondstop Street",
    "notes": "Knock twice at the side door",
}

ROUTE_STATES = ("open", "claimed", "in_progress", "completed", "released")


def zone_named(name: str = "Phillips", codes: tuple[str, ...] = ("55407", "55404")) -> Zone:
    existing = Zone.objects.filter(name=name).first()
    return existing or make_zone(name, codes)


def stocked_item(quantity: int = 500, name: str | None = None) -> Item:
    item = ItemFactory.create(**({"name": name} if name else {}))
    stocked_lot(item, quantity=quantity)
    return item


def plan() -> None:
    """What the background jobs do after a request or a donation."""
    allocate_open_requests()
    plan_routes()


def planned_requests(
    contacts: Sequence[Contact] | None = None,
    *,
    postal_code: str = "55407",
    item: Item | None = None,
    quantity: int = 2,
) -> list[HouseholdRequest]:
    """Submit one request per contact (stocked beforehand), allocate and plan routes."""
    if not Zone.objects.filter(postal_codes__code=postal_code).exists():
        zone_named()
    item = item or stocked_item()
    requests = [
        submit(postal_code=postal_code, items=[(item, quantity)], contact=family).request
        for family in (contacts if contacts is not None else [contact()])
    ]
    plan()
    return requests


def planned_route(contacts: Sequence[Contact] | None = None, **kwargs: object) -> Route:
    """A route holding the given families (default: the SECRET_* family), in stop order."""
    requests = planned_requests(contacts, **kwargs)  # type: ignore[arg-type]
    return Route.objects.filter(stops__request=requests[0]).get()


def make_driver(
    user: User,
    zone: Zone | None = None,
    *,
    vetted: bool = True,
    max_active_routes: int | None = None,
) -> Driver:
    """A driver profile through the real service, serving `zone` (default Phillips)."""
    return driver_save(
        user=user,
        zones=[zone or zone_named()],
        vetted=vetted,
        max_active_routes=max_active_routes,
    )


def on_its_day(route: Route) -> Route:
    """The clock moves to the route's day, past the start of its window: it is planned
    for a later day, and a route can be started (its addresses shown) only on its day.
    No action moves a route's day; the clock does, so the test moves the route instead."""
    Route.objects.filter(pk=route.pk).update(
        service_date=local_today(), window_start=dt.time(0, 0), window_end=dt.time(23, 59)
    )
    route.refresh_from_db()
    return route


def route_in_state(route: Route, state: str, driver: Driver) -> Route:
    """Drive `route` (open, as planned) to `state` through the driver's own actions; a
    started route (in progress, completed) is moved to today first (`on_its_day`)."""
    assert state in ROUTE_STATES, state
    if state in ("in_progress", "completed"):
        on_its_day(route)
    if state != "open":
        services.route_claim(route_id=route.pk, driver=driver)
    if state == "released":
        services.route_release(route_id=route.pk, driver=driver)
    if state == "in_progress":
        services.route_start(route_id=route.pk, driver=driver)
    if state == "completed":
        services.route_start(route_id=route.pk, driver=driver)
        for stop in route.stops.filter(outcome=StopOutcome.PENDING).order_by("sequence"):
            services.stop_complete(stop_id=stop.pk, driver=driver, outcome=StopOutcome.DELIVERED)
    route.refresh_from_db()
    return route
