"""CSV exports of stock and donations: organizers only, the numbers, fixed queries."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.contrib.auth.models import User
from django.test import Client

from mutualaid.timeutil import local_today
from tests.inventory.factories import ItemFactory, LocationFactory, donate
from tests.inventory.pages import page_client
from tests.querycount import assert_queries

pytestmark = pytest.mark.django_db

EXPORT_QUERIES = 4


def _rows(client: Client, url: str) -> list[dict[str, str]]:
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "text/csv"
    text = b"".join(response.streaming_content).decode("utf-8-sig")  # type: ignore[attr-defined]
    return list(csv.DictReader(io.StringIO(text)))


@pytest.mark.parametrize("url", ["/inventory/stock.csv", "/inventory/donations.csv"])
def test_it_exports_to_organizers_only(
    url: str, organizer: User, driver: User, member_without_role: User
):
    assert page_client(organizer).get(url).status_code == 200
    assert page_client(driver).get(url).status_code == 403
    assert page_client(member_without_role).get(url).status_code == 403
    assert page_client(None).get(url)["Location"].startswith("/accounts/login/")


def test_it_exports_stock_by_item_against_target(organizer: User):
    beans = ItemFactory.create(name="Beans", target_on_hand=10)
    donate((beans, 4), (beans, 3))

    rows = {row["item"]: row for row in _rows(page_client(organizer), "/inventory/stock.csv")}

    assert rows["Beans"]["on_hand"] == "7" and rows["Beans"]["target"] == "10"
    assert rows["Beans"]["below_target"] == "True"


def test_it_exports_donation_lines_since_a_date(organizer: User):
    hall = LocationFactory.create(name="Hall")
    donate((ItemFactory.create(name="Rice"), 5), location=hall)

    today = _rows(page_client(organizer), f"/inventory/donations.csv?since={local_today()}")
    future = _rows(
        page_client(organizer), f"/inventory/donations.csv?since={local_today() + dt.timedelta(3)}"
    )

    assert [(r["location"], r["item"], r["quantity"]) for r in today] == [("Hall", "Rice", "5")]
    assert future == []


@pytest.mark.parametrize("url", ["/inventory/stock.csv", "/inventory/donations.csv"])
def test_it_exports_with_a_fixed_number_of_queries(organizer: User, url: str):
    client = page_client(organizer)
    donate((ItemFactory.create(), 1))

    assert_queries(EXPORT_QUERIES, lambda: _rows(client, url))
    for _ in range(5):
        donate((ItemFactory.create(), 2), (ItemFactory.create(), 3))
    assert_queries(EXPORT_QUERIES, lambda: _rows(client, url))
