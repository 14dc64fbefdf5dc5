"""Plain INSERTs write the same rows Django's own insert would."""

from __future__ import annotations

import pytest
from django.utils import timezone

from household_requests.models import HouseholdRequest, RequestLine, Zone
from mutualaid import rows
from tests.inventory.factories import ItemFactory

pytestmark = pytest.mark.django_db


def _request(zone: Zone, reference: str) -> HouseholdRequest:
    return HouseholdRequest(
        reference=reference,
        status_secret_hash="0" * 64,
        zone=zone,
        adults=2,
        dietary_needs=["halal", "no_pork"],
        preferred_days=["mon"],
        submitted_at=timezone.now(),
    )


def test_it_writes_the_row_django_would_write_and_gives_it_a_key():
    zone = Zone.objects.create(name="Phillips")
    by_django = _request(zone, "AAAA-AAAA")
    by_django.save()
    plain = _request(zone, "BBBB-BBBB")
    plain.submitted_at = by_django.submitted_at

    rows.insert(plain)

    assert plain.pk is not None and plain.pk != by_django.pk and not plain._state.adding
    stored = dict(HouseholdRequest.objects.values().get(pk=plain.pk))
    expected = dict(HouseholdRequest.objects.values().get(pk=by_django.pk))
    differs = {key for key in stored if stored[key] != expected[key]}
    assert differs == {"id", "reference", "updated_at"}
    assert stored["dietary_needs"] == ["halal", "no_pork"]
    assert stored["submitted_at"] == by_django.submitted_at


def test_it_writes_many_rows_in_one_statement(django_assert_num_queries):
    zone = Zone.objects.create(name="Phillips")
    request = _request(zone, "CCCC-CCCC")
    rows.insert(request)
    items = ItemFactory.create_batch(3)

    with django_assert_num_queries(1):
        rows.insert_all([RequestLine(request=request, item=item, quantity=2) for item in items])

    assert sorted(RequestLine.objects.values_list("item_id", "quantity", "allocated")) == [
        (item.pk, 2, 0) for item in items
    ]


def test_it_refuses_a_row_that_already_exists():
    zone = Zone.objects.create(name="Phillips")

    with pytest.raises(ValueError, match="new rows"):
        rows.insert(zone)
    with pytest.raises(ValueError, match="new rows"):
        rows.insert_all([Zone(name="a"), RequestLine(quantity=1)])
