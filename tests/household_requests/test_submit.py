"""Submitting (by the request rules), sealing, duplicates, the status link, cancelling."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client

from household_requests import request_check, request_rules, services
from household_requests.contacts import unseal_contact
from household_requests.models import HouseholdRequest, RequestStatus, SealedContact, Zone
from household_requests.services import SubmittedRequest
from mutualaid.errors import Kind, ServiceError
from tests.household_requests.factories import (
    SECRET_ADDRESS,
    SECRET_NAME,
    SECRET_NOTES,
    SECRET_PHONE,
    contact,
    make_zone,
    submit,
)
from tests.inventory.factories import ItemFactory, LocationFactory

pytestmark = pytest.mark.django_db

SECRETS = (SECRET_NAME, SECRET_PHONE, SECRET_ADDRESS, SECRET_NOTES)


def test_it_seals_the_contact_so_no_table_holds_it_in_the_clear():
    submitted = submit()

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT sealed, phone_index, address_index FROM household_requests_sealedcontact"
        )
        rows = cursor.fetchall()
    dump = repr(rows) + repr(list(HouseholdRequest.objects.values()))
    for secret in SECRETS:
        assert secret not in dump
    assert "Leakcheck" not in dump
    opened = unseal_contact(SealedContact.objects.get(request=submitted.request))
    assert (opened.name, opened.phone, opened.address) == (
        SECRET_NAME,
        SECRET_PHONE,
        SECRET_ADDRESS,
    )


def test_it_never_prints_a_contact():
    assert SECRET_NAME not in repr(contact()) and SECRET_NAME not in str(contact())


def test_it_flags_a_possible_duplicate_by_phone_or_address_but_not_a_stranger():
    first = submit()
    same_phone = submit(contact=contact(phone="(612) 555 0199", address="1 Other St"))
    same_address = submit(
        contact=contact(phone="651 555 0000", address="4417 zzyzx leakcheck ave apt 9")
    )
    stranger = submit(contact=contact(phone="651 555 1111", address="9 Elsewhere Rd"))

    assert not HouseholdRequest.objects.get(pk=first.request.pk).possible_duplicate
    assert HouseholdRequest.objects.get(pk=same_phone.request.pk).possible_duplicate
    assert HouseholdRequest.objects.get(pk=same_address.request.pk).possible_duplicate
    assert not HouseholdRequest.objects.get(pk=stranger.request.pk).possible_duplicate


def test_it_does_not_flag_a_duplicate_of_a_finished_request():
    first = submit()
    services.request_cancel(request_id=first.request.pk)

    again = submit()

    assert not HouseholdRequest.objects.get(pk=again.request.pk).possible_duplicate


def test_it_gives_a_short_reference_and_a_long_secret():
    submitted = submit()

    assert len(submitted.request.reference) == 9 and submitted.request.reference[4] == "-"
    assert len(submitted.status_secret) >= 22  # 128 bits or more in url-safe base64
    assert submitted.status_secret not in submitted.request.status_secret_hash


def test_it_shows_the_status_page_only_with_the_right_secret(client: Client):
    submitted = submit()
    ref = submitted.request.reference

    ok = client.get(f"/request/status/{ref}/{submitted.status_secret}/")
    wrong = client.get(f"/request/status/{ref}/{'A' * 32}/")
    missing = client.get(f"/request/status/ZZZZ-ZZZZ/{submitted.status_secret}/")

    assert ok.status_code == 200 and ref in ok.content.decode()
    assert wrong.status_code == 404
    assert missing.status_code == 404
    body = ok.content.decode()
    for secret in SECRETS:
        assert secret not in body


def test_it_cancels_once_and_cancelling_again_changes_nothing(client: Client):
    submitted = submit()
    url = f"/request/status/{submitted.request.reference}/{submitted.status_secret}/cancel/"

    # The status page's confirm step said yes (tests/household_requests/test_missed_visit.py
    # has the step itself).
    first = client.post(url, {"confirm": "yes"})
    request = HouseholdRequest.objects.get(pk=submitted.request.pk)
    second = client.post(url, {"confirm": "yes"})

    assert first.status_code == 302 and second.status_code == 302
    assert request.status == RequestStatus.CANCELLED
    again = HouseholdRequest.objects.get(pk=submitted.request.pk)
    assert again.status == RequestStatus.CANCELLED
    assert again.finished_at == request.finished_at


def test_it_refuses_to_cancel_with_a_wrong_secret(client: Client):
    submitted = submit()

    response = client.post(f"/request/status/{submitted.request.reference}/{'B' * 32}/cancel/")

    assert response.status_code == 404
    assert HouseholdRequest.objects.get(pk=submitted.request.pk).status == RequestStatus.SUBMITTED


def test_it_replaces_the_contact_without_showing_the_old_one(client: Client):
    submitted = submit()
    url = f"/request/status/{submitted.request.reference}/{submitted.status_secret}/"

    response = client.post(
        url,
        {"name": "New Name", "phone": "651 555 2222", "address": "77 New Street", "reach": "text"},
    )

    assert response.status_code == 302
    opened = unseal_contact(SealedContact.objects.get(request=submitted.request))
    assert (opened.name, opened.address) == ("New Name", "77 New Street")
    page = client.get(url).content.decode()
    assert "New Name" not in page and "77 New Street" not in page


def test_it_checks_new_contact_details_by_the_request_rules(client: Client):
    submitted = submit()
    url = f"/request/status/{submitted.request.reference}/{submitted.status_secret}/"

    response = client.post(
        url, {"name": "Ana", "phone": "call me", "address": "1 Main St", "reach": "call"}
    )
    with pytest.raises(ServiceError) as error:
        services.request_update_contact(
            request_id=submitted.request.pk, contact=contact(name="<b>Ana</b>")
        )

    assert response.context["contact_form"].errors == {"phone": [str(request_rules.BAD_PHONE)]}
    assert (error.value.field, str(error.value)) == ("name", str(request_rules.PLAIN_TEXT_ONLY))
    assert unseal_contact(SealedContact.objects.get(request=submitted.request)).name == SECRET_NAME


def test_it_does_not_ask_for_an_address_for_pickup():
    from tests.inventory.factories import LocationFactory

    church = LocationFactory.create(name="St. Mary's")
    submitted = submit(fulfilment="pickup", pickup_location=church, contact=contact(address=""))

    opened = unseal_contact(SealedContact.objects.get(request=submitted.request))
    assert opened.address == ""
    assert submitted.request.pickup_location == church


def test_it_refuses_delivery_without_an_address():
    with pytest.raises(ServiceError) as error:
        submit(contact=contact(address="   "))

    assert (error.value.kind, error.value.field) == (Kind.INVALID, "address")
    assert HouseholdRequest.objects.count() == 0


def test_it_checks_a_request_by_the_request_rules_whoever_calls():
    rice = ItemFactory.create(max_per_household=4)

    with pytest.raises(ServiceError) as over:
        submit(items=[(ItemFactory.create(), 1), (rice, 5)])
    with pytest.raises(ServiceError) as free_text:
        submit(dietary_needs=["Maria 612-555-0177"])

    assert (over.value.field, over.value.index) == ("quantity", 1)
    assert str(over.value) == str(request_rules.AT_MOST) % {"limit_value": 4}
    assert free_text.value.field == "dietary_needs"
    assert HouseholdRequest.objects.count() == 0


def test_it_refuses_to_cancel_a_finished_request_as_a_conflict():
    submitted = submit()
    services.request_close_unfulfilled(request_id=submitted.request.pk, reason="moved_away")

    with pytest.raises(ServiceError) as error:
        services.request_cancel(request_id=submitted.request.pk)

    assert error.value.kind == Kind.CONFLICT
    assert str(error.value) == str(services.CANNOT_CANCEL)


def test_it_keeps_no_address_when_a_pickup_family_updates_their_contact(client: Client):
    from tests.inventory.factories import LocationFactory

    submitted = submit(
        fulfilment="pickup", pickup_location=LocationFactory.create(), contact=contact(address="")
    )

    services.request_update_contact(
        request_id=submitted.request.pk, contact=contact(address="5 Typed Anyway Rd")
    )

    sealed = SealedContact.objects.get(request=submitted.request)
    assert unseal_contact(sealed).address == ""
    assert sealed.address_index == ""


def test_it_finds_the_zone_of_an_active_postal_code_only():
    make_zone()
    make_zone(name="Closed", codes=("55408",))
    Zone.objects.filter(name="Closed").update(active=False)

    found = request_check.zone_for_postal_code(" 55407-1234 ")

    assert found is not None and found.name == "Phillips"
    assert request_check.zone_for_postal_code("55408") is None
    assert request_check.zone_for_postal_code("99999") is None


def test_it_flags_duplicates_of_open_requests_only_and_never_by_an_empty_index():
    place = LocationFactory.create()

    def pickup_for(phone: str) -> SubmittedRequest:
        return submit(contact=contact(phone=phone), fulfilment="pickup", pickup_location=place)

    first = pickup_for("651 555 1000")
    same_phone = pickup_for("651 555 1000")
    # Pickup keeps no address: two empty address indexes are not a match.
    stranger = pickup_for("651 555 2000")
    services.request_cancel(request_id=first.request.pk)
    services.request_cancel(request_id=same_phone.request.pk)
    after_cancel = pickup_for("651 555 1000")

    flagged = dict(HouseholdRequest.objects.values_list("pk", "possible_duplicate"))
    assert flagged[first.request.pk] is False and flagged[same_phone.request.pk] is True
    assert flagged[stranger.request.pk] is False and flagged[after_cancel.request.pk] is False
    assert stranger.request.sealed_contact.address_index == ""


def test_it_draws_another_reference_when_one_is_taken(monkeypatch: pytest.MonkeyPatch):
    taken = submit().request.reference
    draws = iter([taken, taken, "ZZZZ-9999"])
    monkeypatch.setattr(services, "new_reference", lambda: next(draws))

    again = submit()

    assert again.request.reference == "ZZZZ-9999"
    assert HouseholdRequest.objects.count() == 2
