"""The delivery tests' worlds: one open route in Phillips with the SECRET_* family and the
two driver personas vetted there; or a route of two families started by the driver."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.contrib.auth.models import User

from deliveries.models import Driver, Route, Stop
from tests.deliveries.factories import OTHER_CONTACT, planned_route, route_in_state
from tests.deliveries.scenario import World, make_driver, routed_request
from tests.household_requests.factories import contact


@dataclass
class DriverWorld(World):
    driver_profile: Driver
    other_profile: Driver


@pytest.fixture
def world(driver: User, other_driver: User) -> DriverWorld:
    world = routed_request()
    return DriverWorld(
        **vars(world),
        driver_profile=make_driver(driver, world.zone),
        other_profile=make_driver(other_driver, world.zone),
    )


@dataclass
class TwoStops:
    route: Route
    first: Stop  # the SECRET_* family
    second: Stop  # OTHER_CONTACT


@pytest.fixture
def two_stops(driver: User) -> TwoStops:
    """A route of two families, started on its day by the driver (their only profile: no
    `world`)."""
    route = planned_route([contact(), contact(**OTHER_CONTACT)])
    route_in_state(route, "in_progress", make_driver(driver))
    first, second = route.stops.order_by("sequence")
    return TwoStops(route, first, second)
