"""The stock page: items against their target, and lots about to expire."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.auth.models import User

from mutualaid.timeutil import local_today
from tests.inventory.factories import ItemFactory, fill_shelves, stocked_lot
from tests.inventory.pages import page_client
from tests.querycount import assert_queries

pytestmark = pytest.mark.django_db

STOCK_QUERIES = 6


def test_it_shows_items_below_target_and_lots_expiring_soon(organizer: User):
    beans = ItemFactory.create(name="Beans", target_on_hand=50)
    stocked_lot(beans, quantity=8)
    yogurt = ItemFactory.create(name="Yogurt", perishable=True, target_on_hand=0)
    soon = stocked_lot(yogurt, quantity=4, expires_in_days=2)
    stocked_lot(yogurt, quantity=4, expires_in_days=30)

    client = page_client(organizer)
    text = client.get("/inventory/").content.decode()
    below = client.get("/inventory/?show=below_target").content.decode()
    below_table = below.split("Expiring within")[0]

    assert "below target" in text
    assert f'href="/inventory/lots/{soon.pk}/"' in text
    assert "Beans" in below_table and "Yogurt" not in below_table


def test_it_marks_lots_whose_date_has_passed_as_expired(
    organizer: User, monkeypatch: pytest.MonkeyPatch
):
    lot = stocked_lot(ItemFactory.create(name="Yogurt", perishable=True), expires_in_days=1)
    later = local_today() + dt.timedelta(days=3)
    monkeypatch.setattr("inventory.views.local_today", lambda: later)
    monkeypatch.setattr("inventory.selectors.local_today", lambda: later)

    text = page_client(organizer).get("/inventory/").content.decode()

    row = re.search(
        rf'<tr><td class="title"><a href="/inventory/lots/{lot.pk}/">.*?</tr>', text, re.S
    )
    assert row is not None
    assert "(expired)" in row.group(0)


@pytest.mark.parametrize("url", ["/inventory/", "/inventory/?show=in_stock"])
def test_it_lists_stock_with_a_fixed_number_of_queries(organizer: User, url: str):
    client = page_client(organizer)

    def fetch() -> None:
        assert client.get(url).status_code == 200

    fill_shelves(2)
    assert_queries(STOCK_QUERIES, fetch)
    fill_shelves(20)
    assert_queries(STOCK_QUERIES, fetch)
