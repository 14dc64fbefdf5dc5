"""The organizers' delivery pages: routes by reference code, the reveal log without
contacts, and driver profiles."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from deliveries.models import ContactReveal, Driver
from mutualaid.members import member_add
from tests.conftest import PASSWORD, page_client
from tests.deliveries.conftest import DriverWorld
from tests.deliveries.factories import route_in_state, zone_named
from tests.deliveries.helpers import assert_no_secret, text_of
from tests.deliveries.scenario import routed_request
from tests.household_requests.factories import make_zone

pytestmark = pytest.mark.django_db


def test_it_shows_organizers_routes_by_reference_code_only(
    world: DriverWorld, organizer: User, driver: User
):
    route_in_state(world.route, "in_progress", world.driver_profile)
    page_client(driver).get(f"/drive/routes/{world.route.pk}/")
    client = page_client(organizer)

    listing = text_of(client.get("/deliveries/routes/"))
    detail = text_of(client.get(f"/deliveries/routes/{world.route.pk}/"))

    assert f"#{world.route.pk}" in listing
    assert "dario" in listing
    assert world.request.reference in detail
    assert "1 contact reveal on this route" in detail
    for text in (listing, detail):
        assert_no_secret(text)
    assert ContactReveal.objects.filter(user=organizer).count() == 0


def test_it_filters_the_route_list(world: DriverWorld, organizer: User):
    far = routed_request(zone=make_zone("Powderhorn", ("55408",))).route
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
    world: DriverWorld, organizer: User, driver: User, other_driver: User
):
    route_in_state(world.route, "in_progress", world.driver_profile)
    for _ in range(3):
        page_client(driver).get(f"/drive/routes/{world.route.pk}/")
    client = page_client(organizer)

    response = client.get("/deliveries/reveals/")

    text = text_of(response)
    assert_no_secret(text)
    assert world.request.reference in text
    assert "route page" in text
    assert [
        (row["user__username"], row["reveals"], row["stops"], row["routes"])
        for row in response.context["per_driver"]
    ] == [("dario", 3, 1, 1)]
    assert [line["count"] for line in response.context["lines"]] == [3]  # one line per stop and day
    assert len(client.get(f"/deliveries/reveals/?user={other_driver.pk}").context["lines"]) == 0
    assert len(client.get(f"/deliveries/reveals/?route={world.route.pk}").context["lines"]) == 1


def test_it_sets_up_a_driver_profile_for_someone_in_the_driver_group(
    world: DriverWorld, organizer: User
):
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
    world: DriverWorld, organizer: User, member_without_role: User, driver: User
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


def test_it_edits_a_driver_profile_and_takes_back_what_they_may_no_longer_hold(
    world: DriverWorld, organizer: User
):
    route_in_state(world.route, "claimed", world.driver_profile)

    response = page_client(organizer).post(
        f"/deliveries/drivers/{world.driver_profile.pk}/",
        {"vehicle_capacity": "60", "max_active_routes": "3", "active": "on"},
    )

    assert response.status_code == 302
    world.driver_profile.refresh_from_db()
    profile = world.driver_profile
    assert (profile.vetted, profile.vehicle_capacity, profile.max_active_routes) == (False, 60, 3)
    assert list(profile.zones.all()) == []
    world.route.refresh_from_db()
    assert (world.route.status, world.route.driver) == ("open", None)
