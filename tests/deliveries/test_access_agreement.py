"""One table: for each persona and route state, the board, the route page, the API (list,
detail), the actions (claim, start, release, stop completion) and the reveal agree.

Every action is tried on the page and through the API, each time rolled back, so both
meet the same state; a page answers an action with a redirect and a message where the API
answers with a status and the same message.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import transaction
from django_stubs_ext import StrOrPromise

from deliveries import services
from deliveries.drivers import driver_save
from deliveries.models import ContactReveal, Route
from deliveries.reveal import may_see_contacts
from tests.conftest import api_client_for, page_client
from tests.deliveries.conftest import DriverWorld
from tests.deliveries.factories import on_its_day, route_in_state
from tests.deliveries.helpers import messages_of, shows_secrets, text_of
from tests.deliveries.scenario import routed_request
from tests.household_requests.factories import make_zone

pytestmark = pytest.mark.django_db

Answer = str | StrOrPromise
OK, GONE, ROLE = "ok", "404 not found", "403 wrong role"
LOST, PASSED, UNVETTED = services.CLAIM_LOST, services.ROUTE_DAY_PASSED, services.NOT_VETTED
NO_START, UNCLAIMED, INACTIVE, NOT_DAY = (
    services.CANNOT_START,
    services.NOT_CLAIMED,
    services.ROUTE_NOT_ACTIVE,
    services.NOT_ITS_DAY,
)
TOO_LATE = services.OUTCOME_TOO_LATE
STATUS_OF: dict[Answer, int] = {
    OK: 200,
    GONE: 404,
    ROLE: 403,
    UNVETTED: 403,
    services.AT_CAP: 403,
    LOST: 409,
    PASSED: 409,
    NO_START: 409,
    UNCLAIMED: 409,
    INACTIVE: 409,
    NOT_DAY: 409,
    TOO_LATE: 409,
}


def _yesterday(route: Route, days: int = 2) -> None:
    # No action moves a route's day; the clock does. The nightly retirement has not run yet.
    Route.objects.filter(pk=route.pk).update(service_date=route.service_date - dt.timedelta(days))


def open_route(world: DriverWorld) -> Route:
    return world.route


def route_in_another_zone(world: DriverWorld) -> Route:
    return routed_request(zone=make_zone("Frogtown", ("55103",))).route


def unvetted_driver(world: DriverWorld) -> Route:
    driver_save(user=world.driver_profile.user, vetted=False)
    return world.route


def route_of_another_driver(world: DriverWorld) -> Route:
    return route_in_state(world.route, "claimed", world.other_profile)


def open_route_day_passed(world: DriverWorld) -> Route:
    _yesterday(world.route)
    return world.route


def mine(state: str) -> Callable[[DriverWorld], Route]:
    def arrange(world: DriverWorld) -> Route:
        return route_in_state(world.route, state, world.driver_profile)

    arrange.__name__ = f"my_{state}_route"
    return arrange


def my_claimed_route_day_passed(world: DriverWorld) -> Route:
    route = route_in_state(world.route, "claimed", world.driver_profile)
    _yesterday(route)
    return route


def my_claimed_route_on_its_day(world: DriverWorld) -> Route:
    route = route_in_state(world.route, "claimed", world.driver_profile)
    return on_its_day(route)


def my_started_route_day_passed(world: DriverWorld) -> Route:
    """Started yesterday: its outcomes are still taken (services.OUTCOME_GRACE_DAYS)."""
    route = route_in_state(world.route, "in_progress", world.driver_profile)
    _yesterday(route, days=1)
    return route


def my_started_route_grace_over(world: DriverWorld) -> Route:
    """Started two days ago: the sweep retires it, so its outcomes are no longer taken."""
    route = route_in_state(world.route, "in_progress", world.driver_profile)
    _yesterday(route, days=2)
    return route


def my_route_after_leaving_zone(world: DriverWorld) -> Route:
    route_in_state(world.route, "claimed", world.driver_profile)
    driver_save(user=world.driver_profile.user, zones=[])
    return world.route


def my_route_after_unvetting(world: DriverWorld) -> Route:
    route_in_state(world.route, "in_progress", world.driver_profile)
    driver_save(user=world.driver_profile.user, vetted=False)
    return world.route


@dataclass(frozen=True)
class Case:
    arrange: Callable[[DriverWorld], Route]
    on_board: bool  # on /drive/ (and so claimable)
    sees: bool  # the route page and the API detail answer 200, the API list holds it
    reveals: bool  # contacts on the page and in the API detail, and may_see_contacts
    claim: Answer
    start: Answer
    release: Answer
    complete: Answer  # the route's first stop, delivered
    viewer: str = "driver"


T, F = True, False

# fmt: off
CASES = [
    #    arrange                      board sees reveals claim     start     release    complete
    Case(open_route,                  T,    T,   F,      OK,       NO_START, UNCLAIMED, GONE),
    Case(route_in_another_zone,       F,    F,   F,      GONE,     GONE,     GONE,      GONE),
    Case(unvetted_driver,             F,    F,   F,      UNVETTED, GONE,     GONE,      GONE),
    Case(route_of_another_driver,     F,    F,   F,      LOST,     GONE,     GONE,      GONE),
    Case(open_route_day_passed,       F,    F,   F,      PASSED,   GONE,     GONE,      GONE),
    # Claimed for a later day: nothing revealed, and it cannot start (nor by a stop) yet.
    Case(mine("claimed"),             F,    T,   F,      LOST,     NOT_DAY,  OK,        NOT_DAY),
    # Claimed, on its day: still nothing revealed until it is started.
    Case(my_claimed_route_on_its_day, F,    T,   F,      LOST,     OK,       OK,        OK),
    Case(mine("in_progress"),         F,    T,   T,      LOST,     NO_START, UNCLAIMED, OK),
    Case(my_started_route_day_passed, F,    T,   F,      PASSED,   NO_START, UNCLAIMED, OK),
    Case(my_started_route_grace_over, F,    T,   F,      PASSED,   NO_START, UNCLAIMED, TOO_LATE),
    Case(my_claimed_route_day_passed, F,    T,   F,      PASSED,   PASSED,   OK,        PASSED),
    Case(mine("completed"),           F,    T,   F,      LOST,     NO_START, UNCLAIMED, INACTIVE),
    Case(mine("released"),            T,    T,   F,      OK,       NO_START, UNCLAIMED, GONE),
    Case(my_route_after_leaving_zone, F,    F,   F,      GONE,     GONE,     GONE,      GONE),
    # Their started route is cancelled but still names them: they see it, without contacts.
    Case(my_route_after_unvetting,    F,    T,   F,      UNVETTED, UNVETTED, UNCLAIMED, UNVETTED),
    Case(mine("claimed"),             F,    T,   F,      ROLE,     ROLE,     ROLE,      ROLE,
         viewer="organizer"),
]
# fmt: on


def _undone(call: Callable[[], Any]) -> Any:
    """Run `call` and roll back what it wrote, so the next try meets the same state."""
    with transaction.atomic():
        result = call()
        transaction.set_rollback(True)
    return result


def _api_answer(response: Any) -> Answer:
    if response.status_code == 200:
        return OK
    detail = str(response.json()["detail"])
    refusals = [m for m in STATUS_OF if str(m) == detail]
    answer = refusals[0] if refusals else {404: GONE, 403: ROLE}[response.status_code]
    assert response.status_code == STATUS_OF[answer], (detail, response.status_code)
    return answer


def _page_answer(response: Any) -> Answer:
    if not response.redirect_chain:
        return {404: GONE, 403: ROLE}[response.status_code]
    said = messages_of(response)
    refusals = [m for m in STATUS_OF if str(m) in said]
    return refusals[0] if refusals else OK


@pytest.mark.parametrize("case", CASES, ids=lambda case: f"{case.viewer}-{case.arrange.__name__}")
def test_it_answers_alike_on_every_way_in(
    world: DriverWorld, request: pytest.FixtureRequest, case: Case
):
    route = case.arrange(world)
    stop = route.stops.order_by("sequence").first()
    assert stop is not None
    viewer: User = request.getfixturevalue(case.viewer)
    page, api = page_client(viewer), api_client_for(viewer)
    reveals_before = ContactReveal.objects.count()

    board = page.get("/drive/")
    on_board = board.status_code == 200 and route in [row[0] for row in board.context["rows"]]
    route_page = page.get(f"/drive/routes/{route.pk}/")
    detail = api.get(f"/api/v1/routes/{route.pk}/")
    listed = route.pk in [r["id"] for r in api.get("/api/v1/routes/").json()["results"]]
    revealed = [shows_secrets(text_of(route_page)), shows_secrets(text_of(detail))]

    assert on_board == case.on_board
    assert [route_page.status_code == 200, detail.status_code == 200, listed] == [case.sees] * 3
    assert [*revealed, may_see_contacts(route, viewer)] == [case.reveals] * 3
    assert ContactReveal.objects.count() - reveals_before == (2 if case.reveals else 0)

    def answers(path: str, body: dict[str, str]) -> tuple[Answer, Answer]:
        on_page = _undone(lambda: _page_answer(page.post(f"/drive/{path}", body, follow=True)))
        on_api = _undone(lambda: _api_answer(api.post(f"/api/v1/{path}", body, format="json")))
        return on_page, on_api

    # The page's confirm step said yes (the API has none; it ignores the field).
    delivered = {"outcome": "delivered", "confirm": "yes"}
    assert {
        "claim": answers(f"routes/{route.pk}/claim/", {}),
        "start": answers(f"routes/{route.pk}/start/", {}),
        "release": answers(f"routes/{route.pk}/release/", {}),
        "complete": answers(f"stops/{stop.pk}/complete/", delivered),
    } == {
        "claim": (case.claim, case.claim),
        "start": (case.start, case.start),
        "release": (case.release, case.release),
        "complete": (case.complete, case.complete),
    }
