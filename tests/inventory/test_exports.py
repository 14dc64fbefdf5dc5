"""CSV exports of stock and donations: organizers only, the numbers, fixed queries."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from mutualaid.timeutil import local_today
from tests.inventory.factories import ItemFactory, LocationFactory, donate

pytestmark = pytest.mark.django_db


def _client(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _rows(client: Client, url: str) -> list[dict[str, str]]:
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "text/csv"
    text = b"".join(response.streaming_content).decode()  # type: ignore[attr-defined]
    return list(csv.DictReader(io.StringIO(text)))


@pytest.mark.parametrize("url", ["/inventory/stock.csv", "/inventory/donations.csv"])
def test_it_exports_to_organizers_only(
    url: str, organizer: User, driver: User, member_without_role: User
):
    assert _client(organizer).get(url).status_code == 200
    assert _client(driver).get(url).status_code == 403
    assert _client(member_without_role).get(url).status_code == 403
    assert _client(None).get(url)["Location"].startswith("/accounts/login/")


def test_it_exports_stock_by_item_against_target(organizer: User):
    beans = ItemFactory.create(name="Beans", target_on_hand=10)
    donate((beans, 4), (beans, 3))

    rows = {row["item"]: row for row in _rows(_client(organizer), "/inventory/stock.csv")}

    assert rows["Beans"]["on_hand"] == "7" and rows["Beans"]["target"] == "10"
    assert rows["Beans"]["below_target"] == "True"


def test_it_exports_donation_lines_since_a_date(organizer: User):
    hall = LocationFactory.create(name="Hall")
    donate((ItemFactory.create(name="Rice"), 5), location=hall)

    today = _rows(_client(organizer), f"/inventory/donations.csv?since={local_today()}")
    future = _rows(
        _client(organizer), f"/inventory/donations.csv?since={local_today() + dt.timedelta(3)}"
    )

    assert [(r["location"], r["item"], r["quantity"]) for r in today] == [("Hall", "Rice", "5")]
    assert future == []


def test_it_exports_with_a_fixed_number_of_queries(organizer: User):
    client = _client(organizer)
    donate((ItemFactory.create(), 1))

    def count(url: str) -> int:
        _rows(client, url)
        with CaptureQueriesContext(connection) as captured:
            _rows(client, url)
        return len(captured)

    few = [count("/inventory/stock.csv"), count("/inventory/donations.csv")]
    for _ in range(5):
        donate((ItemFactory.create(), 2), (ItemFactory.create(), 3))
    assert [count("/inventory/stock.csv"), count("/inventory/donations.csv")] == few
