"""The persona matrix for every API endpoint: who is let in, who gets 403, who gets 401,
and who (a driver outside the route) gets 404.

Refused personas go first and must change nothing; the allowed persona goes last.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from deliveries.models import Route
from household_requests.models import HouseholdRequest
from inventory.models import Category
from tests.conftest import api_client_for
from tests.deliveries.scenario import World, make_driver, routed_request
from tests.household_requests.factories import make_zone

pytestmark = pytest.mark.django_db

ORG, DRIVER, NOROLE, ANON = "organizer", "driver", "no role", "anonymous"


@pytest.fixture
def world(driver: User) -> World:
    world = routed_request()
    make_driver(driver, world.zone)
    return world


@pytest.fixture
def clients(organizer: User, driver: User, member_without_role: User) -> dict[str, APIClient]:
    return {
        ORG: api_client_for(organizer),
        DRIVER: api_client_for(driver),
        NOROLE: api_client_for(member_without_role),
        ANON: APIClient(),
    }


def _call(client: APIClient, method: str, url: str, data: Any = None) -> int:
    return getattr(client, method)(url, data, format="json").status_code


READS = [
    # url, {persona: expected status}
    ("/api/v1/categories/", {ORG: 200, DRIVER: 200, NOROLE: 403, ANON: 401}),
    ("/api/v1/items/", {ORG: 200, DRIVER: 200, NOROLE: 403, ANON: 401}),
    ("/api/v1/locations/", {ORG: 200, DRIVER: 200, NOROLE: 403, ANON: 401}),
    ("/api/v1/zones/", {ORG: 200, DRIVER: 200, NOROLE: 403, ANON: 401}),
    ("/api/v1/donations/", {ORG: 200, DRIVER: 403, NOROLE: 403, ANON: 401}),
    ("/api/v1/stock/", {ORG: 200, DRIVER: 403, NOROLE: 403, ANON: 401}),
    ("/api/v1/requests/", {ORG: 200, DRIVER: 403, NOROLE: 403, ANON: 401}),
    ("/api/v1/requests/{request}/", {ORG: 200, DRIVER: 403, NOROLE: 403, ANON: 401}),
    ("/api/v1/routes/", {ORG: 200, DRIVER: 200, NOROLE: 403, ANON: 401}),
    ("/api/v1/routes/{route}/", {ORG: 200, DRIVER: 200, NOROLE: 403, ANON: 401}),
    ("/api/v1/public/needs/", {ORG: 200, DRIVER: 200, NOROLE: 200, ANON: 200}),
]


@pytest.mark.parametrize(("url", "expected"), READS, ids=[url for url, _ in READS])
def test_it_answers_reads_by_role(
    world: World, clients: dict[str, APIClient], url: str, expected: dict[str, int]
):
    url = url.format(request=world.request.pk, route=world.route.pk)

    seen = {persona: _call(clients[persona], "get", url) for persona in expected}

    assert seen == expected


def _state(world: World) -> tuple[Any, ...]:
    route = Route.objects.get(pk=world.route.pk)
    request = HouseholdRequest.objects.get(pk=world.request.pk)
    return (
        route.status,
        route.driver_id,
        request.status,
        request.urgency,
        Category.objects.count(),
    )


WRITES = [
    # method, url, body, refused {persona: status}, (allowed persona, status)
    (
        "post",
        "/api/v1/categories/",
        {"name": "Tea"},
        {DRIVER: 403, NOROLE: 403, ANON: 401},
        (ORG, 201),
    ),
    (
        "patch",
        "/api/v1/zones/{zone}/",
        {"name": "Renamed"},
        {DRIVER: 403, NOROLE: 403, ANON: 401},
        (ORG, 200),
    ),
    (
        "post",
        "/api/v1/requests/{request}/urgency/",
        {"urgency": 2},
        {DRIVER: 403, NOROLE: 403, ANON: 401},
        (ORG, 200),
    ),
    (
        "post",
        "/api/v1/requests/{request}/close/",
        {"reason": "duplicate"},
        {DRIVER: 403, NOROLE: 403, ANON: 401},
        (ORG, 200),
    ),
    ("post", "/api/v1/matching/run/", None, {DRIVER: 403, NOROLE: 403, ANON: 401}, (ORG, 202)),
    (
        "post",
        "/api/v1/routes/{route}/claim/",
        None,
        {ORG: 403, NOROLE: 403, ANON: 401},
        (DRIVER, 200),
    ),
    (
        "post",
        "/api/v1/routes/{route}/start/",
        None,
        {ORG: 403, NOROLE: 403, ANON: 401},
        (DRIVER, 409),
    ),
    (
        "post",
        "/api/v1/routes/{route}/release/",
        None,
        {ORG: 403, NOROLE: 403, ANON: 401},
        (DRIVER, 409),
    ),
    (
        "post",
        "/api/v1/stops/{stop}/complete/",
        {"outcome": "delivered"},
        {ORG: 403, NOROLE: 403, ANON: 401},
        (DRIVER, 404),
    ),
]


@pytest.mark.parametrize(
    ("method", "url", "body", "refused", "allowed"), WRITES, ids=[w[1] for w in WRITES]
)
def test_it_refuses_writes_by_the_wrong_role_and_changes_nothing(
    world: World,
    clients: dict[str, APIClient],
    method: str,
    url: str,
    body: Any,
    refused: dict[str, int],
    allowed: tuple[str, int],
):
    url = url.format(
        request=world.request.pk, route=world.route.pk, stop=world.stop.pk, zone=world.zone.pk
    )
    before = _state(world)

    seen = {persona: _call(clients[persona], method, url, body) for persona in refused}

    assert seen == refused
    assert _state(world) == before
    persona, status = allowed
    # A driver acting on a route not yet theirs: start and release answer 409, and a stop
    # of someone else's route is not found.
    assert _call(clients[persona], method, url, body) == status


OUTSIDE = [
    ("get", "/api/v1/routes/{route}/", None),
    ("post", "/api/v1/routes/{route}/claim/", None),
    ("post", "/api/v1/routes/{route}/start/", None),
    ("post", "/api/v1/routes/{route}/release/", None),
    ("post", "/api/v1/stops/{stop}/complete/", {"outcome": "delivered"}),
]


@pytest.mark.parametrize(("method", "url", "body"), OUTSIDE, ids=[o[1] for o in OUTSIDE])
def test_it_answers_404_to_a_driver_outside_the_route_and_changes_nothing(
    world: World, other_driver: User, method: str, url: str, body: Any
):
    make_driver(other_driver, make_zone("Frogtown", ("55103",)))
    url = url.format(route=world.route.pk, stop=world.stop.pk)
    before = _state(world)

    assert _call(api_client_for(other_driver), method, url, body) == 404
    assert _state(world) == before
