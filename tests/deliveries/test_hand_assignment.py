"""An organizer offers an open route to a vetted driver of its zone; the driver accepts it
(a claim, through the one claim path and its limits) or declines it. The route stays on
the board meanwhile, so an offer racing a board claim has exactly one winner."""

from __future__ import annotations

from functools import partial

import pytest
from django.contrib.auth.models import User
from django.db import connection

from deliveries import services
from deliveries.models import DriverAction, Route, RouteStatus
from mutualaid.errors import Kind, ServiceError
from mutualaid.members import member_add
from tests.conftest import PASSWORD, api_client_for, page_client
from tests.deliveries.conftest import DriverWorld
from tests.deliveries.factories import make_driver, route_in_state
from tests.deliveries.helpers import (
    MISSING,
    assert_login_redirect,
    assert_no_secret,
    messages_of,
    route_snapshot,
    text_of,
)
from tests.deliveries.scenario import routed_request
from tests.deliveries.test_races_postgres import run_together
from tests.household_requests.factories import make_zone

pytestmark = pytest.mark.django_db


def offer(organizer: User, world: DriverWorld, driver_pk: int) -> object:
    return page_client(organizer).post(
        f"/deliveries/routes/{world.route.pk}/offer/", {"driver": driver_pk}, follow=True
    )


def route_of(world: DriverWorld) -> Route:
    return Route.objects.get(pk=world.route.pk)


def test_it_offers_a_route_that_the_driver_sees_first_on_their_board(
    world: DriverWorld, organizer: User, driver: User, other_driver: User
):
    later = routed_request(zone=world.zone).route  # another open route, same zone
    Route.objects.filter(pk=later.pk).update(service_date=world.route.service_date)
    Route.objects.filter(pk=world.route.pk).update(window_start="18:00")

    response = offer(organizer, world, world.driver_profile.pk)

    assert route_of(world).offered_to == world.driver_profile
    assert "Offered to dario" in text_of(response)
    board = page_client(driver).get("/drive/")
    first_route, _loads = board.context["rows"][0]
    assert first_route.pk == world.route.pk
    assert "An organizer offered this route to you." in text_of(board)
    assert "Accept this route" in text_of(board)
    others = text_of(page_client(other_driver).get("/drive/"))
    assert "An organizer offered this route to you." not in others
    assert f"/drive/routes/{world.route.pk}/claim/" in others  # still on everyone's board
    assert_no_secret(text_of(board))


def test_it_claims_the_route_when_the_driver_accepts(
    world: DriverWorld, organizer: User, driver: User
):
    offer(organizer, world, world.driver_profile.pk)

    response = page_client(driver).post(f"/drive/routes/{world.route.pk}/accept/")

    assert response.status_code == 302
    route = route_of(world)
    assert (route.status, route.driver, route.offered_to) == (
        RouteStatus.CLAIMED,
        world.driver_profile,
        None,
    )
    assert DriverAction.objects.filter(driver=world.driver_profile, kind="claim").count() == 1


def test_it_ends_the_offer_when_the_driver_declines(
    world: DriverWorld, organizer: User, driver: User
):
    offer(organizer, world, world.driver_profile.pk)

    response = page_client(driver).post(f"/drive/routes/{world.route.pk}/decline/", follow=True)

    route = route_of(world)
    assert (route.status, route.driver, route.offered_to) == (RouteStatus.OPEN, None, None)
    assert "Offer declined." in " ".join(messages_of(response))
    assert "Accept this route" not in text_of(page_client(driver).get("/drive/"))
    again = page_client(driver).post(f"/drive/routes/{world.route.pk}/accept/", follow=True)
    assert str(services.OFFER_GONE) in messages_of(again)
    assert route_of(world).status == RouteStatus.OPEN


def test_it_lets_an_organizer_withdraw_an_offer(world: DriverWorld, organizer: User):
    offer(organizer, world, world.driver_profile.pk)

    page_client(organizer).post(f"/deliveries/routes/{world.route.pk}/offer/", {"withdraw": "1"})

    assert route_of(world).offered_to is None


def test_it_offers_only_to_vetted_drivers_of_the_zone(world: DriverWorld, organizer: User):
    unvetted = make_driver(
        member_add(username="uma", role="driver", password=PASSWORD), world.zone, vetted=False
    )
    elsewhere = make_driver(
        member_add(username="ezra", role="driver", password=PASSWORD),
        make_zone("Powderhorn", ("55408",)),
    )

    for profile in (unvetted, elsewhere):
        response = offer(organizer, world, profile.pk)
        assert route_of(world).offered_to is None
        assert "Choose a vetted driver of this route's zone." in messages_of(response)
        with pytest.raises(ServiceError) as refused:
            services.route_offer(route_id=world.route.pk, driver_id=profile.pk, user=organizer)
        assert refused.value.field == "driver"


def test_it_offers_only_open_routes(world: DriverWorld, organizer: User):
    route_in_state(world.route, "claimed", world.other_profile)

    with pytest.raises(ServiceError) as refused:
        services.route_offer(
            route_id=world.route.pk, driver_id=world.driver_profile.pk, user=organizer
        )

    assert refused.value.kind == Kind.CONFLICT
    assert route_of(world).offered_to is None


def test_it_keeps_the_claim_limits_on_accepting(world: DriverWorld, organizer: User):
    offer(organizer, world, world.driver_profile.pk)
    world.driver_profile.max_active_routes = 0
    world.driver_profile.save()

    with pytest.raises(ServiceError) as refused:
        services.route_offer_accept(route_id=world.route.pk, driver=world.driver_profile)

    assert refused.value.message == services.AT_CAP
    assert route_of(world).status == RouteStatus.OPEN


def test_it_gives_the_route_to_whoever_claims_first(
    world: DriverWorld, organizer: User, driver: User, other_driver: User
):
    offer(organizer, world, world.driver_profile.pk)

    page_client(other_driver).post(f"/drive/routes/{world.route.pk}/claim/")
    late = page_client(driver).post(f"/drive/routes/{world.route.pk}/accept/", follow=True)

    route = route_of(world)
    assert (route.driver, route.offered_to) == (world.other_profile, None)
    assert str(services.OFFER_GONE) in messages_of(late)


def test_it_answers_each_persona_on_the_offer_and_accept_pages(
    world: DriverWorld, organizer: User, driver: User, other_driver: User, member_without_role: User
):
    outsider = make_driver(
        member_add(username="ezra", role="driver", password=PASSWORD),
        make_zone("Powderhorn", ("55408",)),
    )
    before = route_snapshot()
    offer_url = f"/deliveries/routes/{world.route.pk}/offer/"
    body = {"driver": world.driver_profile.pk}

    assert page_client(driver).post(offer_url, body).status_code == 403
    assert page_client(member_without_role).post(offer_url, body).status_code == 403
    assert_login_redirect(page_client(None).post(offer_url, body))
    missing = f"/deliveries/routes/{MISSING}/offer/"
    assert page_client(organizer).post(missing, body).status_code == 404
    assert route_of(world).offered_to is None

    offer(organizer, world, world.driver_profile.pk)
    for action in ("accept", "decline"):
        url = f"/drive/routes/{world.route.pk}/{action}/"
        assert page_client(outsider.user).post(url).status_code == 404
        assert page_client(organizer).post(url).status_code == 403
        assert_login_redirect(page_client(None).post(url))
        # A driver of the zone who was not offered it: told the offer is not theirs.
        refused = page_client(other_driver).post(url, follow=True)
        assert str(services.OFFER_GONE) in messages_of(refused)
    assert route_snapshot() == before
    assert route_of(world).offered_to == world.driver_profile


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_it_has_one_winner_when_an_accept_races_a_board_claim():
    assert connection.vendor == "postgresql"
    organizer = member_add(username="olga", role="organizer", password=PASSWORD)
    offered = member_add(username="dario", role="driver", password=PASSWORD)
    rival = member_add(username="dana", role="driver", password=PASSWORD)
    for _ in range(5):
        world = routed_request()
        offered_profile = make_driver(offered, world.zone, max_active_routes=10)
        rival_profile = make_driver(rival, world.zone, max_active_routes=10)
        services.route_offer(route_id=world.route.pk, driver_id=offered_profile.pk, user=organizer)

        results = run_together(
            [
                partial(
                    services.route_offer_accept, route_id=world.route.pk, driver=offered_profile
                ),
                partial(services.route_claim, route_id=world.route.pk, driver=rival_profile),
            ]
        )

        won = [r for r in results if isinstance(r, Route)]
        lost = [r for r in results if isinstance(r, ServiceError)]
        assert (len(won), len(lost)) == (1, 1), results
        assert lost[0].kind == Kind.CONFLICT
        route = Route.objects.get(pk=world.route.pk)
        assert route.status == RouteStatus.CLAIMED and route.offered_to is None
        assert route.driver_id == won[0].driver_id
    assert DriverAction.objects.filter(kind="claim").count() == 5


def test_it_accepts_and_declines_offers_through_the_api(
    world: DriverWorld, organizer: User, driver: User, other_driver: User
):
    offer(organizer, world, world.driver_profile.pk)
    board = api_client_for(driver).get("/api/v1/routes/").json()
    rows = board["results"] if isinstance(board, dict) else board
    assert [(r["id"], r["offered_to_me"], r["pantry"]) for r in rows] == [
        (world.route.pk, True, world.route.pantry.name)  # type: ignore[union-attr]
    ]

    not_theirs = api_client_for(other_driver).post(f"/api/v1/routes/{world.route.pk}/decline/")
    accepted = api_client_for(driver).post(f"/api/v1/routes/{world.route.pk}/accept/")

    assert (not_theirs.status_code, not_theirs.json()["detail"]) == (409, str(services.OFFER_GONE))
    assert accepted.status_code == 200
    assert (accepted.json()["status"], accepted.json()["mine"]) == ("claimed", True)
    again = api_client_for(driver).post(f"/api/v1/routes/{world.route.pk}/decline/")
    assert again.status_code == 409
    assert (
        api_client_for(organizer).post(f"/api/v1/routes/{world.route.pk}/accept/").status_code
        == 403
    )
