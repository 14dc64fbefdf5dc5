"""Writes to household requests: submit, cancel, update contact, triage.

Contact details arrive, are sealed, and are never written anywhere in the clear. Every
request is read by `request_rules`, whichever way it came in.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import hmac
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from household_requests import allocation, door_word, request_check, request_rules
from household_requests.contacts import (
    Contact,
    address_index,
    phone_index,
    seal_contact,
)
from household_requests.models import (
    OPEN_STATUSES,
    ORGANIZER_CLOSE_REASONS,
    Channel,
    CloseReason,
    Fulfilment,
    HouseholdRequest,
    RequestLine,
    RequestStatus,
    SealedContact,
    Urgency,
    Zone,
)

# What request_submit takes, also known as services.RequestInput and services.LineInput.
from household_requests.request_check import LineInput as LineInput
from household_requests.request_check import RequestInput as RequestInput
from household_requests.request_rules import Problem, Reading
from mutualaid.errors import Kind, ServiceError
from mutualaid.jobs import announce
from mutualaid.schedule import Event

REFERENCE_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"  # no I, L, O, U, 0, 1
STATUS_SECRET_BYTES = 24  # 192 bits

CANNOT_CANCEL = _("This request was already finished and can no longer be cancelled.")
CANNOT_UPDATE = _("This request is finished; its contact details can no longer change.")
CLOSE_REASON_REQUIRED = _("Choose why the request is closed from the list.")
NOT_OPEN = _("Only open requests can be changed.")
LINK_GONE = _("This link no longer works.")


@dataclass(frozen=True)
class SubmittedRequest:
    request: HouseholdRequest
    status_secret: str


def new_reference() -> str:
    chars = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
    return f"{chars[:4]}-{chars[4:]}"


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _refusal(problem: Problem) -> ServiceError:
    return ServiceError(problem.message, field=problem.field, index=problem.index)


def _sealed_fields(contact: Contact, fulfilment: str) -> dict[str, Any]:
    """The stored form of a contact: one sealed blob and its blind indexes. No address is
    kept for pickup: the pickup desk checks the reference code instead."""
    if fulfilment == Fulfilment.PICKUP:
        contact = dataclasses.replace(contact, address="")
    return {
        "sealed": seal_contact(contact),
        "phone_index": phone_index(contact.phone),
        "address_index": address_index(contact.address),
    }


def _open_duplicate_exists(sealed: Mapping[str, Any]) -> bool:
    """An open request with the same phone or address (by blind index). An empty index
    (no address, for pickup) matches nothing."""
    same = Q(phone_index=sealed["phone_index"])
    if sealed["address_index"]:
        same |= Q(address_index=sealed["address_index"])
    return SealedContact.objects.filter(same, request__status__in=OPEN_STATUSES).exists()


def request_submit(
    *, data: RequestInput, channel: str = Channel.WEB, entered_by: User | None = None
) -> SubmittedRequest:
    """Accept a household's request: check it by the request rules (ServiceError, invalid,
    for the first problem), seal the contact, flag possible duplicates.

    The status secret is returned once and stored only as a hash. Not idempotent: each
    call is a new request. Enqueues matching after commit. A reference code that another
    request took meanwhile (one chance in billions) is drawn again.
    """
    reading, zone = request_check.read_input(data)
    if reading.problems:
        raise _refusal(reading.problems[0])
    for _attempt in range(5):
        reference = new_reference()
        try:
            with transaction.atomic():
                return _submit(data, reading, zone, channel, entered_by, reference)
        except IntegrityError:
            if not HouseholdRequest.objects.filter(reference=reference).exists():
                raise
    raise RuntimeError("could not find a free reference code")


def _submit(
    data: RequestInput,
    reading: Reading,
    zone: Zone | None,
    channel: str,
    entered_by: User | None,
    reference: str,
) -> SubmittedRequest:
    clean = reading.values
    sealed = _sealed_fields(Contact(**reading.contact_values), clean["fulfilment"])
    secret = secrets.token_urlsafe(STATUS_SECRET_BYTES)
    pickup = clean["fulfilment"] == Fulfilment.PICKUP
    request = HouseholdRequest.objects.create(
        reference=reference,
        status_secret_hash=hash_secret(secret),
        language=data.language,
        adults=clean["adults"],
        children=clean["children"],
        infants=clean["infants"],
        dietary_needs=sorted(clean["dietary_needs"]),
        preferred_days=clean["preferred_days"],
        zone=zone,
        fulfilment=clean["fulfilment"],
        pickup_location_id=clean["pickup_location"] if pickup else None,
        channel=channel,
        entered_by=entered_by,
        possible_duplicate=_open_duplicate_exists(sealed),
    )
    RequestLine.objects.bulk_create(
        RequestLine(
            request=request, item_id=line.item, category_id=line.category, quantity=line.quantity
        )
        for line in reading.lines
    )
    SealedContact.objects.create(
        request=request, sealed_word=door_word.sealed_new_word(request.language), **sealed
    )
    announce(Event.REQUEST_SUBMITTED)
    return SubmittedRequest(request=request, status_secret=secret)


def _lock(request_id: int) -> HouseholdRequest:
    return HouseholdRequest.objects.select_for_update().get(pk=request_id)


def request_relink(*, request_id: int, status_secret: str) -> SubmittedRequest:
    """The family burns its status link (issue 14): a new reference and a new secret replace
    both at once, so the old link and the old reference open nothing from this commit on,
    and are answered exactly as unknown ones (household_requests.status_links). The new
    secret is returned once and stored only as a hash; nobody can show it again.

    Burns only the link it was given (`status_secret`, checked under the row's lock): of two
    burns of one link, the second is refused (LINK_GONE, conflict) and the first's new
    link stands. A reference another request took meanwhile is drawn again."""
    for _attempt in range(5):
        reference = new_reference()
        try:
            with transaction.atomic():
                request = _lock(request_id)
                if not hmac.compare_digest(request.status_secret_hash, hash_secret(status_secret)):
                    raise ServiceError(LINK_GONE, kind=Kind.CONFLICT)
                secret = secrets.token_urlsafe(STATUS_SECRET_BYTES)
                request.reference = reference
                request.status_secret_hash = hash_secret(secret)
                request.updated_at = timezone.now()
                request.save(update_fields=["reference", "status_secret_hash", "updated_at"])
                return SubmittedRequest(request=request, status_secret=secret)
        except IntegrityError:
            if not HouseholdRequest.objects.filter(reference=reference).exists():
                raise
    raise RuntimeError("could not find a free reference code")


@transaction.atomic
def request_cancel(*, request_id: int) -> HouseholdRequest:
    """The family (or an organizer) cancels. Idempotent: cancelling twice changes nothing.

    Locks the request row, then its allocations and lots (the lock order in
    household_requests.allocation), so a running allocator either sees the cancel or is
    waited for and its reservation released: a cancelled request holds no stock.
    """
    request = _lock(request_id)
    if request.status == RequestStatus.CANCELLED:
        return request
    if request.status not in OPEN_STATUSES:
        raise ServiceError(CANNOT_CANCEL, kind=Kind.CONFLICT)
    _finish(request, RequestStatus.CANCELLED)
    return request


def _finish(request: HouseholdRequest, status: RequestStatus, reason: str = "") -> None:
    """Mark a request finished; its unconsumed reservations go back to the shelves."""
    allocation.allocations_release_for_requests(request_ids=[request.pk], reason=str(status))
    announce(Event.STOCK_RELEASED)
    now = timezone.now()
    request.status = status
    request.finished_at = now
    request.updated_at = now
    if reason:
        request.close_reason = reason
    request.save(update_fields=["status", "finished_at", "updated_at", "close_reason"])


@transaction.atomic
def request_update_contact(*, request_id: int, contact: Contact) -> None:
    """Replace the sealed contact of an open request, checked by the request rules.
    Write-only: nothing is read back. Locks the request row."""
    reading = request_rules.read_contact(vars(contact))
    if reading.problems:
        raise _refusal(reading.problems[0])
    request = _lock(request_id)
    if request.status not in OPEN_STATUSES:
        raise ServiceError(CANNOT_UPDATE, kind=Kind.CONFLICT)
    problem = request_rules.address_problem(request.fulfilment, reading.values["address"])
    if problem is not None:
        raise ServiceError(problem, field="address")
    contact = Contact(**reading.contact_values)
    SealedContact.objects.update_or_create(
        request=request,
        defaults={**_sealed_fields(contact, request.fulfilment), "sealed_at": timezone.now()},
    )
    request.updated_at = timezone.now()
    request.save(update_fields=["updated_at"])


@transaction.atomic
def request_set_urgency(*, request_id: int, urgency: int) -> HouseholdRequest:
    """Organizer triage. Idempotent."""
    request = _lock(request_id)
    if request.status not in OPEN_STATUSES:
        raise ServiceError(NOT_OPEN, kind=Kind.CONFLICT)
    request.urgency = Urgency(urgency)
    request.updated_at = timezone.now()
    request.save(update_fields=["urgency", "updated_at"])
    return request


@transaction.atomic
def request_close_unfulfilled(*, request_id: int, reason: str) -> HouseholdRequest:
    """Organizer closes a request that will not be filled, for a reason from the list
    (ORGANIZER_CLOSE_REASONS; never free text). Idempotent once closed. Locks as
    `request_cancel` does: a closed request holds no stock."""
    if reason not in dict(ORGANIZER_CLOSE_REASONS):
        raise ServiceError(CLOSE_REASON_REQUIRED, field="reason")
    request = _lock(request_id)
    if request.status == RequestStatus.CLOSED:
        return request
    if request.status not in OPEN_STATUSES:
        raise ServiceError(NOT_OPEN, kind=Kind.CONFLICT)
    _finish(request, RequestStatus.CLOSED, reason)
    return request


# Called by deliveries -----------------------------------------------------------------

DELIVERY_FAILED_REASON = CloseReason.DELIVERY_FAILED


def requests_schedule(*, request_ids: list[int], planned_for: dt.date) -> int:
    """Matched requests joined a route for `planned_for`. Runs inside the planner's
    transaction, which holds these request rows locked (see the lock order in
    household_requests.allocation); only requests still matched change, so re-running
    changes nothing."""
    return HouseholdRequest.objects.filter(pk__in=request_ids, status=RequestStatus.MATCHED).update(
        status=RequestStatus.SCHEDULED, planned_for=planned_for, updated_at=timezone.now()
    )


def requests_unschedule(*, request_ids: list[int]) -> int:
    """Their route was cancelled: back to matched, to be planned again."""
    return HouseholdRequest.objects.filter(
        pk__in=request_ids, status__in=[RequestStatus.SCHEDULED, RequestStatus.OUT_FOR_DELIVERY]
    ).update(status=RequestStatus.MATCHED, planned_for=None, updated_at=timezone.now())


def requests_out_for_delivery(*, request_ids: list[int]) -> int:
    return HouseholdRequest.objects.filter(
        pk__in=request_ids, status=RequestStatus.SCHEDULED
    ).update(status=RequestStatus.OUT_FOR_DELIVERY, updated_at=timezone.now())


@transaction.atomic
def request_mark_delivered(*, request_id: int) -> HouseholdRequest:
    """The driver handed the goods over: reserved stock is consumed. Idempotent."""
    request = _lock(request_id)
    if request.status == RequestStatus.DELIVERED:
        return request
    if request.status not in OPEN_STATUSES:
        raise ServiceError(NOT_OPEN, kind=Kind.CONFLICT)
    allocation.allocations_consume_for_request(request_id=request.pk, reason="delivered")
    _finish(request, RequestStatus.DELIVERED)
    return request


@transaction.atomic
def request_mark_failed(*, request_id: int, max_attempts: int) -> HouseholdRequest:
    """A delivery attempt failed: stock goes back, the request returns to the queue, or is
    closed after `max_attempts`. Not idempotent by itself: the stop's outcome guards it."""
    request = _lock(request_id)
    if request.status not in OPEN_STATUSES:
        return request
    request.delivery_attempts += 1
    request.save(update_fields=["delivery_attempts"])
    if request.delivery_attempts >= max_attempts:
        _finish(request, RequestStatus.CLOSED, DELIVERY_FAILED_REASON)
        return request
    allocation.allocations_release_for_requests(request_ids=[request.pk], reason="delivery failed")
    request.status = RequestStatus.SUBMITTED
    request.planned_for = None
    request.updated_at = timezone.now()
    request.save(update_fields=["status", "planned_for", "updated_at"])
    announce(Event.STOCK_RELEASED)
    return request
