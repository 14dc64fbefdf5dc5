"""A stock count of one location: enter counts, review the differences, post them together
(one transaction, one `adjusted` ledger row per lot that differs), or nothing."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth.models import User

from inventory import services
from inventory.models import Location, StockLot, StockMovement
from inventory.services import LotCount
from mutualaid.errors import Kind, ServiceError
from tests.inventory.books import allocated_request, assert_books_balance
from tests.inventory.factories import ItemFactory, LocationFactory, donate, row_counts
from tests.inventory.pages import LOGIN, page_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def shelf(db: None) -> tuple[Location, StockLot, StockLot, StockLot]:
    """Three lots at the church (rice 12, beans 8, oil 5) and one elsewhere."""
    church = LocationFactory.create(name="Church")
    rice = ItemFactory.create(name="Rice", max_per_household=10)
    beans, oil = ItemFactory.create(name="Beans"), ItemFactory.create(name="Oil")
    donate((rice, 12), (beans, 8), (oil, 5), location=church)
    donate((rice, 30))
    lots = StockLot.objects.filter(location=church).order_by("pk")
    return church, lots[0], lots[1], lots[2]


def _counts(*rows: tuple[StockLot, int]) -> list[LotCount]:
    return [LotCount(lot.pk, counted, lot.on_hand) for lot, counted in rows]


def _on_hand(*lots: StockLot) -> list[int]:
    return [StockLot.objects.get(pk=lot.pk).on_hand for lot in lots]


def test_it_posts_every_difference_together(shelf: Any, organizer: User):
    church, rice, beans, oil = shelf

    posted = services.location_count_post(
        location=church,
        counts=_counts((rice, 10), (beans, 8), (oil, 7)),
        reason="monthly count",
        actor=organizer,
    )

    assert posted == {rice.pk: -2, oil.pk: 2}
    assert _on_hand(rice, beans, oil) == [10, 8, 7]
    rows = StockMovement.objects.filter(kind="adjusted").order_by("lot_id")
    assert [(r.lot_id, r.on_hand_delta, r.actor) for r in rows] == [
        (rice.pk, -2, organizer),
        (oil.pk, 2, organizer),
    ]
    assert {r.reason for r in rows} == {"stock count at Church: monthly count"}
    assert_books_balance()


def test_it_posts_nothing_if_one_lot_cannot_take_its_count(shelf: Any):
    church, rice, _beans, oil = shelf
    allocated_request(rice.item, 4)
    before = row_counts()

    with pytest.raises(ServiceError) as refused:
        services.location_count_post(
            location=church, counts=_counts((oil, 1), (rice, 3)), reason="count"
        )

    assert (refused.value.kind, refused.value.index) == (Kind.CONFLICT, 1)
    assert str(refused.value) == (
        f"Lot #{rice.pk}: counted 3, but 4 are reserved for requests. Release them first."
    )
    assert row_counts() == before and _on_hand(rice, oil) == [12, 5]
    assert_books_balance()


def test_it_refuses_a_lot_that_changed_since_it_was_counted(shelf: Any):
    church, rice, _beans, _oil = shelf
    seen = _counts((rice, 11))
    services.lot_adjust(lot_id=rice.pk, delta=-1, reason="dropped a bag")

    with pytest.raises(ServiceError) as refused:
        services.location_count_post(location=church, counts=seen, reason="count")

    assert str(refused.value) == (
        f"Lot #{rice.pk} changed since it was counted (now 11 on hand): count it again."
    )
    assert _on_hand(rice) == [11]


def test_it_refuses_a_lot_from_another_location(shelf: Any):
    church = shelf[0]
    elsewhere = StockLot.objects.exclude(location=church).get()

    with pytest.raises(ServiceError) as refused:
        services.location_count_post(location=church, counts=_counts((elsewhere, 0)), reason="x")

    assert str(refused.value) == f"Lot #{elsewhere.pk} is not at this location."
    assert _on_hand(elsewhere) == [30]


# The page: enter, review, post ------------------------------------------------------------


def _differences(html: str) -> list[str]:
    return re.findall(r'class="num difference">([^<]*)<', html)


def test_the_page_reviews_then_posts(shelf: Any, organizer: User):
    church, rice, beans, oil = shelf
    client = page_client(organizer)
    url = f"/inventory/locations/{church.pk}/count/"
    entry = client.get(url).content.decode()
    assert "Count stock at Church" in entry
    assert f'name="counted_{rice.pk}"' in entry and f'name="seen_{rice.pk}"' in entry
    counts = {
        f"counted_{rice.pk}": "9",
        f"seen_{rice.pk}": "12",
        f"counted_{beans.pk}": "",  # not counted: left alone
        f"seen_{beans.pk}": "8",
        f"counted_{oil.pk}": "5",
        f"seen_{oil.pk}": "5",
    }

    review = client.post(url, {**counts, "action": "review"}).content.decode()
    assert _differences(review) == ["+0", "-3"]  # by item name: oil, rice
    assert "1 lot will be adjusted to its count." in review
    assert _on_hand(rice) == [12]  # reviewing writes nothing
    no_reason = client.post(url, {**counts, "action": "post", "reason": ""})
    assert no_reason.status_code == 200 and _on_hand(rice) == [12]

    posted = client.post(url, {**counts, "action": "post", "reason": "shelf count"}, follow=True)

    assert posted.redirect_chain == [("/inventory/", 302)]
    assert "Posted 1 adjustment(s) for Church." in posted.content.decode()
    assert _on_hand(rice, beans, oil) == [9, 8, 5]
    assert_books_balance()


def test_the_review_names_what_stops_a_post(shelf: Any, organizer: User):
    church, rice, _beans, _oil = shelf
    allocated_request(rice.item, 4)
    url = f"/inventory/locations/{church.pk}/count/"
    data = {f"counted_{rice.pk}": "2", f"seen_{rice.pk}": "12"}

    review = page_client(organizer).post(url, {**data, "action": "review"}).content.decode()
    refused = page_client(organizer).post(url, {**data, "action": "post", "reason": "count"})

    assert "counted 2, but 4 are reserved for requests" in review
    assert "Post adjustments" not in review
    assert "counted 2, but 4 are reserved for requests" in refused.content.decode()
    assert _on_hand(rice) == [12]


def test_the_page_asks_for_at_least_one_count(shelf: Any, organizer: User):
    church, rice, _beans, _oil = shelf

    response = page_client(organizer).post(
        f"/inventory/locations/{church.pk}/count/", {f"seen_{rice.pk}": "12", "action": "review"}
    )

    assert "Enter at least one count." in response.content.decode()


def test_only_organizers_count(shelf: Any, driver: User):
    church, rice, _beans, _oil = shelf
    url = f"/inventory/locations/{church.pk}/count/"
    data = {f"counted_{rice.pk}": "1", f"seen_{rice.pk}": "12", "action": "post", "reason": "x"}
    before = row_counts()

    assert page_client(driver).get(url).status_code == 403
    assert page_client(driver).post(url, data).status_code == 403
    assert page_client(None).post(url, data)["Location"].startswith(LOGIN)
    assert page_client(driver).get("/inventory/count/").status_code == 403
    assert row_counts() == before
