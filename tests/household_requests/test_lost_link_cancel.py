"""The hotline's cancel by name and postal code (issue 14): an organizer types what a family
that lost its link and reference gives; exactly one open match is cancelled (its stock
released) and only its reference is shown; none or several change nothing. Organizers
only, a few tries an hour, every try recorded without what was typed."""

from __future__ import annotations

import logging

import pytest
from django.contrib.auth.models import User
from django.test import Client

from household_requests import allocation, lost_link
from household_requests.contacts import Contact, seal_contact, unseal_contact
from household_requests.lost_link import request_cancel_by_name
from household_requests.models import (
    HouseholdRequest,
    LostLinkCancel,
    LostLinkOutcome,
    RequestStatus,
    SealedContact,
)
from inventory.models import StockLot
from mutualaid.errors import Kind, ServiceError
from mutualaid.members import member_add
from tests.conftest import PASSWORD, page_client
from tests.household_requests.factories import SECRET_NAME, SECRET_PHONE, contact, make_zone, submit
from tests.inventory.factories import ItemFactory, donate

pytestmark = pytest.mark.django_db

PAGE = "/requests/lost-link/"
# How the hotline volunteer might type the family's name: other case, no hyphen's spacing kept.
TYPED_NAME = "  xochitl   QUETZAL-leakcheck "
OTHER_PHONE = "612-555-0142"


def _statuses() -> set[str]:
    return set(HouseholdRequest.objects.values_list("status", flat=True))


def test_exactly_one_match_is_cancelled_and_its_stock_released(organizer: User):
    make_zone()
    rice = ItemFactory.create()
    donate((rice, 3, None))
    mine = submit(items=[(rice, 2)]).request
    other = submit(contact=contact(name="Someone Else"), items=[(rice, 1)]).request
    allocation.allocate_open_requests()
    assert StockLot.objects.get().reserved == 3  # control: both hold stock

    result = request_cancel_by_name(name=TYPED_NAME, postal_code=" 55407 ", user=organizer)

    assert result.outcome == LostLinkOutcome.CANCELLED
    assert result.reference == mine.reference
    assert HouseholdRequest.objects.get(pk=mine.pk).status == RequestStatus.CANCELLED
    assert HouseholdRequest.objects.get(pk=other.pk).status == RequestStatus.MATCHED
    assert StockLot.objects.get().reserved == 1  # only the other family's unit
    row = LostLinkCancel.objects.get()
    assert (row.by, row.outcome, row.reference) == (organizer, "cancelled", mine.reference)


def test_accents_and_spacing_do_not_matter(organizer: User):
    request = submit(contact=contact(name="José  María Núñez")).request

    result = request_cancel_by_name(name="jose maria nunez", postal_code="55407", user=organizer)

    assert result.reference == request.reference
    assert HouseholdRequest.objects.get().status == RequestStatus.CANCELLED


@pytest.mark.parametrize(
    ("name", "postal_code"),
    [("Xochitl Quetzal", "55407"), (SECRET_NAME, "55404"), (SECRET_NAME, "99999")],
)
def test_a_wrong_name_or_postal_code_changes_nothing(organizer: User, name: str, postal_code: str):
    submit()

    result = request_cancel_by_name(name=name, postal_code=postal_code, user=organizer)

    assert (result.outcome, result.reference) == (LostLinkOutcome.NO_MATCH, "")
    assert _statuses() == {RequestStatus.SUBMITTED}
    assert LostLinkCancel.objects.get().outcome == LostLinkOutcome.NO_MATCH


def test_a_finished_request_is_not_a_match(organizer: User):
    request = submit().request
    HouseholdRequest.objects.filter(pk=request.pk).update(status=RequestStatus.DELIVERED)

    result = request_cancel_by_name(name=SECRET_NAME, postal_code="55407", user=organizer)

    assert result.outcome == LostLinkOutcome.NO_MATCH
    assert _statuses() == {RequestStatus.DELIVERED}


def test_two_families_of_one_name_in_one_postal_code_change_nothing_until_the_phone(
    organizer: User,
):
    first = submit().request
    second = submit(contact=contact(phone=OTHER_PHONE)).request

    several = request_cancel_by_name(name=SECRET_NAME, postal_code="55407", user=organizer)

    assert (several.outcome, several.reference) == (LostLinkOutcome.SEVERAL, "")
    assert _statuses() == {RequestStatus.SUBMITTED}

    one = request_cancel_by_name(
        name=SECRET_NAME, postal_code="55407", phone=f"+1 {OTHER_PHONE}", user=organizer
    )

    assert one.reference == second.reference
    assert HouseholdRequest.objects.get(pk=second.pk).status == RequestStatus.CANCELLED
    assert HouseholdRequest.objects.get(pk=first.pk).status == RequestStatus.SUBMITTED


def test_more_candidates_than_the_bound_open_none(organizer: User, monkeypatch: pytest.MonkeyPatch):
    submit()
    submit(contact=contact(name="Someone Else"))
    opened: list[int] = []

    def counting(row: SealedContact) -> Contact:
        opened.append(row.pk)
        return unseal_contact(row)

    monkeypatch.setattr(lost_link, "unseal_contact", counting)
    monkeypatch.setattr(lost_link, "MAX_CANDIDATES", 1)

    result = request_cancel_by_name(name=SECRET_NAME, postal_code="55407", user=organizer)

    assert (result.outcome, opened) == (LostLinkOutcome.SEVERAL, [])
    assert _statuses() == {RequestStatus.SUBMITTED}

    monkeypatch.setattr(lost_link, "MAX_CANDIDATES", 2)  # control: within the bound, opened
    result = request_cancel_by_name(name=SECRET_NAME, postal_code="55407", user=organizer)
    assert (result.outcome, len(opened)) == (LostLinkOutcome.CANCELLED, 2)


@pytest.mark.parametrize("role", ["driver", "desk", "dispatcher"])
def test_other_roles_are_refused(role: str):
    submit()
    user = member_add(username=f"a-{role}", role=role, password=PASSWORD)

    with pytest.raises(ServiceError) as refused:
        request_cancel_by_name(name=SECRET_NAME, postal_code="55407", user=user)

    assert refused.value.kind == Kind.REFUSED
    assert page_client(user).get(PAGE).status_code == 403
    posted = page_client(user).post(
        PAGE, {"name": SECRET_NAME, "postal_code": "55407", "confirm": "yes"}
    )
    assert posted.status_code == 403
    assert _statuses() == {RequestStatus.SUBMITTED}
    assert not LostLinkCancel.objects.exists()


def test_anonymous_is_sent_to_log_in():
    submit()

    answer = Client().post(PAGE, {"name": SECRET_NAME, "postal_code": "55407", "confirm": "yes"})

    assert answer.status_code == 302
    assert "/login" in answer["Location"]
    assert _statuses() == {RequestStatus.SUBMITTED}


def test_the_hourly_limit_holds_per_organizer(organizer: User):
    submit()
    for _try in range(lost_link.LOST_LINK_TRIES_PER_HOUR):
        result = request_cancel_by_name(name="Nobody Here", postal_code="55407", user=organizer)
        assert result.outcome == LostLinkOutcome.NO_MATCH

    with pytest.raises(ServiceError) as limited:
        request_cancel_by_name(name=SECRET_NAME, postal_code="55407", user=organizer)

    assert limited.value.kind == Kind.REFUSED
    assert _statuses() == {RequestStatus.SUBMITTED}  # the right name, refused all the same
    assert LostLinkCancel.objects.filter(outcome=LostLinkOutcome.LIMITED).count() == 1
    another = member_add(username="otto", role="organizer", password=PASSWORD)
    allowed = request_cancel_by_name(name=SECRET_NAME, postal_code="55407", user=another)
    assert allowed.outcome == LostLinkOutcome.CANCELLED


def test_the_page_asks_first_then_shows_only_the_reference(organizer: User):
    request = submit().request
    client = page_client(organizer)
    typed = {"name": TYPED_NAME, "postal_code": "55407", "phone": ""}

    assert client.get("/requests/").content.decode().count(PAGE) == 1  # reached from the queue
    asked = client.post(PAGE, typed)

    assert asked.status_code == 200
    assert "Yes, cancel the matching request" in asked.content.decode()
    assert _statuses() == {RequestStatus.SUBMITTED}

    done = client.post(PAGE, {**typed, "confirm": "yes"}, follow=True)

    page = done.content.decode()
    assert f"Request {request.reference} is cancelled." in page
    assert _statuses() == {RequestStatus.CANCELLED}
    for secret in ("Xochitl", "Leakcheck", "55407", "0199", "Zzyzx"):
        assert secret not in page
    assert "style=" not in page and "<script>" not in page


def test_the_page_says_the_same_for_none_and_several(organizer: User):
    submit()
    submit()
    client = page_client(organizer)

    several = client.post(
        PAGE, {"name": SECRET_NAME, "postal_code": "55407", "confirm": "yes"}, follow=True
    ).content.decode()
    none = client.post(
        PAGE, {"name": "Nobody", "postal_code": "55407", "confirm": "yes"}, follow=True
    ).content.decode()

    message = "No single request matched: ask for the phone number too."
    assert message in several and message in none
    assert _statuses() == {RequestStatus.SUBMITTED}
    record = list(LostLinkCancel.objects.values_list("outcome", flat=True))
    assert record == [LostLinkOutcome.NO_MATCH, LostLinkOutcome.SEVERAL]  # newest first


def test_nothing_typed_is_logged_or_recorded(organizer: User, caplog: pytest.LogCaptureFixture):
    request = submit().request
    submit(contact=contact(name="Someone Else", phone=OTHER_PHONE))
    # Positive control: what we look for is in the sealed contact, as unsealing shows.
    opened = unseal_contact(SealedContact.objects.get(request=request))
    assert opened.name == SECRET_NAME and opened.postal_code == "55407"
    client = page_client(organizer)

    with caplog.at_level(logging.DEBUG):
        client.post(PAGE, {"name": "Nobody", "postal_code": "55407", "confirm": "yes"})
        client.post(
            PAGE,
            {"name": SECRET_NAME, "postal_code": "55407", "phone": SECRET_PHONE, "confirm": "yes"},
        )

    assert "cancel by name: cancelled" in caplog.text  # control: the try was logged
    stored = [
        f"{row.by_id} {row.at:%c} {row.outcome} {row.reference}"
        for row in LostLinkCancel.objects.all()
    ]
    assert len(stored) == 2
    for secret in (opened.name, "Xochitl", "Nobody", "Someone", "55407", "0199", "0142"):
        assert secret not in caplog.text
        assert not any(secret in line for line in stored)
    assert HouseholdRequest.objects.get(pk=request.pk).status == RequestStatus.CANCELLED


def test_a_blank_name_or_postal_code_is_refused_and_not_counted(organizer: User):
    submit()

    with pytest.raises(ServiceError) as refused:
        request_cancel_by_name(name="   ", postal_code="55407", user=organizer)

    assert refused.value.kind == Kind.INVALID
    assert not LostLinkCancel.objects.exists()


def test_a_contact_sealed_before_postal_codes_matches_on_its_zone(organizer: User):
    make_zone()
    make_zone("Elsewhere", ("55999",))
    request = submit().request
    row = SealedContact.objects.get(request=request)
    row.sealed = seal_contact(contact(postal_code=""))
    row.save(update_fields=["sealed"])

    elsewhere = request_cancel_by_name(name=SECRET_NAME, postal_code="55999", user=organizer)
    assert elsewhere.outcome == LostLinkOutcome.NO_MATCH
    same_zone = request_cancel_by_name(name=SECRET_NAME, postal_code="55404", user=organizer)
    assert same_zone.reference == request.reference
