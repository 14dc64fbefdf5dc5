"""A paused zone holds its routes (issue 14): the reveal shows nothing, the board, a claim,
a start, an offer, a reorder and a stop's move are refused; the route page and its tiny
hold endpoint show the hold without loading a contact; "held for safety" is never an
attempt; "delivered" stays recordable; a driver hands a route back without penalty."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import User

from deliveries import holds, offers, services
from deliveries.access import board_for
from deliveries.models import (
    ContactReveal,
    DriverAction,
    NoticeKind,
    NoticeOutcome,
    NoticeSent,
    Route,
    RouteStatus,
    Stop,
    StopOutcome,
)
from household_requests import pauses
from household_requests.models import Allocation, HouseholdRequest, PauseKind, RequestStatus
from mutualaid.errors import Kind, ServiceError
from mutualaid.members import member_add
from tests.conftest import PASSWORD, api_client_for, page_client
from tests.deliveries.conftest import DriverWorld
from tests.deliveries.factories import (
    make_driver,
    on_its_day,
    plan,
    route_in_state,
    stocked_item,
    zone_named,
)
from tests.deliveries.helpers import assert_no_secret, shows_secrets, text_of
from tests.deliveries.scenario import routed_request
from tests.household_requests.factories import make_zone, submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def dispatcher(db: None) -> User:
    # A dispatcher's pause must leave a zone unpaused: here, one that nothing else uses.
    make_zone("Elsewhere", ("55999",))
    return member_add(username="dina", role="dispatcher", password=PASSWORD)


def _pause(dispatcher: User, world: DriverWorld) -> None:
    pauses.zones_pause(user=dispatcher, zone_ids=[world.zone.pk], kind=PauseKind.HOUR)


def _refused(call: object, **kwargs: object) -> ServiceError:
    with pytest.raises(ServiceError) as refused:
        call(**kwargs)  # type: ignore[operator]
    return refused.value


def test_it_hides_addresses_on_a_started_route_once_paused(
    world: DriverWorld, driver: User, dispatcher: User
):
    route = route_in_state(world.route, "in_progress", world.driver_profile)
    client = page_client(driver)
    assert shows_secrets(text_of(client.get(f"/drive/routes/{route.pk}/")))  # before
    api = api_client_for(driver)
    assert shows_secrets(text_of(api.get(f"/api/v1/routes/{route.pk}/")))

    _pause(dispatcher, world)
    page = text_of(client.get(f"/drive/routes/{route.pk}/"))
    answer = text_of(api.get(f"/api/v1/routes/{route.pk}/"))

    assert_no_secret(page)
    assert_no_secret(answer)
    assert api.get(f"/api/v1/routes/{route.pk}/").json()["hold"].startswith("Hold: do not go")
    assert f"Hold: do not go to {world.zone.name} now" in page
    assert "js/hold.js" in page
    assert ContactReveal.objects.count() == 2  # only the two views before the pause


def test_it_answers_the_hold_without_loading_a_contact(
    world: DriverWorld, driver: User, other_driver: User, dispatcher: User
):
    route = route_in_state(world.route, "in_progress", world.driver_profile)
    client = page_client(driver)
    url = f"/drive/routes/{route.pk}/hold/"
    assert client.get(url).json() == {"hold": False, "text": ""}

    _pause(dispatcher, world)
    answer = client.get(url)

    assert answer.json()["hold"] is True
    assert world.zone.name in answer.json()["text"]
    assert "no-cache" in answer["Cache-Control"] or "max-age=0" in answer["Cache-Control"]
    assert_no_secret(text_of(answer))
    assert not ContactReveal.objects.exists()
    assert page_client(other_driver).get(url).status_code == 404
    # Taken back while the page is open: 404, and the page clears its contacts (hold.js).
    services.routes_take_back(driver=world.driver_profile, every_route=True)
    assert client.get(url).status_code == 404


def test_it_takes_a_paused_zone_off_the_board_and_refuses_a_claim_by_id(
    world: DriverWorld, dispatcher: User
):
    on_its_day(world.route)
    assert list(board_for(world.driver_profile)) == [world.route]

    _pause(dispatcher, world)

    assert list(board_for(world.driver_profile)) == []
    error = _refused(services.route_claim, route_id=world.route.pk, driver=world.driver_profile)
    assert (error.kind, error.message) == (Kind.CONFLICT, services.ZONE_PAUSED)
    assert Route.objects.get(pk=world.route.pk).status == RouteStatus.OPEN


def test_it_refuses_a_claim_through_the_api(world: DriverWorld, driver: User, dispatcher: User):
    _pause(dispatcher, world)

    answer = api_client_for(driver).post(f"/api/v1/routes/{world.route.pk}/claim/")

    assert answer.status_code in (404, 409)
    assert Route.objects.get(pk=world.route.pk).driver_id is None


def test_it_refuses_a_start(world: DriverWorld, dispatcher: User):
    route = route_in_state(world.route, "claimed", world.driver_profile)
    on_its_day(route)

    _pause(dispatcher, world)

    error = _refused(services.route_start, route_id=route.pk, driver=world.driver_profile)
    assert (error.kind, error.message) == (Kind.CONFLICT, services.ZONE_PAUSED)
    assert Route.objects.get(pk=route.pk).status == RouteStatus.CLAIMED


def test_it_refuses_an_offer_and_a_stop_move(world: DriverWorld, organizer: User, dispatcher: User):
    _pause(dispatcher, world)

    offer = _refused(
        services.route_offer,
        route_id=world.route.pk,
        driver_id=world.driver_profile.pk,
        user=organizer,
    )
    other = Route.objects.create(
        zone=world.zone,
        service_date=world.route.service_date,
        window_start=world.route.window_start,
        window_end=world.route.window_end,
    )
    move = _refused(
        services.stop_move, reference=world.request.reference, route_id=other.pk, user=organizer
    )

    assert offer.kind == Kind.CONFLICT
    assert (move.kind, move.message) == (Kind.CONFLICT, services.ZONE_PAUSED)
    assert Stop.objects.get(pk=world.stop.pk).route_id == world.route.pk


def test_it_refuses_a_reorder(world: DriverWorld, dispatcher: User):
    route_in_state(world.route, "in_progress", world.driver_profile)
    _pause(dispatcher, world)

    error = _refused(
        services.stop_reorder, stop_id=world.stop.pk, driver=world.driver_profile, direction="up"
    )

    assert error.kind == Kind.CONFLICT


def test_it_plans_and_offers_nothing_in_a_paused_zone(world: DriverWorld, dispatcher: User):
    _pause(dispatcher, world)
    item = stocked_item(50)
    waiting = submit(postal_code="55407", items=[(item, 2)]).request

    plan()

    assert not Stop.objects.filter(request=waiting).exists()
    assert offers.routes_offer() == 0
    pauses.zones_lift(
        user=member_add(username="o2", role="organizer", password=PASSWORD),
        zone_ids=[world.zone.pk],
    )
    plan()
    assert Stop.objects.filter(request=waiting, outcome=StopOutcome.PENDING).exists()


def test_it_holds_a_stop_without_counting_an_attempt(world: DriverWorld, dispatcher: User):
    route_in_state(world.route, "in_progress", world.driver_profile)
    reserved = list(Allocation.objects.values_list("pk", "quantity"))
    _pause(dispatcher, world)

    services.stop_complete(
        stop_id=world.stop.pk, driver=world.driver_profile, outcome=StopOutcome.HELD
    )

    request = HouseholdRequest.objects.get(pk=world.request.pk)
    assert (request.status, request.delivery_attempts) == (RequestStatus.MATCHED, 0)
    assert Stop.objects.get(pk=world.stop.pk).outcome == StopOutcome.HELD
    assert list(Allocation.objects.values_list("pk", "quantity")) == reserved  # kept


def test_it_takes_a_failure_in_a_paused_zone_as_held(world: DriverWorld, dispatcher: User):
    route_in_state(world.route, "in_progress", world.driver_profile)
    _pause(dispatcher, world)

    services.stop_complete(
        stop_id=world.stop.pk,
        driver=world.driver_profile,
        outcome=StopOutcome.FAILED,
        reason="nobody_home",
    )

    request = HouseholdRequest.objects.get(pk=world.request.pk)
    assert request.delivery_attempts == 0 and request.is_open
    assert Stop.objects.get(pk=world.stop.pk).outcome == StopOutcome.HELD


def test_it_still_records_a_delivery(world: DriverWorld, dispatcher: User):
    route_in_state(world.route, "in_progress", world.driver_profile)
    _pause(dispatcher, world)

    services.stop_complete(
        stop_id=world.stop.pk, driver=world.driver_profile, outcome=StopOutcome.DELIVERED
    )

    assert HouseholdRequest.objects.get(pk=world.request.pk).status == RequestStatus.DELIVERED


def test_it_records_held_through_the_api(world: DriverWorld, driver: User, dispatcher: User):
    route_in_state(world.route, "in_progress", world.driver_profile)
    _pause(dispatcher, world)

    answer = api_client_for(driver).post(
        f"/api/v1/stops/{world.stop.pk}/complete/", {"outcome": "held"}, format="json"
    )

    assert (answer.status_code, answer.json()["outcome"]) == (200, "held")
    assert HouseholdRequest.objects.get(pk=world.request.pk).delivery_attempts == 0


def test_it_lets_a_driver_hand_a_claimed_route_back_without_penalty(
    world: DriverWorld, driver: User
):
    route_in_state(world.route, "claimed", world.driver_profile)

    answer = page_client(driver).post(f"/drive/routes/{world.route.pk}/hand-back/")

    assert answer.status_code == 302
    route = Route.objects.get(pk=world.route.pk)
    assert (route.status, route.driver_id) == (RouteStatus.OPEN, None)
    kinds = list(DriverAction.objects.values_list("kind", flat=True))
    assert kinds == ["claim"]  # no release counted


def test_it_lets_a_driver_stop_a_started_route_for_safety(world: DriverWorld, driver: User):
    route_in_state(world.route, "in_progress", world.driver_profile)

    services.route_hand_back_for_safety(route_id=world.route.pk, driver=world.driver_profile)

    assert Route.objects.get(pk=world.route.pk).status == RouteStatus.CANCELLED
    assert Stop.objects.get(pk=world.stop.pk).outcome == StopOutcome.HELD
    request = HouseholdRequest.objects.get(pk=world.request.pk)
    assert (request.status, request.delivery_attempts) == (RequestStatus.MATCHED, 0)
    assert not DriverAction.objects.filter(kind="release").exists()


def test_it_sends_the_hold_once_to_drivers_of_active_routes(
    world: DriverWorld, dispatcher: User, caplog: pytest.LogCaptureFixture
):
    route_in_state(world.route, "in_progress", world.driver_profile)
    _pause(dispatcher, world)

    with caplog.at_level("INFO", logger="deliveries.holds"):
        first = holds.holds_send()
    second = holds.holds_send()

    assert (first, second) == (1, 0)
    assert f"hold sent for route {world.route.pk}" in caplog.text
    assert_no_secret(caplog.text)
    sent = NoticeSent.objects.filter(kind=NoticeKind.HOLD, route=world.route)
    assert list(sent.values_list("driver_id", "outcome")) == [
        (world.driver_profile.pk, NoticeOutcome.SENT)
    ]


def test_it_comes_back_when_the_pause_is_lifted(
    world: DriverWorld, driver: User, organizer: User, dispatcher: User
):
    route_in_state(world.route, "in_progress", world.driver_profile)
    _pause(dispatcher, world)
    assert_no_secret(text_of(page_client(driver).get(f"/drive/routes/{world.route.pk}/")))

    pauses.zones_lift(user=organizer, zone_ids=[world.zone.pk])

    assert shows_secrets(text_of(page_client(driver).get(f"/drive/routes/{world.route.pk}/")))


def test_it_keeps_a_claim_in_a_paused_zone_from_the_stale_claim_sweep(
    world: DriverWorld, organizer: User, dispatcher: User
):
    route = route_in_state(world.route, "claimed", world.driver_profile)
    past_deadline = services.claim_deadline(route) + dt.timedelta(minutes=1)
    _pause(dispatcher, world)

    released = services.claims_release_stale(now=past_deadline)

    assert released == 0
    kept = Route.objects.get(pk=route.pk)
    assert (kept.status, kept.driver_id) == (RouteStatus.CLAIMED, world.driver_profile.pk)
    # Positive control: once the pause is lifted, the same sweep releases the stale claim.
    pauses.zones_lift(user=organizer, zone_ids=[world.zone.pk])
    assert services.claims_release_stale(now=past_deadline) == 1
    assert Route.objects.get(pk=route.pk).status == RouteStatus.OPEN


def test_a_route_on_hold_does_not_count_toward_the_drivers_cap(
    world: DriverWorld, driver: User, dispatcher: User
):
    other_zone = zone_named("Powderhorn", ("55408",))
    elsewhere = routed_request(zone=other_zone).route
    profile = make_driver(driver, world.zone, max_active_routes=1)
    profile.zones.add(other_zone)
    route_in_state(world.route, "claimed", profile)
    at_cap = _refused(services.route_claim, route_id=elsewhere.pk, driver=profile)
    assert (at_cap.kind, str(at_cap)) == (Kind.REFUSED, str(services.AT_CAP))

    _pause(dispatcher, world)
    claimed = services.route_claim(route_id=elsewhere.pk, driver=profile)

    assert (claimed.status, claimed.driver_id) == (RouteStatus.CLAIMED, profile.pk)
    assert Route.objects.get(pk=world.route.pk).driver_id == profile.pk  # still theirs
