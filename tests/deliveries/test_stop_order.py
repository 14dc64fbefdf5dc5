"""Stop order: the driver reorders the waiting stops of a route they started (the server
stores only sequence numbers); organizers move a waiting stop to another open route of the
same zone and day by its reference code, never seeing an address."""

from __future__ import annotations

from functools import partial
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import override_settings

from deliveries import services
from deliveries.models import Driver, Route, Stop
from mutualaid.errors import Kind, ServiceError
from mutualaid.members import member_add
from tests.conftest import PASSWORD, page_client
from tests.deliveries.conftest import DriverWorld, TwoStops
from tests.deliveries.factories import (
    OTHER_CONTACT,
    make_driver,
    plan,
    planned_route,
    route_in_state,
)
from tests.deliveries.helpers import (
    assert_login_redirect,
    assert_no_secret,
    messages_of,
    route_snapshot,
    text_of,
)
from tests.deliveries.scenario import routed_request
from tests.deliveries.test_races_postgres import run_together
from tests.household_requests.factories import contact, make_zone

pytestmark = pytest.mark.django_db


def order_of(route: Route) -> list[int]:
    return list(route.stops.order_by("sequence", "pk").values_list("pk", flat=True))


def reorder(user: User, stop: Stop, direction: str) -> Any:
    return page_client(user).post(
        f"/drive/stops/{stop.pk}/reorder/", {"direction": direction}, follow=True
    )


def test_it_lets_the_driver_move_a_stop_earlier_on_a_started_route(
    two_stops: TwoStops, driver: User
):
    response = reorder(driver, two_stops.second, "up")

    assert order_of(two_stops.route) == [two_stops.second.pk, two_stops.first.pk]
    assert list(two_stops.route.stops.order_by("pk").values_list("sequence", flat=True)) == [2, 1]
    rows = response.context["rows"]
    assert [row.stop.pk for row in rows] == [two_stops.second.pk, two_stops.first.pk]
    assert "Earlier" in text_of(response)

    reorder(driver, two_stops.second, "down")

    assert order_of(two_stops.route) == [two_stops.first.pk, two_stops.second.pk]


def test_it_refuses_moves_past_the_ends_and_of_done_stops(two_stops: TwoStops, driver: User):
    first_up = reorder(driver, two_stops.first, "up")
    assert str(services.NO_SUCH_MOVE) in messages_of(first_up)
    profile = Driver.objects.get(user=driver)
    services.stop_complete(stop_id=two_stops.first.pk, driver=profile, outcome="delivered")

    done = reorder(driver, two_stops.first, "down")

    assert str(services.STOP_DONE) in messages_of(done)
    assert order_of(two_stops.route) == [two_stops.first.pk, two_stops.second.pk]


def test_it_skips_done_stops_when_moving(driver: User):
    route = planned_route(
        [contact(), contact(**OTHER_CONTACT), contact(name="Third", phone="612-555-0103")]
    )
    profile = make_driver(driver)
    route_in_state(route, "in_progress", profile)
    first, second, third = route.stops.order_by("sequence")
    services.stop_complete(stop_id=second.pk, driver=profile, outcome="delivered")

    services.stop_reorder(stop_id=third.pk, driver=profile, direction="up")

    # The third family goes before the first; the delivered stop keeps its place.
    assert order_of(route) == [third.pk, second.pk, first.pk]


def test_it_reorders_only_a_route_the_driver_started(world: DriverWorld, driver: User):
    route_in_state(world.route, "claimed", world.driver_profile)
    before = route_snapshot()

    with pytest.raises(ServiceError) as refused:
        services.stop_reorder(stop_id=world.stop.pk, driver=world.driver_profile, direction="up")

    assert refused.value.message == services.NOT_STARTED
    assert route_snapshot() == before


def test_it_answers_each_persona_on_the_reorder_action(
    two_stops: TwoStops, organizer: User, other_driver: User
):
    make_driver(other_driver)
    url = f"/drive/stops/{two_stops.second.pk}/reorder/"
    before = order_of(two_stops.route)

    assert page_client(other_driver).post(url, {"direction": "up"}).status_code == 404
    assert page_client(organizer).post(url, {"direction": "up"}).status_code == 403
    assert_login_redirect(page_client(None).post(url, {"direction": "up"}))
    assert page_client(other_driver).get(url).status_code == 405
    assert order_of(two_stops.route) == before


def two_open_routes() -> tuple[Route, Route, Stop]:
    """Two open routes of the same zone and day; the first holds the SECRET_* family."""
    with override_settings(ROUTE_MAX_STOPS=1):  # the second family opens a second route
        world = routed_request()
        other = routed_request(zone=world.zone).route
    assert other.pk != world.route.pk
    Route.objects.filter(pk=other.pk).update(service_date=world.route.service_date)
    other.refresh_from_db()
    return world.route, other, world.stop


def test_it_moves_a_stop_to_another_route_by_reference(organizer: User):
    source, target, stop = two_open_routes()
    client = page_client(organizer)

    response = client.post(
        f"/deliveries/routes/{source.pk}/move-stop/",
        {"reference": stop.request.reference.lower(), "route": target.pk},
        follow=True,
    )

    stop.refresh_from_db()
    assert (stop.route_id, stop.sequence) == (target.pk, 2)
    assert f"moved to route #{target.pk}" in " ".join(messages_of(response))
    assert stop.request.reference in text_of(client.get(f"/deliveries/routes/{target.pk}/"))
    assert_no_secret(text_of(response))
    target.refresh_from_db()
    assert target.pantry is not None


def test_it_moves_stops_only_between_open_routes_of_a_zone_and_day(organizer: User, driver: User):
    source, target, stop = two_open_routes()
    far = routed_request(zone=make_zone("Powderhorn", ("55408",))).route
    Route.objects.filter(pk=far.pk).update(service_date=source.service_date)

    with pytest.raises(ServiceError) as elsewhere:
        services.stop_move(reference=stop.request.reference, route_id=far.pk, user=organizer)
    assert elsewhere.value.message == services.MOVE_MISMATCH

    with pytest.raises(ServiceError) as unknown:
        services.stop_move(reference="NOPE-0000", route_id=target.pk, user=organizer)
    assert unknown.value.field == "reference"

    with pytest.raises(ServiceError) as not_allowed:
        services.stop_move(reference=stop.request.reference, route_id=target.pk, user=driver)
    assert not_allowed.value.kind == Kind.REFUSED

    route_in_state(target, "claimed", make_driver(driver))
    with pytest.raises(ServiceError) as frozen:
        services.stop_move(reference=stop.request.reference, route_id=target.pk, user=organizer)
    assert frozen.value.message == services.MOVE_FROZEN
    stop.refresh_from_db()
    assert stop.route_id == source.pk


def test_it_keeps_a_full_route_full(organizer: User):
    _source, target, stop = two_open_routes()

    with override_settings(ROUTE_MAX_STOPS=1), pytest.raises(ServiceError) as full:
        services.stop_move(reference=stop.request.reference, route_id=target.pk, user=organizer)

    assert full.value.message == services.ROUTE_FULL


def test_it_answers_each_persona_on_the_move(organizer: User, driver: User):
    source, target, stop = two_open_routes()
    make_driver(driver)
    url = f"/deliveries/routes/{source.pk}/move-stop/"
    body = {"reference": stop.request.reference, "route": target.pk}
    before = route_snapshot()

    assert page_client(driver).post(url, body).status_code == 403
    assert_login_redirect(page_client(None).post(url, body))
    assert (
        page_client(organizer).post("/deliveries/routes/424242/move-stop/", body).status_code == 404
    )
    assert route_snapshot() == before
    plan()  # the planner leaves a placed stop where it is
    assert route_snapshot() == before


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_it_moves_a_stop_or_refuses_when_a_claim_races_the_move():
    """A claim of the target route and a move into it, at once, on PostgreSQL: either the
    move lands first (the driver claims a route holding the stop) or the claim does (the
    move is refused, the stop stays); never both half-done, never a deadlock."""
    assert connection.vendor == "postgresql"
    organizer = member_add(username="olga", role="organizer", password=PASSWORD)
    profile = make_driver(member_add(username="dario", role="driver", password=PASSWORD))
    source, target, stop = two_open_routes()

    moved, claimed = run_together(
        [
            partial(
                services.stop_move,
                reference=stop.request.reference,
                route_id=target.pk,
                user=organizer,
            ),
            partial(services.route_claim, route_id=target.pk, driver=profile),
        ]
    )

    assert isinstance(claimed, Route), claimed
    stop.refresh_from_db()
    if isinstance(moved, Stop):
        assert stop.route_id == target.pk
    else:
        assert isinstance(moved, ServiceError) and moved.message == services.MOVE_FROZEN
        assert stop.route_id == source.pk
