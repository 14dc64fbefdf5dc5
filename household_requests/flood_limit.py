"""How many requests one network address (or one hotline volunteer) may send, and how many
may stay open for one phone or one address.

A church's Wi-Fi, a library or a volunteer's phone sends many families' requests from one
network address, so that limit is generous (REQUEST_RATE_LIMIT an hour). What holds a
flood is the second bound: at most OPEN_REQUESTS_PER_CONTACT open requests per phone and
per address, counted by their blind indexes, so nothing about them is read in the clear.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from functools import reduce
from operator import or_
from typing import TypeVar

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Q
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from rest_framework.request import Request

from household_requests.contacts import Contact, address_index, phone_index
from household_requests.models import OPEN_STATUSES, Fulfilment, SealedContact
from household_requests.request_check import RequestInput
from mutualaid import ratelimit
from mutualaid.errors import Kind, ServiceError

TOO_MANY_FOR_PHONE = _(
    "This phone number already has several requests in progress. You can follow or cancel "
    "them with their private links; once one is finished, you can ask again."
)
TOO_MANY_FOR_ADDRESS = _(
    "This address already has several requests in progress. You can follow or cancel "
    "them with their private links; once one is finished, you can ask again."
)
# Advisory locks of one contact's requests: (this namespace, a hash of its blind index).
_OPEN_REQUESTS_LOCK = 0x4D41_0010

T = TypeVar("T")


def check_submission(request: HttpRequest | Request, *, hotline: bool = False) -> ratelimit.Verdict:
    """Count one submission against its limit: per volunteer on the hotline, per network
    address on the public form and API (which share one counter). A refused one is not
    counted, and says how long to wait."""
    if hotline:
        # A hotline shift takes calls; it does not replay a list of numbers.
        return ratelimit.attempt(
            scope="hotline",
            ident=f"user:{request.user.pk}",
            limit=settings.HOTLINE_RATE_LIMIT,
            window=settings.REQUEST_RATE_WINDOW_SECONDS,
        )
    return ratelimit.attempt(
        scope="request-form",
        ident=ratelimit.client_address(request),
        limit=settings.REQUEST_RATE_LIMIT,
        window=settings.REQUEST_RATE_WINDOW_SECONDS,
    )


def _indexes(contact: Contact, fulfilment: str) -> tuple[str, str]:
    """The blind indexes the request will be stored under (no address for pickup, as
    services._sealed_fields stores it)."""
    address = "" if fulfilment == Fulfilment.PICKUP else contact.address
    return phone_index(contact.phone), address_index(address)


def _lock(indexes: list[str]) -> None:
    """Hold this contact's turn until the transaction ends, so that two requests with one
    phone cannot both take its last place. PostgreSQL; SQLite has one writer anyway."""
    if connection.vendor != "postgresql":
        return
    keys = sorted({zlib.crc32(index.encode()) - 2**31 for index in indexes if index})
    with connection.cursor() as cursor:
        for key in keys:  # one order for everyone: no deadlock
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_OPEN_REQUESTS_LOCK, key])


def _refuse_too_many_open(phone: str, address: str) -> None:
    """One query, on the two indexed blind-index columns. An empty address index (pickup)
    matches nothing."""
    same = {"phone": Q(phone_index=phone)}
    if address:
        same["address"] = Q(address_index=address)
    counts = SealedContact.objects.filter(
        reduce(or_, same.values()), request__status__in=OPEN_STATUSES
    ).aggregate(**{name: Count("pk", filter=match) for name, match in same.items()})
    limit = settings.OPEN_REQUESTS_PER_CONTACT
    if counts["phone"] >= limit:
        raise ServiceError(TOO_MANY_FOR_PHONE, kind=Kind.CONFLICT, field="phone")
    if counts.get("address", 0) >= limit:
        raise ServiceError(TOO_MANY_FOR_ADDRESS, kind=Kind.CONFLICT, field="address")


def submit_within_open_limit(data: RequestInput, submit: Callable[[], T]) -> T:
    """Run `submit` (which stores `data`) unless the phone or the address already has
    OPEN_REQUESTS_PER_CONTACT open requests: then ServiceError (conflict, on the field),
    and nothing is stored. A finished request does not count: that family can ask again.

    Counts and stores in one transaction, holding the contact's advisory lock."""
    phone, address = _indexes(data.contact, data.fulfilment)
    with transaction.atomic():
        _lock([phone, address])
        _refuse_too_many_open(phone, address)
        return submit()
