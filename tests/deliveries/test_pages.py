"""Delivery pages: persona matrix, the reveal matrix of the route page, driver actions,
organizer pages, and query counts that do not grow with rows."""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from deliveries import services
from deliveries.models import ContactReveal, Driver, Route, RouteStatus, Stop, StopOutcome
from household_requests import services as request_services
from household_requests.models import RequestStatus
from mutualaid.members import member_add
from tests.conftest import PASSWORD
from tests.deliveries.factories import (
    OTHER_CONTACT,
    ROUTE_STATES,
    make_driver,
    planned_requests,
    planned_route,
    route_in_state,
    stocked_item,
    zone_named,
)
from tests.household_requests.factories import (
    SECRET_ADDRESS,
    SECRET_NAME,
    SECRET_NOTES,
    SECRET_PHONE,
    contact,
)

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
MISSING = 424242
SECRETS = (SECRET_NAME, SECRET_PHONE, SECRET_ADDRESS, SECRET_NOTES)


def page_client(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def text_of(response: Any) -> str:
    return html.unescape(response.content.decode())


def assert_no_secret(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text
    assert "Leakcheck" not in text  # also catches the url-encoded address of a map link


def assert_login_redirect(response: Any) -> None:
    assert response.status_code == 302
    assert response["Location"].startswith(f"{LOGIN}?next=")


def messages_of(response: Any) -> list[str]:
    return [str(message) for message in response.context["messages"]]


@dataclass
class World:
    route: Route
    stop: Stop
    driver_profile: Driver
    other_profile: Driver


@pytest.fixture
def world(driver: User, other_driver: User) -> World:
    """One open route in Phillips with the SECRET_* family; two vetted drivers there."""
    route = planned_route()
    return World(
        route=route,
        stop=route.stops.get(),
        driver_profile=make_driver(driver),
        other_profile=make_driver(other_driver),
    )


# Persona matrix -------------------------------------------------------------------------

DRIVER_PAGES = ["/drive/", "/drive/mine/"]


def organizer_pages(world: World) -> list[str]:
    return [
        "/deliveries/routes/",
        f"/deliveries/routes/{world.route.pk}/",
        "/deliveries/drivers/",
        "/deliveries/drivers/new/",
        f"/deliveries/drivers/{world.driver_profile.pk}/",
        "/deliveries/reveals/",
    ]


def driver_posts(world: World) -> list[tuple[str, dict[str, str]]]:
    return [
        (f"/drive/routes/{world.route.pk}/claim/", {}),
        (f"/drive/routes/{world.route.pk}/start/", {}),
        (f"/drive/routes/{world.route.pk}/release/", {}),
        (f"/drive/stops/{world.stop.pk}/complete/", {"outcome": "delivered"}),
    ]


def _route_snapshot() -> list[tuple[Any, ...]]:
    return list(Route.objects.values_list("pk", "status", "driver_id").order_by("pk")) + list(
        Stop.objects.values_list("pk", "outcome").order_by("pk")
    )


def test_it_shows_driver_pages_to_drivers(world: World, driver: User, other_driver: User):
    for user in (driver, other_driver):
        client = page_client(user)
        for url in [*DRIVER_PAGES, f"/drive/routes/{world.route.pk}/"]:
            assert client.get(url).status_code == 200, (user.username, url)


def test_it_shows_organizer_pages_to_organizers(world: World, organizer: User):
    client = page_client(organizer)

    for url in organizer_pages(world):
        assert client.get(url).status_code == 200, url


def test_it_refuses_driver_pages_to_organizers_and_members_without_a_role(
    world: World, organizer: User, member_without_role: User
):
    for user in (organizer, member_without_role):
        for url in DRIVER_PAGES:
            assert page_client(user).get(url).status_code == 403, (user.username, url)


def test_it_refuses_organizer_pages_to_drivers_and_members_without_a_role(
    world: World, driver: User, member_without_role: User
):
    for user in (driver, member_without_role):
        for url in organizer_pages(world):
            assert page_client(user).get(url).status_code == 403, (user.username, url)


def test_it_refuses_the_route_page_to_members_without_a_role(
    world: World, member_without_role: User
):
    response = page_client(member_without_role).get(f"/drive/routes/{world.route.pk}/")

    assert response.status_code == 403


def test_it_sends_anonymous_visitors_to_the_login_page(world: World):
    client = page_client(None)

    for url in [*DRIVER_PAGES, f"/drive/routes/{world.route.pk}/", *organizer_pages(world)]:
        assert_login_redirect(client.get(url))


def test_it_refuses_driver_actions_to_everyone_else_and_writes_nothing(
    world: World, organizer: User, member_without_role: User
):
    before = _route_snapshot()

    for url, data in driver_posts(world):
        for user in (organizer, member_without_role):
            assert page_client(user).post(url, data).status_code == 403, (user.username, url)
        assert_login_redirect(page_client(None).post(url, data))
    assert _route_snapshot() == before


def test_it_only_acts_through_a_post(world: World, driver: User):
    client = page_client(driver)

    for url, _data in driver_posts(world):
        assert client.get(url).status_code == 405, url
    assert _route_snapshot()[0][1] == RouteStatus.OPEN


def test_it_answers_404_for_unknown_records(world: World, organizer: User, driver: User):
    for url in [
        f"/deliveries/routes/{MISSING}/",
        f"/deliveries/drivers/{MISSING}/",
        f"/drive/routes/{MISSING}/",
    ]:
        assert page_client(organizer).get(url).status_code == 404, url
    client = page_client(driver)
    assert client.get(f"/drive/routes/{MISSING}/").status_code == 404
    for url in [
        f"/drive/routes/{MISSING}/claim/",
        f"/drive/routes/{MISSING}/start/",
        f"/drive/routes/{MISSING}/release/",
        f"/drive/stops/{MISSING}/complete/",
    ]:
        assert client.post(url, {"outcome": "delivered"}).status_code == 404, url


def test_it_answers_404_to_drivers_outside_the_route(
    world: World, driver: User, other_driver: User
):
    route_in_state(world.route, "claimed", world.driver_profile)
    before = _route_snapshot()
    client = page_client(other_driver)

    assert client.get(f"/drive/routes/{world.route.pk}/").status_code == 404
    for url, data in driver_posts(world)[1:]:
        assert client.post(url, data).status_code == 404, url
    assert _route_snapshot() == before


def test_it_keeps_routes_of_other_zones_off_the_board_and_unclaimable(
    world: World, other_driver: User
):
    zone_named("Powderhorn", ("55408",))
    far = planned_route(postal_code="55408")
    client = page_client(other_driver)

    assert far.zone.name not in text_of(client.get("/drive/"))
    assert client.get(f"/drive/routes/{far.pk}/").status_code == 404
    assert client.post(f"/drive/routes/{far.pk}/claim/").status_code == 404
    far.refresh_from_db()
    assert far.status == RouteStatus.OPEN


def test_it_asks_a_driver_without_a_profile_to_see_an_organizer(world: World):
    newcomer = member_add(username="nadia", role="driver", password=PASSWORD)
    client = page_client(newcomer)

    for url in [*DRIVER_PAGES, f"/drive/routes/{world.route.pk}/"]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "Ask an organizer" in text_of(response), url
    response = client.post(f"/drive/routes/{world.route.pk}/claim/")
    assert response.status_code == 403
    assert "Ask an organizer" in text_of(response)
    world.route.refresh_from_db()
    assert world.route.status == RouteStatus.OPEN


# The reveal matrix of the route page ---------------------------------------------------

PERSONAS = ("driver", "other_driver", "organizer", "anonymous")
REVEALING_STATES = ("claimed", "in_progress")


def _expected_status(persona: str, state: str) -> int:
    if persona == "anonymous":
        return 302
    if persona == "other_driver" and state in ("claimed", "in_progress", "completed"):
        return 404  # someone else's route is nobody else's business
    return 200


@pytest.mark.parametrize("state", ROUTE_STATES)
@pytest.mark.parametrize("persona", PERSONAS)
def test_it_reveals_contacts_on_the_route_page_only_to_the_assigned_driver_of_an_active_route(
    world: World, request: pytest.FixtureRequest, persona: str, state: str
):
    route = route_in_state(world.route, state, world.driver_profile)
    viewer = None if persona == "anonymous" else request.getfixturevalue(persona)

    response = page_client(viewer).get(f"/drive/routes/{route.pk}/")

    assert response.status_code == _expected_status(persona, state)
    text = text_of(response)
    reveals = ContactReveal.objects.all()
    if persona == "driver" and state in REVEALING_STATES:
        for secret in SECRETS:
            assert secret in text, secret
        assert [(r.user_id, r.stop_id, r.channel) for r in reveals] == [
            (viewer.pk, world.stop.pk, "page")  # type: ignore[union-attr]
        ]
    else:
        assert_no_secret(text)
        assert not reveals.exists()
    if response.status_code == 200:
        assert "no-store" in response["Cache-Control"]
        assert world.stop.request.reference in text


def test_it_logs_every_view_of_the_route_page(world: World, driver: User):
    route_in_state(world.route, "claimed", world.driver_profile)
    client = page_client(driver)

    client.get(f"/drive/routes/{world.route.pk}/")
    client.get(f"/drive/routes/{world.route.pk}/")

    assert list(ContactReveal.objects.values_list("user_id", "stop_id", "channel")) == [
        (driver.pk, world.stop.pk, "page"),
        (driver.pk, world.stop.pk, "page"),
    ]


def test_it_builds_call_text_and_map_links_on_the_page(world: World, driver: User):
    route_in_state(world.route, "claimed", world.driver_profile)

    body = page_client(driver).get(f"/drive/routes/{world.route.pk}/").content.decode()

    assert 'href="tel:6125550199"' in body
    assert 'href="sms:6125550199"' in body
    assert 'href="geo:0,0?q=4417%20Zzyzx%20Leakcheck%20Avenue%2C%20Apt%209"' in body


def test_it_leaves_out_call_and_text_links_when_they_are_not_safe(driver: User):
    route = planned_route([contact(safe_to_call=False, safe_to_text=False)])
    route_in_state(route, "claimed", make_driver(driver))

    response = page_client(driver).get(f"/drive/routes/{route.pk}/")

    body = response.content.decode()
    assert SECRET_ADDRESS in text_of(response)
    assert "tel:" not in body
    assert "sms:" not in body
    assert "geo:0,0?q=" in body
    assert "Do not call." in body
    assert "Do not text." in body


def test_it_hides_a_stop_s_contact_once_it_is_delivered(driver: User):
    route = planned_route([contact(), contact(**OTHER_CONTACT)])
    route_in_state(route, "claimed", make_driver(driver))
    first, second = route.stops.order_by("sequence")
    client = page_client(driver)
    before = text_of(client.get(f"/drive/routes/{route.pk}/"))
    assert SECRET_ADDRESS in before
    assert OTHER_CONTACT["address"] in before
    last_reveal = ContactReveal.objects.latest("id").pk

    response = client.post(
        f"/drive/stops/{first.pk}/complete/", {"outcome": "delivered"}, follow=True
    )

    assert response.redirect_chain == [(f"/drive/routes/{route.pk}/", 302)]
    after = text_of(response)
    assert "Stop 1 delivered. Thank you!" in after
    assert_no_secret(after)
    assert OTHER_CONTACT["address"] in after
    first.refresh_from_db()
    assert first.outcome == StopOutcome.DELIVERED
    assert first.request.status == RequestStatus.DELIVERED
    route.refresh_from_db()
    assert route.status == RouteStatus.IN_PROGRESS
    revealed_later = ContactReveal.objects.filter(pk__gt=last_reveal).values_list(
        "stop_id", flat=True
    )
    assert list(revealed_later) == [second.pk]


def test_it_completes_the_route_with_its_last_stop_and_hides_everything(world: World, driver: User):
    route_in_state(world.route, "in_progress", world.driver_profile)
    client = page_client(driver)

    response = client.post(
        f"/drive/stops/{world.stop.pk}/complete/", {"outcome": "delivered"}, follow=True
    )

    assert response.redirect_chain == [("/drive/mine/", 302)]
    assert "Route complete." in text_of(response)
    world.route.refresh_from_db()
    assert world.route.status == RouteStatus.COMPLETED
    page = client.get(f"/drive/routes/{world.route.pk}/")
    assert page.status_code == 200
    assert_no_secret(text_of(page))


def test_it_records_a_failed_stop_with_a_note(driver: User):
    route = planned_route([contact(), contact(**OTHER_CONTACT)])
    route_in_state(route, "in_progress", make_driver(driver))
    first = route.stops.order_by("sequence").first()
    assert first is not None

    response = page_client(driver).post(
        f"/drive/stops/{first.pk}/complete/",
        {"outcome": "failed", "note": "Nobody answered"},
        follow=True,
    )

    assert "Stop 1 marked not delivered." in text_of(response)
    first.refresh_from_db()
    assert (first.outcome, first.note) == (StopOutcome.FAILED, "Nobody answered")
    assert first.request.status == RequestStatus.SUBMITTED
    assert_no_secret(text_of(response))


def test_it_refuses_an_unknown_outcome_and_a_stop_already_done(driver: User):
    route = planned_route([contact(), contact(**OTHER_CONTACT)])
    route_in_state(route, "claimed", make_driver(driver))
    first = route.stops.order_by("sequence").first()
    assert first is not None
    url = f"/drive/stops/{first.pk}/complete/"
    client = page_client(driver)

    odd = client.post(url, {"outcome": "stolen"}, follow=True)
    first.refresh_from_db()
    assert first.outcome == StopOutcome.PENDING
    client.post(url, {"outcome": "delivered"}, follow=True)
    again = client.post(url, {"outcome": "failed", "note": "oops"}, follow=True)

    assert "Choose delivered or not delivered" in text_of(odd)
    assert messages_of(again) == [str(services.STOP_DONE)]
    first.refresh_from_db()
    assert (first.outcome, first.note) == (StopOutcome.DELIVERED, "")


def test_it_shows_no_buttons_for_a_stop_whose_family_cancelled(driver: User):
    route = planned_route([contact(), contact(**OTHER_CONTACT)])
    route_in_state(route, "claimed", make_driver(driver))
    first = route.stops.order_by("sequence").first()
    assert first is not None
    request_services.request_cancel(request_id=first.request_id)
    client = page_client(driver)

    response = client.get(f"/drive/routes/{route.pk}/")

    text = text_of(response)
    assert_no_secret(text)
    assert OTHER_CONTACT["address"] in text
    assert f"/drive/stops/{first.pk}/complete/" not in text
    assert "no longer needed" in text
    late = client.post(f"/drive/stops/{first.pk}/complete/", {"outcome": "delivered"})
    assert late.status_code == 302
    first.refresh_from_db()
    assert first.outcome == StopOutcome.CANCELLED  # settled, nothing handed over


# Board and claims -----------------------------------------------------------------------


def test_it_shows_open_routes_on_the_board_without_any_contact(world: World, driver: User):
    response = page_client(driver).get("/drive/")

    text = text_of(response)
    assert "Phillips" in text
    assert "1 stop" in text
    assert f'action="/drive/routes/{world.route.pk}/claim/"' in response.content.decode()
    item = world.stop.request.lines.get().item
    assert item is not None
    assert response.context["rows"] == [(world.route, [(item.category.name, 2)])]
    assert_no_secret(text)
    assert world.stop.request.reference not in text


def test_it_claims_a_route_from_the_board(world: World, driver: User):
    client = page_client(driver)

    response = client.post(f"/drive/routes/{world.route.pk}/claim/", follow=True)

    assert response.redirect_chain == [(f"/drive/routes/{world.route.pk}/", 302)]
    assert messages_of(response) == [
        "The route is yours. Names and addresses show on this page until the route is done."
    ]
    assert SECRET_ADDRESS in text_of(response)
    world.route.refresh_from_db()
    assert (world.route.status, world.route.driver) == (
        RouteStatus.CLAIMED,
        world.driver_profile,
    )
    assert f"/drive/routes/{world.route.pk}/claim/" not in client.get("/drive/").content.decode()
    mine = text_of(client.get("/drive/mine/"))
    assert f"/drive/routes/{world.route.pk}/" in mine
    assert_no_secret(mine)


def test_it_tells_the_second_driver_that_another_claimed_it_first(
    world: World, driver: User, other_driver: User
):
    page_client(driver).post(f"/drive/routes/{world.route.pk}/claim/")

    response = page_client(other_driver).post(f"/drive/routes/{world.route.pk}/claim/", follow=True)

    assert response.redirect_chain == [("/drive/", 302)]
    assert messages_of(response) == [str(services.CLAIM_LOST)]
    assert "Another driver claimed this route first." in text_of(response)
    world.route.refresh_from_db()
    assert world.route.driver == world.driver_profile
    assert_no_secret(text_of(response))


def test_it_refuses_claims_from_unvetted_drivers(world: World, other_driver: User):
    make_driver(other_driver, vetted=False)
    client = page_client(other_driver)
    assert "has not vetted you yet" in text_of(client.get("/drive/"))

    response = client.post(f"/drive/routes/{world.route.pk}/claim/", follow=True)

    assert messages_of(response) == [str(services.NOT_VETTED)]
    world.route.refresh_from_db()
    assert world.route.status == RouteStatus.OPEN


def test_it_refuses_claims_beyond_the_driver_s_cap(world: World, settings: Any, driver: User):
    settings.ROUTE_MAX_STOPS = 1
    make_driver(driver, max_active_routes=1)
    second = planned_route([contact(**OTHER_CONTACT)])
    client = page_client(driver)
    client.post(f"/drive/routes/{world.route.pk}/claim/", follow=True)

    response = client.post(f"/drive/routes/{second.pk}/claim/", follow=True)

    assert messages_of(response) == [str(services.AT_CAP)]
    second.refresh_from_db()
    assert second.status == RouteStatus.OPEN


def test_it_starts_and_releases_routes_from_the_route_page(
    world: World, settings: Any, driver: User
):
    settings.ROUTE_MAX_STOPS = 1
    second = planned_route([contact(**OTHER_CONTACT)])
    client = page_client(driver)
    for route in (world.route, second):
        client.post(f"/drive/routes/{route.pk}/claim/")
    page = client.get(f"/drive/routes/{world.route.pk}/").content.decode()
    assert f'action="/drive/routes/{world.route.pk}/start/"' in page
    assert f'action="/drive/routes/{world.route.pk}/release/"' in page

    started = client.post(f"/drive/routes/{world.route.pk}/start/", follow=True)
    released = client.post(f"/drive/routes/{second.pk}/release/", follow=True)

    assert started.redirect_chain == [(f"/drive/routes/{world.route.pk}/", 302)]
    assert f"/drive/routes/{world.route.pk}/release/" not in started.content.decode()
    assert released.redirect_chain == [("/drive/mine/", 302)]
    assert "Route released." in text_of(released)
    world.route.refresh_from_db()
    second.refresh_from_db()
    assert world.route.status == RouteStatus.IN_PROGRESS
    assert (second.status, second.driver) == (RouteStatus.OPEN, None)
    after = text_of(client.get(f"/drive/routes/{second.pk}/"))
    assert OTHER_CONTACT["address"] not in after
    refused = client.post(f"/drive/routes/{world.route.pk}/release/", follow=True)
    assert messages_of(refused) == [str(services.NOT_CLAIMED)]


# Organizer pages ------------------------------------------------------------------------


def test_it_shows_organizers_routes_by_reference_code_only(
    world: World, organizer: User, driver: User
):
    route_in_state(world.route, "in_progress", world.driver_profile)
    page_client(driver).get(f"/drive/routes/{world.route.pk}/")
    client = page_client(organizer)

    listing = text_of(client.get("/deliveries/routes/"))
    detail = text_of(client.get(f"/deliveries/routes/{world.route.pk}/"))

    assert f"#{world.route.pk}" in listing
    assert "dario" in listing
    assert world.stop.request.reference in detail
    assert "1 contact reveal on this route" in detail
    for text in (listing, detail):
        assert_no_secret(text)
    assert ContactReveal.objects.filter(user=organizer).count() == 0


def test_it_filters_the_route_list(world: World, organizer: User, settings: Any):
    settings.ROUTE_MAX_STOPS = 1
    zone_named("Powderhorn", ("55408",))
    far = planned_route(postal_code="55408")
    route_in_state(world.route, "claimed", world.driver_profile)
    client = page_client(organizer)

    def listed(query: str) -> list[int]:
        response = client.get(f"/deliveries/routes/?{query}")
        return sorted(route.pk for route, _counts in response.context["rows"])

    assert listed("") == sorted([world.route.pk, far.pk])
    assert listed("status=claimed") == [world.route.pk]
    assert listed(f"zone={far.zone_id}") == [far.pk]
    assert listed(f"day={far.service_date.isoformat()}") == sorted([world.route.pk, far.pk])
    assert listed("day=2001-01-01") == []


def test_it_shows_the_reveal_log_without_contacts(
    world: World, organizer: User, driver: User, other_driver: User
):
    route_in_state(world.route, "claimed", world.driver_profile)
    for _ in range(3):
        page_client(driver).get(f"/drive/routes/{world.route.pk}/")
    client = page_client(organizer)

    response = client.get("/deliveries/reveals/")

    text = text_of(response)
    assert_no_secret(text)
    assert world.stop.request.reference in text
    assert "route page" in text
    assert [
        (row["user__username"], row["reveals"], row["stops"], row["routes"])
        for row in response.context["per_driver"]
    ] == [("dario", 3, 1, 1)]
    assert len(response.context["reveals"]) == 3
    assert len(client.get(f"/deliveries/reveals/?user={other_driver.pk}").context["reveals"]) == 0
    assert len(client.get(f"/deliveries/reveals/?route={world.route.pk}").context["reveals"]) == 3


def test_it_sets_up_a_driver_profile_for_someone_in_the_driver_group(world: World, organizer: User):
    newcomer = member_add(username="nadia", role="driver", password=PASSWORD)
    client = page_client(organizer)
    assert "nadia" in text_of(client.get("/deliveries/drivers/"))
    zone = zone_named()

    response = client.post(
        "/deliveries/drivers/new/",
        {
            "user": newcomer.pk,
            "zones": [zone.pk],
            "vehicle_capacity": "80",
            "available_days": ["sat", "sun"],
            "vetted": "on",
            "max_active_routes": "1",
            "active": "on",
        },
        follow=True,
    )

    assert response.redirect_chain == [("/deliveries/drivers/", 302)]
    assert "Saved driver nadia." in text_of(response)
    profile = Driver.objects.get(user=newcomer)
    assert (
        list(profile.zones.all()),
        profile.vehicle_capacity,
        profile.available_days,
        profile.vetted,
        profile.max_active_routes,
        profile.active,
    ) == ([zone], 80, ["sat", "sun"], True, 1, True)


def test_it_only_sets_up_profiles_for_drivers_without_one(
    world: World, organizer: User, member_without_role: User, driver: User
):
    client = page_client(organizer)

    for user in (member_without_role, driver, organizer):
        response = client.post(
            "/deliveries/drivers/new/",
            {"user": user.pk, "vehicle_capacity": "80", "max_active_routes": "1"},
        )
        assert response.status_code == 200
        assert "Select a valid choice." in text_of(response)
    assert not Driver.objects.filter(user__in=[member_without_role, organizer]).exists()


def test_it_edits_a_driver_profile(world: World, organizer: User):
    response = page_client(organizer).post(
        f"/deliveries/drivers/{world.driver_profile.pk}/",
        {"vehicle_capacity": "60", "max_active_routes": "3", "active": "on"},
    )

    assert response.status_code == 302
    world.driver_profile.refresh_from_db()
    profile = world.driver_profile
    assert (profile.vetted, profile.vehicle_capacity, profile.max_active_routes) == (False, 60, 3)
    assert list(profile.zones.all()) == []


# Query counts ---------------------------------------------------------------------------


def _query_count(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


def test_it_keeps_query_counts_flat_as_rows_grow(settings: Any, organizer: User, driver: User):
    settings.ROUTE_MAX_STOPS = 1
    profile = make_driver(driver, max_active_routes=10)
    organizer_client, driver_client = page_client(organizer), page_client(driver)
    item = stocked_item()
    urls = [
        ("driver", "/drive/"),
        ("driver", "/drive/mine/"),
        ("organizer", "/deliveries/routes/"),
        ("organizer", "/deliveries/drivers/"),
        ("organizer", "/deliveries/reveals/"),
    ]

    def grow(count: int) -> dict[str, int]:
        requests = planned_requests(
            [contact(phone=f"612-555-{n:04d}") for n in range(count)], item=item
        )
        for request in requests[: count // 2]:
            route = Route.objects.get(stops__request=request)
            route_in_state(route, "claimed", profile)
            driver_client.get(f"/drive/routes/{route.pk}/")
        for n in range(count):
            make_driver(member_add(username=f"extra-{count}-{n}", role="driver", password="x"))
        clients = {"driver": driver_client, "organizer": organizer_client}
        return {url: _query_count(clients[who], url) for who, url in urls}

    few = grow(2)
    many = grow(6)

    assert Route.objects.count() == 8
    assert many == few


def test_it_keeps_the_route_page_query_count_flat_as_stops_grow(driver: User):
    profile = make_driver(driver)
    small = route_in_state(planned_route([contact()]), "claimed", profile)
    big = route_in_state(
        planned_route([contact(phone=f"612-555-{n:04d}") for n in range(5)]), "claimed", profile
    )
    assert (small.stops.count(), big.stops.count()) == (1, 5)
    client = page_client(driver)

    assert _query_count(client, f"/drive/routes/{small.pk}/") == _query_count(
        client, f"/drive/routes/{big.pk}/"
    )


def test_it_reveals_only_the_next_stop_when_so_configured(settings: Any, driver: User):
    settings.REVEAL_NEXT_STOP_ONLY = True
    route = planned_route([contact(), contact(**OTHER_CONTACT)])
    route_in_state(route, "claimed", make_driver(driver))
    first, second = route.stops.order_by("sequence")
    client = page_client(driver)

    before = text_of(client.get(f"/drive/routes/{route.pk}/"))
    client.post(f"/drive/stops/{first.pk}/complete/", {"outcome": "delivered"})
    after = text_of(client.get(f"/drive/routes/{route.pk}/"))

    assert SECRET_ADDRESS in before
    assert OTHER_CONTACT["address"] not in before
    assert "The address shows when this is your next stop." in before
    assert_no_secret(after)
    assert OTHER_CONTACT["address"] in after
    assert list(ContactReveal.objects.values_list("stop_id", flat=True).order_by("id")) == [
        first.pk,
        second.pk,
    ]
