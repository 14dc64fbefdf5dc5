"""/drive/routes/<id>/: who sees which stop's contact, the log of every reveal, the call,
text and map links, and what the page hides once a stop is done."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User

from deliveries.models import ContactReveal, RouteStatus
from household_requests import services as request_services
from tests.conftest import page_client
from tests.deliveries.conftest import DriverWorld, TwoStops
from tests.deliveries.factories import (
    OTHER_CONTACT,
    ROUTE_STATES,
    make_driver,
    planned_route,
    route_in_state,
)
from tests.deliveries.helpers import assert_no_secret, shown, shows_secrets, text_of
from tests.household_requests.factories import SECRET_ADDRESS, contact
from tests.querycount import count_queries

pytestmark = pytest.mark.django_db

ADDRESSES = (SECRET_ADDRESS, OTHER_CONTACT["address"])
PERSONAS = ("driver", "other_driver", "organizer", "anonymous")
REVEALING_STATES = ("in_progress",)


def _expected_status(persona: str, state: str) -> int:
    if persona == "anonymous":
        return 302
    if persona == "other_driver" and state in ("claimed", "in_progress", "completed"):
        return 404  # someone else's route is nobody else's business
    return 200


@pytest.mark.parametrize("state", ROUTE_STATES)
@pytest.mark.parametrize("persona", PERSONAS)
def test_it_reveals_contacts_only_to_the_assigned_driver_of_an_active_route(
    world: DriverWorld, request: pytest.FixtureRequest, persona: str, state: str
):
    route = route_in_state(world.route, state, world.driver_profile)
    viewer = None if persona == "anonymous" else request.getfixturevalue(persona)

    response = page_client(viewer).get(f"/drive/routes/{route.pk}/")

    assert response.status_code == _expected_status(persona, state)
    text = text_of(response)
    reveals = ContactReveal.objects.all()
    if persona == "driver" and state in REVEALING_STATES:
        assert shows_secrets(text)
        assert [(r.user_id, r.stop_id, r.channel) for r in reveals] == [
            (viewer.pk, world.stop.pk, "page")  # type: ignore[union-attr]
        ]
    else:
        assert_no_secret(text)
        assert not reveals.exists()
    if response.status_code == 200:
        assert "no-store" in response["Cache-Control"]
        assert world.request.reference in text


def test_it_logs_every_view_of_the_route_page(world: DriverWorld, driver: User):
    route_in_state(world.route, "in_progress", world.driver_profile)
    client = page_client(driver)

    client.get(f"/drive/routes/{world.route.pk}/")
    client.get(f"/drive/routes/{world.route.pk}/")

    assert list(ContactReveal.objects.values_list("user_id", "stop_id", "channel")) == [
        (driver.pk, world.stop.pk, "page"),
        (driver.pk, world.stop.pk, "page"),
    ]


def test_it_builds_call_text_and_map_links_on_the_page(world: DriverWorld, driver: User):
    route_in_state(world.route, "in_progress", world.driver_profile)

    body = page_client(driver).get(f"/drive/routes/{world.route.pk}/").content.decode()

    assert body.count('href="tel:6125550199"') == 1
    assert body.count('href="sms:6125550199"') == 1
    # With the postal code sealed beside the address (tests/deliveries/test_map_link.py).
    geo = 'href="geo:0,0?q=4417%20Zzyzx%20Leakcheck%20Avenue%2C%20Apt%209%2C%2055404"'
    assert body.count(geo) == 1
    assert "Call or text first" in body


def test_it_leaves_out_call_and_text_links_when_they_are_not_safe(driver: User):
    route = planned_route([contact(reach="knock")])
    route_in_state(route, "in_progress", make_driver(driver))

    response = page_client(driver).get(f"/drive/routes/{route.pk}/")

    seen = shown(response.content.decode(), "tel:", "sms:", "geo:0,0?q=")
    assert seen == [False, False, True]
    assert shows_secrets(text_of(response))
    assert "Knock only: no call, no text" in text_of(response)


def test_it_hides_a_stop_s_contact_once_it_is_delivered(two_stops: TwoStops, driver: User):
    route, first, second = two_stops.route, two_stops.first, two_stops.second
    client = page_client(driver)
    before = shown(text_of(client.get(f"/drive/routes/{route.pk}/")), *ADDRESSES)
    assert before == [True, True]
    last_reveal = ContactReveal.objects.latest("id").pk

    response = client.post(
        f"/drive/stops/{first.pk}/complete/",
        {"outcome": "delivered", "confirm": "yes"},
        follow=True,
    )

    assert response.redirect_chain == [(f"/drive/routes/{route.pk}/", 302)]
    assert "Stop 1 delivered. Thank you!" in text_of(response)
    after = shown(text_of(response), *ADDRESSES)
    assert after == [False, True]
    assert_no_secret(text_of(response))
    route.refresh_from_db()
    assert route.status == RouteStatus.IN_PROGRESS
    revealed_later = ContactReveal.objects.filter(pk__gt=last_reveal).values_list(
        "stop_id", flat=True
    )
    assert list(revealed_later) == [second.pk]


def test_it_shows_no_buttons_for_a_stop_whose_family_cancelled(two_stops: TwoStops, driver: User):
    route, first = two_stops.route, two_stops.first
    request_services.request_cancel(request_id=first.request_id)

    text = text_of(page_client(driver).get(f"/drive/routes/{route.pk}/"))

    assert_no_secret(text)
    assert shown(text, OTHER_CONTACT["address"]) == [True]
    assert f"/drive/stops/{first.pk}/complete/" not in text
    assert "no longer needed" in text


def test_it_reveals_only_the_next_stop_when_so_configured(
    settings: Any, two_stops: TwoStops, driver: User
):
    settings.REVEAL_NEXT_STOP_ONLY = True
    route, first, second = two_stops.route, two_stops.first, two_stops.second
    client = page_client(driver)

    before = text_of(client.get(f"/drive/routes/{route.pk}/"))
    client.post(f"/drive/stops/{first.pk}/complete/", {"outcome": "delivered", "confirm": "yes"})
    after = text_of(client.get(f"/drive/routes/{route.pk}/"))

    assert (shown(before, *ADDRESSES), shown(after, *ADDRESSES)) == ([True, False], [False, True])
    assert "The address shows when this is your next stop." in before
    assert list(ContactReveal.objects.values_list("stop_id", flat=True).order_by("id")) == [
        first.pk,
        second.pk,
    ]


def test_it_keeps_the_route_page_query_count_flat_as_stops_grow(driver: User):
    profile = make_driver(driver)
    small = route_in_state(planned_route([contact()]), "in_progress", profile)
    big = route_in_state(
        planned_route([contact(phone=f"612-555-{n:04d}") for n in range(5)]), "in_progress", profile
    )
    assert (small.stops.count(), big.stops.count()) == (1, 5)
    client = page_client(driver)

    def page(route_id: int) -> int:
        return count_queries(lambda: client.get(f"/drive/routes/{route_id}/"))

    assert page(small.pk) == page(big.pk)
