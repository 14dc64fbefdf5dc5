"""/api/v1/routes/: board, claim race rules, the reveal matrix, stop completion."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from deliveries.models import ContactReveal, Route, RouteStatus, Stop
from household_requests.models import RequestStatus
from inventory.models import StockLot
from inventory.selectors import ledger_mismatches
from mutualaid.members import member_add
from tests.conftest import api_client_for
from tests.deliveries.scenario import World, make_driver, routed_request
from tests.household_requests.factories import SECRET_ADDRESS, SECRET_NAME, SECRET_PHONE

pytestmark = pytest.mark.django_db

SECRETS = (SECRET_NAME, SECRET_PHONE, SECRET_ADDRESS)


@pytest.fixture
def world(driver: User, other_driver: User) -> World:
    world = routed_request()
    make_driver(driver, world.zone)
    make_driver(other_driver, world.zone)
    return world


def detail(client: APIClient, world: World) -> dict:
    response = client.get(f"/api/v1/routes/{world.route.pk}/")
    return {
        "status": response.status_code,
        "text": response.content.decode(),
        "json": response.json(),
    }


def test_it_shows_the_board_without_contacts(world: World, driver: User):
    response = api_client_for(driver).get("/api/v1/routes/")

    assert response.status_code == 200
    route = response.json()["results"][0]
    assert route["id"] == world.route.pk
    assert route["status"] == "open" and route["stop_count"] == 1
    assert route["zone"] == world.zone.pk and route["service_date"]
    assert route["stops"][0]["reference"] == world.request.reference
    assert "contact" not in route["stops"][0]
    for secret in SECRETS:
        assert secret not in response.content.decode()


def test_it_answers_the_persona_matrix(
    world: World, organizer: User, member_without_role: User, anonymous_api: APIClient
):
    assert api_client_for(organizer).get("/api/v1/routes/").status_code == 200
    assert api_client_for(member_without_role).get("/api/v1/routes/").status_code == 403
    assert anonymous_api.get("/api/v1/routes/").status_code == 401
    assert anonymous_api.post(f"/api/v1/routes/{world.route.pk}/claim/").status_code == 401
    assert (
        api_client_for(organizer).post(f"/api/v1/routes/{world.route.pk}/claim/").status_code == 403
    )
    assert api_client_for(organizer).get("/api/v1/routes/424242/").status_code == 404


def test_it_hides_routes_of_other_zones_from_a_driver(world: World, driver: User):
    from tests.household_requests.factories import make_zone

    elsewhere = routed_request(zone=make_zone("Frogtown", ("55103",)))
    client = api_client_for(driver)

    assert client.get(f"/api/v1/routes/{elsewhere.route.pk}/").status_code == 404
    assert client.post(f"/api/v1/routes/{elsewhere.route.pk}/claim/").status_code == 404


def _put_in_state(world: World, state: str, driver: User) -> None:
    client = api_client_for(driver)
    if state in {"claimed", "in_progress", "completed", "released"}:
        assert client.post(f"/api/v1/routes/{world.route.pk}/claim/").status_code == 200
    if state in {"in_progress", "completed"}:
        assert client.post(f"/api/v1/routes/{world.route.pk}/start/").status_code == 200
    if state == "completed":
        response = client.post(
            f"/api/v1/stops/{world.stop.pk}/complete/", {"outcome": "delivered"}, format="json"
        )
        assert response.status_code == 200 and response.json()["route_completed"]
    if state == "released":
        assert client.post(f"/api/v1/routes/{world.route.pk}/release/").status_code == 200


@pytest.mark.parametrize("state", ["open", "claimed", "in_progress", "completed", "released"])
def test_it_reveals_the_contact_only_to_the_assigned_driver_of_an_active_route(
    world: World,
    state: str,
    driver: User,
    other_driver: User,
    organizer: User,
    member_without_role: User,
):
    unvetted = member_add(username="newbie", role="driver", password="x-long-enough-1")
    make_driver(unvetted, world.zone, vetted=False)
    _put_in_state(world, state, driver)
    expected_route_status = {
        "open": "open",
        "released": "open",
        "claimed": "claimed",
        "in_progress": "in_progress",
        "completed": "completed",
    }[state]
    assert Route.objects.get(pk=world.route.pk).status == expected_route_status
    on_board = state in {"open", "released"}
    reveals = state in {"claimed", "in_progress"}
    expected_status = {
        "assigned": 200,
        "other": 200 if on_board else 404,  # another driver sees only the open board
        "unvetted": 404,  # no board at all
        "organizer": 200,
        "no role": 403,
        "anonymous": 401,
    }
    clients = {
        "assigned": api_client_for(driver),
        "other": api_client_for(other_driver),
        "unvetted": api_client_for(unvetted),
        "organizer": api_client_for(organizer),
        "no role": api_client_for(member_without_role),
        "anonymous": APIClient(),
    }

    seen = {persona: detail(client, world) for persona, client in clients.items()}

    assert {persona: answer["status"] for persona, answer in seen.items()} == expected_status
    for persona, answer in seen.items():
        shows = persona == "assigned" and reveals
        for secret in SECRETS:
            assert (secret in answer["text"]) == shows, (persona, state, secret)
        if answer["status"] == 200:
            assert ("contact" in answer["json"]["stops"][0]) == shows, (persona, state)
    assert ContactReveal.objects.filter(channel="api").count() == (1 if reveals else 0)
    if reveals:
        log = ContactReveal.objects.get()
        assert (log.user, log.stop_id) == (driver, world.stop.pk)


def test_it_lets_only_one_driver_claim(world: World, driver: User, other_driver: User):
    first = api_client_for(driver).post(f"/api/v1/routes/{world.route.pk}/claim/")
    second = api_client_for(other_driver).post(f"/api/v1/routes/{world.route.pk}/claim/")

    assert first.status_code == 200 and first.json()["status"] == "claimed"
    assert second.status_code == 409
    assert "first" in second.json()["detail"]


def test_it_refuses_an_unvetted_driver_and_one_at_the_cap(
    world: World, driver: User, other_driver: User
):
    make_driver(other_driver, world.zone, vetted=False)
    make_driver(driver, world.zone, max_active_routes=0)

    assert (
        api_client_for(other_driver).post(f"/api/v1/routes/{world.route.pk}/claim/").status_code
        == 403
    )
    assert api_client_for(driver).post(f"/api/v1/routes/{world.route.pk}/claim/").status_code == 403
    assert Route.objects.get(pk=world.route.pk).status == RouteStatus.OPEN


def test_it_delivers_a_stop_consuming_exactly_the_reserved_stock(world: World, driver: User):
    client = api_client_for(driver)
    client.post(f"/api/v1/routes/{world.route.pk}/claim/")
    lot = StockLot.objects.get(item=world.item)
    assert (lot.on_hand, lot.reserved) == (10, 3)

    response = client.post(
        f"/api/v1/stops/{world.stop.pk}/complete/", {"outcome": "delivered"}, format="json"
    )

    assert response.status_code == 200
    lot.refresh_from_db()
    assert (lot.on_hand, lot.reserved) == (7, 0)
    world.request.refresh_from_db()
    assert world.request.status == RequestStatus.DELIVERED
    assert Route.objects.get(pk=world.route.pk).status == RouteStatus.COMPLETED
    assert ledger_mismatches() == []
    again = client.post(
        f"/api/v1/stops/{world.stop.pk}/complete/", {"outcome": "delivered"}, format="json"
    )
    assert again.status_code == 409
    lot.refresh_from_db()
    assert lot.on_hand == 7


def test_it_returns_a_failed_stop_to_the_queue_and_the_stock_to_the_shelf(
    world: World, driver: User, other_driver: User
):
    client = api_client_for(driver)
    client.post(f"/api/v1/routes/{world.route.pk}/claim/")

    response = client.post(
        f"/api/v1/stops/{world.stop.pk}/complete/",
        {"outcome": "failed", "note": "nobody home"},
        format="json",
    )

    assert response.status_code == 200
    world.request.refresh_from_db()
    assert world.request.status == RequestStatus.SUBMITTED
    assert world.request.delivery_attempts == 1
    lot = StockLot.objects.get(item=world.item)
    assert (lot.on_hand, lot.reserved) == (10, 0)
    assert ledger_mismatches() == []
    # Access ended: the completed route shows no contact to its former driver.
    assert SECRET_ADDRESS not in detail(client, world)["text"]


def test_it_refuses_completion_by_another_driver_or_a_bad_outcome(
    world: World, driver: User, other_driver: User
):
    api_client_for(driver).post(f"/api/v1/routes/{world.route.pk}/claim/")

    other = api_client_for(other_driver).post(
        f"/api/v1/stops/{world.stop.pk}/complete/", {"outcome": "delivered"}, format="json"
    )
    bad = api_client_for(driver).post(
        f"/api/v1/stops/{world.stop.pk}/complete/", {"outcome": "lost"}, format="json"
    )

    assert other.status_code == 404
    assert bad.status_code == 400 and "outcome" in bad.json()
    world.request.refresh_from_db()
    assert world.request.status == RequestStatus.SCHEDULED


def test_it_queues_matching_on_request(
    organizer_api: APIClient, driver_api: APIClient, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        response = organizer_api.post("/api/v1/matching/run/")

    assert response.status_code == 202
    assert len(callbacks) == 1
    assert driver_api.post("/api/v1/matching/run/").status_code == 403


def test_it_settles_a_stop_whose_family_cancelled_without_an_error(world: World, driver: User):
    from household_requests import services as request_services

    client = api_client_for(driver)
    client.post(f"/api/v1/routes/{world.route.pk}/claim/")
    request_services.request_cancel(request_id=world.request.pk)

    response = client.post(
        f"/api/v1/stops/{world.stop.pk}/complete/", {"outcome": "delivered"}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["outcome"] == "cancelled" and response.json()["route_completed"]
    lot = StockLot.objects.get(item=world.item)
    assert (lot.on_hand, lot.reserved) == (10, 0)


def test_it_completes_a_route_whose_last_family_cancelled(world: World, driver: User):
    from deliveries import services
    from household_requests import services as request_services

    api_client_for(driver).post(f"/api/v1/routes/{world.route.pk}/claim/")
    request_services.request_cancel(request_id=world.request.pk)

    assert services.routes_settle_cancelled_stops() == 1
    assert Route.objects.get(pk=world.route.pk).status == RouteStatus.COMPLETED
    assert services.routes_settle_cancelled_stops() == 0


def test_it_ends_access_when_a_driver_is_no_longer_vetted(world: World, driver: User):
    from deliveries.drivers import driver_save

    client = api_client_for(driver)
    client.post(f"/api/v1/routes/{world.route.pk}/claim/")
    assert SECRET_ADDRESS in client.get(f"/api/v1/routes/{world.route.pk}/").content.decode()

    driver_save(user=driver, vetted=False)

    route = Route.objects.get(pk=world.route.pk)
    assert route.status == RouteStatus.OPEN and route.driver is None
    assert SECRET_ADDRESS not in client.get(f"/api/v1/routes/{world.route.pk}/").content.decode()


def test_it_refuses_to_claim_a_route_whose_day_passed(world: World, driver: User):
    import datetime as dt

    Route.objects.filter(pk=world.route.pk).update(
        service_date=world.route.service_date - dt.timedelta(days=10)
    )

    response = api_client_for(driver).post(f"/api/v1/routes/{world.route.pk}/claim/")

    assert response.status_code == 409
    assert Route.objects.get(pk=world.route.pk).status == RouteStatus.OPEN


def test_it_keeps_contacts_out_of_the_deliveries_admin(world: World, driver: User):
    from django.test import Client

    api_client_for(driver).post(f"/api/v1/routes/{world.route.pk}/claim/")
    api_client_for(driver).get(f"/api/v1/routes/{world.route.pk}/")  # a reveal is logged
    root = User.objects.create_superuser("root", password="pw-root-12345")
    client = Client()
    client.force_login(root)

    for url in [
        "/admin/deliveries/route/",
        f"/admin/deliveries/route/{world.route.pk}/change/",
        "/admin/deliveries/contactreveal/",
        "/admin/deliveries/driver/",
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        for secret in SECRETS:
            assert secret not in response.content.decode(), (url, secret)


def test_it_ends_access_when_a_driver_leaves_the_zone(world: World, driver: User):
    from deliveries.drivers import driver_save

    client = api_client_for(driver)
    client.post(f"/api/v1/routes/{world.route.pk}/claim/")

    driver_save(user=driver, zones=[])

    route = Route.objects.get(pk=world.route.pk)
    assert route.status == RouteStatus.OPEN and route.driver is None
    assert client.get(f"/api/v1/routes/{world.route.pk}/").status_code == 404


def test_it_takes_back_a_started_route_from_a_driver_who_loses_trust(world: World, driver: User):
    from deliveries.drivers import driver_save

    client = api_client_for(driver)
    client.post(f"/api/v1/routes/{world.route.pk}/claim/")
    client.post(f"/api/v1/routes/{world.route.pk}/start/")

    driver_save(user=driver, active=False)

    assert Route.objects.get(pk=world.route.pk).status == RouteStatus.CANCELLED
    world.request.refresh_from_db()
    assert world.request.status == RequestStatus.MATCHED  # planned again, nothing lost
    done = client.post(
        f"/api/v1/stops/{world.stop.pk}/complete/", {"outcome": "delivered"}, format="json"
    )
    assert done.status_code == 403
    assert StockLot.objects.get(item=world.item).on_hand == 10


def test_it_keeps_a_revoked_driver_revoked_when_the_password_is_reset(world: World, driver: User):
    from deliveries.drivers import driver_save, member_enrol
    from deliveries.models import Driver

    driver_save(user=driver, vetted=False)
    driver.is_active = False
    driver.save()

    member_enrol(username=driver.username, role="driver", password="a-new-long-passphrase")

    driver.refresh_from_db()
    assert not driver.is_active
    assert not Driver.objects.get(user=driver).vetted


def test_it_shows_an_unvetted_driver_no_board(world: World, other_driver: User):
    from deliveries.drivers import driver_save

    driver_save(user=other_driver, vetted=False)

    assert api_client_for(other_driver).get("/api/v1/routes/").json()["count"] == 0


def test_it_forgets_driver_notes_with_the_contact(world: World, driver: User):
    import datetime as dt

    from django.utils import timezone

    from deliveries.services import stop_notes_purge
    from household_requests.retention import contacts_purge

    client = api_client_for(driver)
    client.post(f"/api/v1/routes/{world.route.pk}/claim/")
    client.post(
        f"/api/v1/stops/{world.stop.pk}/complete/",
        {"outcome": "failed", "note": "Blue door, nobody home"},
        format="json",
    )
    from household_requests import services as request_services

    request_services.request_close_unfulfilled(request_id=world.request.pk, reason="moved")
    contacts_purge(now=timezone.now() + dt.timedelta(days=30))

    assert stop_notes_purge() == 1
    assert Stop.objects.get(pk=world.stop.pk).note == ""


def test_it_refuses_to_start_a_route_for_a_driver_no_longer_trusted(world: World, driver: User):
    from deliveries import services
    from deliveries.models import Driver

    profile = make_driver(driver, world.zone)
    services.route_claim(route_id=world.route.pk, driver=profile)
    Driver.objects.filter(pk=profile.pk).update(active=False)  # behind driver_save's back

    with pytest.raises(services.DeliveryError) as refused:
        services.route_start(route_id=world.route.pk, driver=Driver.objects.get(pk=profile.pk))

    assert refused.value.status == 403
    assert Route.objects.get(pk=world.route.pk).status == RouteStatus.CLAIMED
