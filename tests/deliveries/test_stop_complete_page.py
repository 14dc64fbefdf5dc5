"""POST /drive/stops/<id>/complete/: delivered, or not with a reason from a list (no free
text); the family's contact
goes at once, and the route completes with its last stop."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from deliveries import services
from deliveries.models import FailureReason, RouteStatus, StopOutcome
from household_requests import services as request_services
from household_requests.models import RequestStatus
from tests.conftest import page_client
from tests.deliveries.conftest import DriverWorld, TwoStops
from tests.deliveries.factories import route_in_state
from tests.deliveries.helpers import assert_no_secret, messages_of, text_of

pytestmark = pytest.mark.django_db


def test_it_completes_the_route_with_its_last_stop_and_hides_everything(
    world: DriverWorld, driver: User
):
    route_in_state(world.route, "in_progress", world.driver_profile)
    client = page_client(driver)

    response = client.post(
        f"/drive/stops/{world.stop.pk}/complete/",
        {"outcome": "delivered", "confirm": "yes"},
        follow=True,
    )

    assert response.redirect_chain == [("/drive/mine/", 302)]
    assert "Route complete." in text_of(response)
    world.route.refresh_from_db()
    assert world.route.status == RouteStatus.COMPLETED
    world.request.refresh_from_db()
    assert world.request.status == RequestStatus.DELIVERED
    page = client.get(f"/drive/routes/{world.route.pk}/")
    assert page.status_code == 200
    assert_no_secret(text_of(page))


def test_it_records_a_failed_stop_with_a_reason_from_the_list(two_stops: TwoStops, driver: User):
    first = two_stops.first
    client = page_client(driver)
    form = client.get(f"/drive/routes/{two_stops.route.pk}/")
    assert 'name="reason" value="nobody_home"' in text_of(form)
    assert "<textarea" not in text_of(form)

    response = client.post(
        f"/drive/stops/{first.pk}/complete/",
        {"outcome": "failed", "reason": "nobody_home", "confirm": "yes"},
        follow=True,
    )

    assert "Stop 1 marked not delivered." in text_of(response)
    first.refresh_from_db()
    assert (first.outcome, first.failure_reason) == (StopOutcome.FAILED, FailureReason.NOBODY_HOME)
    assert first.request.status == RequestStatus.SUBMITTED
    assert_no_secret(text_of(response))


def test_it_refuses_an_unknown_outcome_and_a_stop_already_done(two_stops: TwoStops, driver: User):
    first = two_stops.first
    url = f"/drive/stops/{first.pk}/complete/"
    client = page_client(driver)

    odd = client.post(url, {"outcome": "stolen"}, follow=True)
    free_text = client.post(url, {"outcome": "failed", "reason": "Maria moved"}, follow=True)
    no_reason = client.post(url, {"outcome": "failed"}, follow=True)
    first.refresh_from_db()
    assert first.outcome == StopOutcome.PENDING
    client.post(url, {"outcome": "delivered", "confirm": "yes"}, follow=True)
    again = client.post(url, {"outcome": "failed", "reason": "other"}, follow=True)
    again_confirmed = client.post(
        url, {"outcome": "failed", "reason": "other", "confirm": "yes"}, follow=True
    )

    assert "Choose delivered, or not delivered and a reason" in text_of(odd)
    assert "Choose delivered, or not delivered and a reason" in text_of(free_text)
    assert messages_of(no_reason) == [str(services.REASON_REQUIRED)]
    assert messages_of(again) == [str(services.STOP_DONE)]
    assert messages_of(again_confirmed) == [str(services.STOP_DONE)]
    first.refresh_from_db()
    assert (first.outcome, first.failure_reason) == (StopOutcome.DELIVERED, "")


def test_it_settles_a_stop_whose_family_cancelled_without_handing_anything_over(
    two_stops: TwoStops, driver: User
):
    first = two_stops.first
    request_services.request_cancel(request_id=first.request_id)

    late = page_client(driver).post(
        f"/drive/stops/{first.pk}/complete/", {"outcome": "delivered", "confirm": "yes"}
    )

    assert late.status_code == 302
    first.refresh_from_db()
    assert first.outcome == StopOutcome.CANCELLED


def test_it_refuses_a_stop_of_a_route_the_driver_lost(world: DriverWorld, driver: User):
    route_in_state(world.route, "claimed", world.driver_profile)
    services.route_release(route_id=world.route.pk, driver=world.driver_profile)

    response = page_client(driver).post(
        f"/drive/stops/{world.stop.pk}/complete/", {"outcome": "delivered", "confirm": "yes"}
    )

    assert response.status_code == 404
    world.stop.refresh_from_db()
    assert world.stop.outcome == StopOutcome.PENDING
