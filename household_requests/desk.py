"""The pickup desk: a pantry volunteer finds a pickup by its reference code, sees what was
set aside for it, hands it over and marks it picked up.

The desk sees the reference, the pickup point and the items: never the family's contact,
never the status-link secret. A desk link (from the QR code on the family's status page)
carries the reference only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from household_requests import allocation, services
from household_requests.models import (
    Allocation,
    Fulfilment,
    HouseholdRequest,
    RequestStatus,
)
from inventory.models import Location
from mutualaid.errors import Kind, ServiceError

UNKNOWN_REFERENCE = _("No request has this reference code. Check the code and try again.")
NOT_A_PICKUP = _("This request is for delivery, not pickup: there is nothing to hand over here.")
NOTHING_SET_ASIDE = _(
    "Nothing is set aside for this request yet. The family's page will say when it is ready."
)
ALREADY_PICKED_UP = _("This request was already picked up.")
WAS_CANCELLED = _("This request was cancelled: there is nothing to hand over.")
WAS_CLOSED = _("This request is closed: there is nothing to hand over.")

_NOT_A_REFERENCE_CHARACTER = re.compile(r"[^A-Z0-9]")


def normalize_reference(typed: str) -> str:
    """'abcd efgh', 'ABCDEFGH' and 'abcd-efgh' are all ABCD-EFGH, as printed."""
    code = _NOT_A_REFERENCE_CHARACTER.sub("", typed.upper())
    return f"{code[:4]}-{code[4:]}" if len(code) == 8 else code


def desk_path(reference: str) -> str:
    """The desk's page for a reference: all a desk link or its QR code carries."""
    return f"{reverse('household_requests:desk')}?{urlencode({'reference': reference})}"


@dataclass(frozen=True)
class SetAside:
    name: str
    unit: str
    quantity: int


@dataclass(frozen=True)
class DeskPickup:
    """What the desk sees of a pickup. No contact field exists here to leak."""

    reference: str
    status: str
    status_label: str
    place: Location | None
    items: list[SetAside]
    refusal: StrOrPromise | None  # why it cannot be handed over now; None: it can


def _refusal(request: HouseholdRequest, *, units_set_aside: int) -> StrOrPromise | None:
    if request.fulfilment != Fulfilment.PICKUP:
        return NOT_A_PICKUP
    if request.status == RequestStatus.DELIVERED:
        return ALREADY_PICKED_UP
    if request.status == RequestStatus.CANCELLED:
        return WAS_CANCELLED
    if request.status == RequestStatus.CLOSED:
        return WAS_CLOSED
    if units_set_aside <= 0:
        return NOTHING_SET_ASIDE
    return None


def _items_set_aside(request_id: int) -> list[SetAside]:
    rows = (
        Allocation.objects.filter(line__request_id=request_id, consumed_at__isnull=True)
        .values("lot__item__name", "lot__item__unit")
        .annotate(units=Sum("quantity"))
        .order_by("lot__item__name")
    )
    return [SetAside(row["lot__item__name"], row["lot__item__unit"], row["units"]) for row in rows]


def pickup_for_desk(reference: str) -> DeskPickup | None:
    """The pickup a reference names, as the desk sees it; None for an unknown reference.
    Three queries: the request with its pickup point, the items set aside."""
    request = (
        HouseholdRequest.objects.select_related("pickup_location")
        .only("id", "reference", "status", "fulfilment", "pickup_location")
        .filter(reference=normalize_reference(reference))
        .first()
    )
    if request is None:
        return None
    items = _items_set_aside(request.pk)
    return DeskPickup(
        reference=request.reference,
        status=request.status,
        status_label=str(request.get_status_display()),
        place=request.pickup_location,
        items=items,
        refusal=_refusal(request, units_set_aside=sum(item.quantity for item in items)),
    )


@transaction.atomic
def request_hand_over(*, reference: str, user: User) -> HouseholdRequest:
    """The desk hands a pickup over: the reserved stock is consumed (in the ledger, by
    `user`), the request is delivered and finished (so it counts in people fed, and the
    retention period of its contact starts).

    Refuses (ServiceError) an unknown reference (invalid), and a request that is not a
    pickup, has nothing set aside, or is already picked up, cancelled or closed
    (conflict); a refusal writes nothing, so a second hand-over changes nothing. Locks in
    the order every request write follows (household_requests.allocation): the request
    row, then its allocations, then their lots.
    """
    request = (
        HouseholdRequest.objects.select_for_update()
        .filter(reference=normalize_reference(reference))
        .first()
    )
    if request is None:
        raise ServiceError(UNKNOWN_REFERENCE, field="reference")
    units = (
        Allocation.objects.filter(line__request_id=request.pk, consumed_at__isnull=True).aggregate(
            units=Sum("quantity")
        )["units"]
        or 0
    )
    refusal = _refusal(request, units_set_aside=units)
    if refusal is not None:
        raise ServiceError(refusal, kind=Kind.CONFLICT)
    allocation.allocations_consume_for_request(
        request_id=request.pk, reason="picked up at the desk", actor=user
    )
    return services.request_mark_delivered(request_id=request.pk)
