"""Plain INSERTs write the same rows Django's own insert would."""

from __future__ import annotations

from contextlib import nullcontext

import pytest
from django.db import IntegrityError, transaction
from django.db.models import BooleanField
from django.db.models.expressions import RawSQL
from django.utils import timezone

from household_requests.models import HouseholdRequest, RequestLine, SealedContact, Zone
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


@pytest.mark.django_db(transaction=True)  # so that "outside a transaction" is real
@pytest.mark.parametrize("inside_a_transaction", [False, True])
def test_it_writes_a_request_with_its_rows_all_or_nothing(inside_a_transaction: bool):
    zone = Zone.objects.create(name="Phillips")
    taken = _request(zone, "DDDD-DDDD")
    rows.insert(taken)
    items = ItemFactory.create_batch(3)
    request = _request(zone, "EEEE-EEEE")
    lines = [RequestLine(request=request, item=item, quantity=2) for item in items]
    contact = SealedContact(request=request, sealed=b"sealed", phone_index="p", address_index="")
    clash = _request(zone, "DDDD-DDDD")

    with transaction.atomic() if inside_a_transaction else nullcontext():
        rows.insert_tree(request, [*lines, contact])
        with pytest.raises(IntegrityError):
            rows.insert_tree(clash, [RequestLine(request=clash, item=items[0], quantity=1)])
        # A failed tree leaves the transaction it ran in usable.
        assert HouseholdRequest.objects.count() == 2

    assert request.pk is not None and clash.pk is None
    assert sorted(RequestLine.objects.values_list("request_id", "item_id", "quantity")) == [
        (request.pk, item.pk, 2) for item in items
    ]
    assert SealedContact.objects.get().request_id == request.pk


def test_it_reads_back_what_the_database_computed():
    zone = Zone.objects.create(name="Phillips")
    request = _request(zone, "FFFF-FFFF")
    request.possible_duplicate = RawSQL("%s = %s", ["a", "a"], output_field=BooleanField())

    rows.insert_tree(request, [])

    assert request.possible_duplicate is True
    assert HouseholdRequest.objects.get(pk=request.pk).possible_duplicate


def test_it_refuses_a_row_that_already_exists():
    zone = Zone.objects.create(name="Phillips")

    with pytest.raises(ValueError, match="new"):
        rows.insert(zone)
    with pytest.raises(ValueError, match="new"):
        rows.insert_tree(Zone(name="a"), [zone])
