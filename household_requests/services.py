"""Writes to household requests: submit, cancel, update contact, triage.

Contact details arrive, are sealed, and are never written anywhere in the clear.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrPromise

from household_requests import allocation, lookups, validation
from household_requests.contacts import (
    Contact,
    address_index,
    phone_index,
    seal_contact,
)
from household_requests.models import (
    OPEN_STATUSES,
    Channel,
    Fulfilment,
    HouseholdRequest,
    RequestLine,
    RequestStatus,
    SealedContact,
    Urgency,
    Zone,
)
from inventory.models import Category, Item, Location
from mutualaid import rows
from mutualaid.jobs import announce
from mutualaid.schedule import Event

REFERENCE_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"  # no I, L, O, U, 0, 1
STATUS_SECRET_BYTES = 24  # 192 bits

CANNOT_CANCEL = _("This request was already finished and can no longer be cancelled.")
CANNOT_UPDATE = _("This request is finished; its contact details can no longer change.")
CLOSE_REASON_REQUIRED = _("Say why the request is closed.")
NOT_OPEN = _("Only open requests can be changed.")


class RequestError(Exception):
    """A request change was refused; nothing was written."""

    def __init__(self, message: str | StrPromise, *, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field


@dataclass(frozen=True)
class LineInput:
    quantity: int
    item: Item | None = None
    category: Category | None = None


@dataclass(frozen=True, repr=False)
class RequestInput:
    postal_code: str
    contact: Contact
    lines: Sequence[LineInput]
    zone: Zone | None = None  # already looked up by the caller, if it did
    adults: int = 1
    children: int = 0
    infants: int = 0
    language: str = "en"
    fulfilment: str = Fulfilment.DELIVERY
    pickup_location: Location | None = None
    dietary_needs: Sequence[str] = field(default_factory=list)
    preferred_days: Sequence[str] = field(default_factory=list)

    def __repr__(self) -> str:
        return "RequestInput(<contains sealed fields>)"


@dataclass(frozen=True)
class SubmittedRequest:
    request: HouseholdRequest
    status_secret: str


def new_reference() -> str:
    chars = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
    return f"{chars[:4]}-{chars[4:]}"


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _check(data: RequestInput) -> None:
    if data.adults + data.children + data.infants < 1:
        raise RequestError(validation.HOUSEHOLD_EMPTY, field="adults")
    if not data.lines:
        raise RequestError(validation.NO_ITEMS, field="lines")
    for line in data.lines:
        if (line.item is None) == (line.category is None) or line.quantity < 1:
            raise RequestError(validation.NO_ITEMS, field="lines")
        if line.item is not None and line.quantity > line.item.max_per_household:
            raise RequestError(
                validation.TOO_MANY % {"limit": line.item.max_per_household}, field="lines"
            )
    if data.fulfilment == Fulfilment.PICKUP:
        if data.pickup_location is None:
            raise RequestError(validation.PICKUP_LOCATION_REQUIRED, field="pickup_location")
    elif not data.contact.address.strip():
        raise RequestError(validation.ADDRESS_REQUIRED, field="address")


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


def request_submit(
    *, data: RequestInput, channel: str = Channel.WEB, entered_by: User | None = None
) -> SubmittedRequest:
    """Accept a household's request: seal the contact, flag possible duplicates.

    The status secret is returned once and stored only as a hash. Not idempotent: each
    call is a new request. Enqueues matching after commit. A reference code that another
    request took meanwhile (one chance in billions) is drawn again.
    """
    for _attempt in range(5):
        reference = new_reference()
        try:
            return _submit(data, channel=channel, entered_by=entered_by, reference=reference)
        except IntegrityError:
            if not HouseholdRequest.objects.filter(reference=reference).exists():
                raise
    raise RuntimeError("could not find a free reference code")


def _submit(
    data: RequestInput, *, channel: str, entered_by: User | None, reference: str
) -> SubmittedRequest:
    zone = data.zone if data.zone is not None and data.zone.active else None
    zone = zone or lookups.zone_for_postal_code(data.postal_code)
    if zone is None:
        raise RequestError(validation.UNKNOWN_POSTAL_CODE, field="postal_code")
    _check(data)
    sealed = _sealed_fields(data.contact, data.fulfilment)
    secret = secrets.token_urlsafe(STATUS_SECRET_BYTES)
    request = HouseholdRequest(
        reference=reference,
        status_secret_hash=hash_secret(secret),
        language=data.language,
        adults=data.adults,
        children=data.children,
        infants=data.infants,
        dietary_needs=sorted(set(data.dietary_needs)),
        preferred_days=list(dict.fromkeys(data.preferred_days)),
        zone=zone,
        fulfilment=data.fulfilment,
        pickup_location=data.pickup_location if data.fulfilment == Fulfilment.PICKUP else None,
        channel=channel,
        entered_by=entered_by,
        # Computed by the database as the request is written.
        possible_duplicate=lookups.open_duplicate(
            phone_index=sealed["phone_index"], address_index=sealed["address_index"]
        ),
    )
    lines = [
        RequestLine(request=request, item=line.item, category=line.category, quantity=line.quantity)
        for line in data.lines
    ]
    # Plain INSERTs (one statement on PostgreSQL): the ORM's insert compiler and a round
    # trip per row would cost more than all the rest of a submission together.
    rows.insert_tree(request, [*lines, SealedContact(request=request, **sealed)])
    announce(Event.REQUEST_SUBMITTED)
    return SubmittedRequest(request=request, status_secret=secret)


def _lock(request_id: int) -> HouseholdRequest:
    return HouseholdRequest.objects.select_for_update().get(pk=request_id)


@transaction.atomic
def request_cancel(*, request_id: int) -> HouseholdRequest:
    """The family (or an organizer) cancels. Idempotent: cancelling twice changes nothing.

    Locks the request row.
    """
    request = _lock(request_id)
    if request.status == RequestStatus.CANCELLED:
        return request
    if request.status not in OPEN_STATUSES:
        raise RequestError(CANNOT_CANCEL)
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
        request.close_reason = reason[:300]
    request.save(update_fields=["status", "finished_at", "updated_at", "close_reason"])


@transaction.atomic
def request_update_contact(*, request_id: int, contact: Contact) -> None:
    """Replace the sealed contact of an open request. Write-only: nothing is read back."""
    request = _lock(request_id)
    if request.status not in OPEN_STATUSES:
        raise RequestError(CANNOT_UPDATE)
    if request.fulfilment == Fulfilment.DELIVERY and not contact.address.strip():
        raise RequestError(validation.ADDRESS_REQUIRED, field="address")
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
        raise RequestError(NOT_OPEN)
    request.urgency = Urgency(urgency)
    request.updated_at = timezone.now()
    request.save(update_fields=["urgency", "updated_at"])
    return request


@transaction.atomic
def request_close_unfulfilled(*, request_id: int, reason: str) -> HouseholdRequest:
    """Organizer closes a request that will not be filled. Idempotent once closed."""
    if not reason.strip():
        raise RequestError(CLOSE_REASON_REQUIRED, field="reason")
    request = _lock(request_id)
    if request.status == RequestStatus.CLOSED:
        return request
    if request.status not in OPEN_STATUSES:
        raise RequestError(NOT_OPEN)
    _finish(request, RequestStatus.CLOSED, reason)
    return request


# Called by deliveries -----------------------------------------------------------------

DELIVERY_FAILED_REASON = "could not be delivered after repeated attempts"


def requests_schedule(*, request_ids: list[int], planned_for: dt.date) -> int:
    """Matched requests joined a route for `planned_for`. Runs inside the planner's
    transaction; only requests still matched change, so re-running changes nothing."""
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
        raise RequestError(NOT_OPEN)
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
