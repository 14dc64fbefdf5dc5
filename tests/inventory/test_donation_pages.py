"""The donation list and a donation's page."""

from __future__ import annotations

import datetime as dt
import re
from functools import partial
from typing import Any

import pytest
from django.contrib.auth.models import User

from inventory import services
from inventory.models import Item, Location
from mutualaid.timeutil import local_today
from tests.inventory.factories import ItemFactory, donate, fill_shelves
from tests.inventory.pages import page_client
from tests.querycount import assert_queries

pytestmark = pytest.mark.django_db

LIST_QUERIES = 4
DETAIL_QUERIES = 7


def test_it_shows_donation_times_in_the_organization_time_zone(
    organizer: User, rice: Item, hub: Location, settings: Any
):
    settings.ORGANIZATION_TIME_ZONE = "America/Chicago"
    late_evening = dt.datetime(2025, 3, 10, 2, 30, tzinfo=dt.UTC)  # 21:30 the day before
    donation = services.donation_receive(
        location=hub,
        lines=[services.DonationLineInput(item=rice, quantity=1)],
        received_at=late_evening,
    )
    client = page_client(organizer)

    listing = client.get("/inventory/donations/").content.decode()
    detail = client.get(f"/inventory/donations/{donation.pk}/").content.decode()

    assert "03/09/2025 9:30 p.m." in listing
    assert "March 9, 2025, 9:30 p.m." in detail


def test_it_lists_recent_donations_with_their_totals(organizer: User, rice: Item, milk: Item):
    donation = donate((rice, 3), (milk, 2, local_today()))

    text = page_client(organizer).get("/inventory/donations/").content.decode()

    row = re.search(rf'<tr><td><a href="/inventory/donations/{donation.pk}/">.*?</tr>', text, re.S)
    assert row is not None
    cells = re.findall(r'<td class="num">(\d+)</td>', row.group(0))
    assert cells == ["2", "5"]


def test_it_lists_donations_with_a_fixed_number_of_queries(organizer: User):
    client = page_client(organizer)

    def fetch() -> None:
        assert client.get("/inventory/donations/").status_code == 200

    fill_shelves(2)
    assert_queries(LIST_QUERIES, fetch)
    fill_shelves(20)
    assert_queries(LIST_QUERIES, fetch)


def test_it_shows_a_donation_with_a_fixed_number_of_queries(organizer: User):
    client = page_client(organizer)
    small = donate(*[(ItemFactory.create(), 1) for _ in range(2)])
    large = donate(*[(ItemFactory.create(), 1) for _ in range(20)])

    for donation in (small, large):
        url = f"/inventory/donations/{donation.pk}/"
        assert_queries(DETAIL_QUERIES, partial(client.get, url))
