"""The organizers' dashboard: counts of the network, for organizers only, in fixed queries."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from deliveries.dashboard import dashboard
from tests.conftest import api_client_for, page_client
from tests.deliveries.factories import route_in_state
from tests.deliveries.helpers import assert_no_secret, text_of
from tests.deliveries.scenario import make_driver, routed_request
from tests.querycount import count_queries

pytestmark = pytest.mark.django_db

DASHBOARD_QUERIES = 11  # with the paused-zones banner (issue 14); requests counted in one pass


def test_it_shows_the_dashboard_to_organizers_only(
    organizer: User, driver: User, member_without_role: User
):
    routed_request()

    assert page_client(organizer).get("/dashboard/").status_code == 200
    assert page_client(driver).get("/dashboard/").status_code == 403
    assert page_client(member_without_role).get("/dashboard/").status_code == 403
    assert page_client(None).get("/dashboard/")["Location"].startswith("/accounts/login/")
    assert page_client(organizer).get("/home/")["Location"] == "/dashboard/"


def test_it_counts_requests_deliveries_and_address_views(organizer: User, driver: User):
    world = routed_request(quantity=2)
    profile = make_driver(driver, world.zone)
    route_in_state(world.route, "in_progress", profile)
    api = api_client_for(driver)
    api.get(f"/api/v1/routes/{world.route.pk}/")  # one address view
    api.post(f"/api/v1/stops/{world.stop.pk}/complete/", {"outcome": "delivered"}, format="json")
    routed_request(zone=world.zone)

    board = dashboard()

    statuses = {bar.label: bar.value for bar in board.requests_by_status}
    assert statuses["Delivered"] == 1 and statuses["Scheduled"] == 1
    assert {bar.label: bar.value for bar in board.open_by_zone} == {"Phillips": 1}
    assert board.delivered_last_30_days == 1
    assert board.people_fed_last_30_days == 3  # the factory's 2 adults and 1 child
    assert board.reveals_last_7_days == 1
    assert_no_secret(text_of(page_client(organizer).get("/dashboard/")))


def test_it_reads_the_dashboard_with_a_fixed_number_of_queries(organizer: User):
    world = routed_request()
    client = page_client(organizer)
    few = count_queries(lambda: client.get("/dashboard/"))
    for _ in range(4):
        routed_request(zone=world.zone)
    many = count_queries(lambda: client.get("/dashboard/"))

    assert (few, many) == (DASHBOARD_QUERIES, DASHBOARD_QUERIES)
