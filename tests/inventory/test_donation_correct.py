"""Correcting and voiding a donation: through the ledger, never by deleting; a void says
what it could not take back; both pages ask before they change anything."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from inventory import services
from inventory.models import Donation, DonationLine, StockLot, StockMovement
from mutualaid.errors import Kind, ServiceError
from tests.inventory.books import allocated_request, assert_books_balance, delivered_request
from tests.inventory.factories import ItemFactory, LocationFactory, donate, row_counts
from tests.inventory.pages import LOGIN, field_errors, page_client

pytestmark = pytest.mark.django_db


def _lot(donation: Donation, index: int = 0) -> StockLot:
    line = donation.lines.order_by("pk")[index]
    return StockLot.objects.get(donation_line=line)


def test_it_corrects_a_mistyped_quantity_through_the_ledger(organizer: User):
    rice, beans = ItemFactory.create(name="Rice"), ItemFactory.create(name="Beans")
    donation = donate((rice, 100), (beans, 6))
    rice_line, beans_line = donation.lines.order_by("pk")

    changed = services.donation_correct(
        donation_id=donation.pk,
        quantities={rice_line.pk: 10, beans_line.pk: 6},
        reason="typed 100 for 10",
        actor=organizer,
    )

    assert changed == 1
    rice_line.refresh_from_db()
    assert rice_line.quantity == 10 and _lot(donation).on_hand == 10
    assert _lot(donation, 1).on_hand == 6
    row = StockMovement.objects.latest("id")
    assert (row.kind, row.on_hand_delta, row.actor) == ("corrected", -90, organizer)
    assert row.reason == f"donation #{donation.pk} corrected: typed 100 for 10"
    assert Donation.objects.filter(pk=donation.pk).exists()
    assert_books_balance()


def test_it_corrects_upwards(organizer: User):
    rice = ItemFactory.create()
    donation = donate((rice, 4))
    line = donation.lines.get()

    services.donation_correct(
        donation_id=donation.pk, quantities={line.pk: 40}, reason="one more zero", actor=organizer
    )

    assert _lot(donation).on_hand == 40
    assert_books_balance()


def test_it_refuses_to_correct_below_what_already_left_the_shelf():
    rice = ItemFactory.create(max_per_household=10)
    donation = donate((rice, 10))
    line = donation.lines.get()
    delivered_request(rice, 3)
    allocated_request(rice, 2)
    before = row_counts()

    with pytest.raises(ServiceError) as refused:
        services.donation_correct(donation_id=donation.pk, quantities={line.pk: 4}, reason="x")

    assert (refused.value.kind, refused.value.index) == (Kind.CONFLICT, 0)
    assert str(refused.value) == (
        "At least 5: 5 of this line's units are already reserved, handed out, moved or spoiled."
    )
    assert row_counts() == before and _lot(donation).on_hand == 7
    services.donation_correct(donation_id=donation.pk, quantities={line.pk: 5}, reason="x")
    assert _lot(donation).on_hand == 2 and _lot(donation).reserved == 2
    assert_books_balance()


def test_it_voids_what_is_still_on_hand_and_says_what_it_could_not(organizer: User):
    rice = ItemFactory.create(name="Rice", max_per_household=10)
    milk = ItemFactory.create(name="Milk")
    donation = donate((rice, 10), (milk, 5))
    delivered_request(rice, 3)
    allocated_request(rice, 2)

    result = services.donation_void(donation_id=donation.pk, reason="logged twice", actor=organizer)

    assert result.taken_back == 5 + 5
    assert result.left == [
        services.LineLeft(item="Rice", reserved=2, handed_out=3, moved=0, spoiled=0)
    ]
    assert (_lot(donation).on_hand, _lot(donation).reserved) == (2, 2)
    assert _lot(donation, 1).on_hand == 0
    donation.refresh_from_db()
    assert donation.voided_at is not None and donation.voided_by == organizer
    assert DonationLine.objects.filter(donation=donation).count() == 2  # kept, not deleted
    rows = StockMovement.objects.filter(kind="corrected").order_by("lot_id")
    assert [r.on_hand_delta for r in rows] == [-5, -5]
    assert_books_balance()


def test_it_refuses_to_void_or_correct_a_voided_donation():
    donation = donate((ItemFactory.create(), 3))
    services.donation_void(donation_id=donation.pk, reason="mistake")
    before = row_counts()

    with pytest.raises(ServiceError) as voided_again:
        services.donation_void(donation_id=donation.pk, reason="again")
    with pytest.raises(ServiceError) as corrected:
        services.donation_correct(
            donation_id=donation.pk, quantities={donation.lines.get().pk: 1}, reason="again"
        )

    for refused in (voided_again, corrected):
        assert refused.value.message is services.DONATION_VOIDED
        assert refused.value.kind == Kind.CONFLICT
    assert row_counts() == before


def test_it_needs_a_reason_and_a_change():
    donation = donate((ItemFactory.create(), 3))
    line = donation.lines.get()

    for kwargs, message in [
        ({"quantities": {line.pk: 2}, "reason": " "}, services.REASON_REQUIRED),
        ({"quantities": {line.pk: 3}, "reason": "x"}, services.CORRECTION_UNCHANGED),
        ({"quantities": {line.pk + 99: 3}, "reason": "x"}, services.LINE_NOT_IN_DONATION),
        ({"quantities": {line.pk: 0}, "reason": "x"}, services.QUANTITY_NOT_POSITIVE),
    ]:
        with pytest.raises(ServiceError) as refused:
            services.donation_correct(donation_id=donation.pk, **kwargs)  # type: ignore[arg-type]
        assert refused.value.message is message


# Pages ------------------------------------------------------------------------------------


def test_the_correction_page_adjusts_the_lot(organizer: User):
    donation = donate((ItemFactory.create(name="Rice"), 12))
    line = donation.lines.get()
    client = page_client(organizer)

    assert client.get(f"/inventory/donations/{donation.pk}/correct/").status_code == 200
    response = client.post(
        f"/inventory/donations/{donation.pk}/correct/",
        {f"line_{line.pk}": "10", "reason": "miscounted"},
        follow=True,
    )

    assert "Corrected 1 line(s)." in response.content.decode()
    assert _lot(donation).on_hand == 10


def test_the_correction_page_shows_the_lowest_quantity_allowed(organizer: User):
    rice = ItemFactory.create(max_per_household=10)
    donation = donate((rice, 10))
    line = donation.lines.get()
    delivered_request(rice, 6)

    response = page_client(organizer).post(
        f"/inventory/donations/{donation.pk}/correct/",
        {f"line_{line.pk}": "2", "reason": "miscounted"},
    )

    assert response.status_code == 200
    assert field_errors(response, f"id_line_{line.pk}") == [
        "At least 6: 6 of this line's units are already reserved, handed out, moved or spoiled."
    ]
    assert _lot(donation).on_hand == 4


def test_the_void_page_asks_first_then_reports_what_stayed(organizer: User):
    rice = ItemFactory.create(name="Rice", max_per_household=10)
    donation = donate((rice, 10), location=LocationFactory.create(name="Hall"))
    allocated_request(rice, 4)
    client = page_client(organizer)
    url = f"/inventory/donations/{donation.pk}/void/"

    asked = client.get(url)
    without_reason = client.post(url, {"reason": ""})
    assert asked.status_code == 200 and "Yes, void this donation" in asked.content.decode()
    assert without_reason.status_code == 200 and _lot(donation).on_hand == 10

    done = client.post(url, {"reason": "duplicate entry"}, follow=True)

    text = done.content.decode()
    assert f"Donation #{donation.pk} voided: 6 unit(s) taken back." in text
    assert "Rice: not taken back: 4 reserved for requests." in text
    assert "Voided" in text and "Correct quantities" not in text
    assert (_lot(donation).on_hand, _lot(donation).reserved) == (4, 4)
    assert_books_balance()


def test_only_organizers_correct_or_void(driver: User):
    donation = donate((ItemFactory.create(), 5))
    line = donation.lines.get()
    before = row_counts()

    for path, data in [
        ("correct/", {f"line_{line.pk}": "1", "reason": "x"}),
        ("void/", {"reason": "x"}),
    ]:
        url = f"/inventory/donations/{donation.pk}/{path}"
        assert page_client(driver).post(url, data).status_code == 403
        assert page_client(None).post(url, data)["Location"].startswith(LOGIN)
    assert page_client(driver).get(f"/inventory/donations/{donation.pk}/void/").status_code == 403
    assert row_counts() == before and _lot(donation).on_hand == 5
