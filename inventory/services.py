"""Writes to inventory. Every change to a lot's quantities goes through `lots_change`.

`lots_change` is the one writer of `StockLot.on_hand` and `StockLot.reserved`: it locks
the lots it changes in pk order (so concurrent writers cannot deadlock), checks every
change against the locked counts with one guard (`0 <= reserved <= on_hand` afterwards),
and writes one UPDATE of the lots and one INSERT of ledger rows, one row per lot changed,
however many lots. Receiving, reserving, releasing, handing out, adjusting and spoiling
all go through it, for one lot or thousands. The database's check constraints are the
backstop if any code bypasses it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import F, Q
from django.db.transaction import TransactionManagementError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from inventory.models import Donation, DonationLine, Item, Location, StockLot, StockMovement
from mutualaid import bulk
from mutualaid.errors import Kind, ServiceError
from mutualaid.jobs import announce
from mutualaid.schedule import Event
from mutualaid.timeutil import local_today

NO_LINES = _("A donation needs at least one line.")
QUANTITY_NOT_POSITIVE = _("Quantity must be at least 1.")
EXPIRY_IN_PAST = _("This expiry date has already passed.")
PERISHABLE_NEEDS_EXPIRY = _("Perishable items need an expiry date.")
INACTIVE_ITEM = _("This item is no longer in the catalogue.")
INACTIVE_LOCATION = _("This location is no longer in use.")
NOT_ENOUGH_AVAILABLE = _("Not enough unreserved stock in this lot.")
NOT_ENOUGH_RESERVED = _("Not that many units are reserved in this lot.")
NOT_ENOUGH_ON_HAND = _("This lot does not hold that many units.")
ON_HAND_BELOW_RESERVED = _("On hand cannot drop below what is reserved.")
ADJUSTMENT_ZERO = _("An adjustment must change the quantity.")
REASON_REQUIRED = _("Say why: a reason is required.")
LOT_NOT_FOUND = _("No such stock lot.")

# What one unit of each kind of change does to a lot: (on hand, reserved).
UNIT_CHANGE: dict[StockMovement.Kind, tuple[int, int]] = {
    StockMovement.Kind.RECEIVED: (1, 0),
    StockMovement.Kind.RESERVED: (0, 1),
    StockMovement.Kind.RELEASED: (0, -1),
    StockMovement.Kind.DISTRIBUTED: (-1, -1),
    StockMovement.Kind.ADJUSTED: (1, 0),  # the only kind whose quantity may be negative
    StockMovement.Kind.SPOILED: (-1, 0),
}


# The one stock-change path -----------------------------------------------------------------


def _lock(lot_ids: Collection[int]) -> dict[int, tuple[int, int]]:
    """Lock these lots in pk order and read {lot id: (on hand, reserved)}; refuse if any
    does not exist."""
    rows = (
        StockLot.objects.select_for_update()
        .filter(pk__in=list(lot_ids))
        .order_by("pk")
        .values_list("pk", "on_hand", "reserved")
    )
    counts = {pk: (on_hand, reserved) for pk, on_hand, reserved in rows}
    if len(counts) != len(lot_ids):
        raise ServiceError(LOT_NOT_FOUND, field="lot")
    return counts


def _refusal(counts: tuple[int, int], delta: tuple[int, int]) -> StrOrPromise | None:
    """The guard: what would be wrong with a lot after this change, if anything."""
    on_hand, reserved = counts[0] + delta[0], counts[1] + delta[1]
    if reserved < 0:
        return NOT_ENOUGH_RESERVED
    if on_hand < 0:
        return NOT_ENOUGH_ON_HAND
    if reserved > on_hand:
        return NOT_ENOUGH_AVAILABLE if delta[1] > 0 else ON_HAND_BELOW_RESERVED
    return None


def lots_change(
    *,
    kind: StockMovement.Kind,
    quantities: Mapping[int, int],
    reason: str = "",
    actor: User | None = None,
) -> None:
    """Apply one kind of change to many lots ({lot id: units}): all or nothing.

    The one writer of lot quantities. Units are at least 1, except for an adjustment,
    which is signed and not zero. Locks the lots in pk order, refuses (ServiceError:
    invalid for bad input, conflict when a lot has not the stock) before writing
    anything, so a caller may catch the refusal and go on; then writes one UPDATE and one
    INSERT of ledger rows (one per lot), whatever the number of lots. Runs in the
    caller's transaction (Django refuses the lock outside one) and opens no savepoint of
    its own: two round trips fewer for each donation. Not idempotent.
    """
    if not transaction.get_connection().in_atomic_block:
        # SQLite ignores FOR UPDATE, so Django would not say so there.
        raise TransactionManagementError("lots_change needs the caller's transaction.")
    if not quantities:
        return
    for quantity in quantities.values():
        if kind == StockMovement.Kind.ADJUSTED and quantity == 0:
            raise ServiceError(ADJUSTMENT_ZERO, field="quantity")
        if kind != StockMovement.Kind.ADJUSTED and quantity < 1:
            raise ServiceError(QUANTITY_NOT_POSITIVE, field="quantity")
    on_hand_unit, reserved_unit = UNIT_CHANGE[kind]
    deltas: dict[int, tuple[int, int]] = {}
    for lot_id, counts in _lock(quantities).items():
        delta = (on_hand_unit * quantities[lot_id], reserved_unit * quantities[lot_id])
        refusal = _refusal(counts, delta)
        if refusal is not None:
            raise ServiceError(refusal, kind=Kind.CONFLICT, field="quantity")
        deltas[lot_id] = delta
    # One UPDATE and one INSERT, however many lots (see mutualaid.bulk).
    bulk.update_rows(StockLot, ["on_hand", "reserved"], deltas, add=True)
    now = timezone.now()
    actor_id = actor.pk if actor else None
    bulk.insert_rows(
        StockMovement,
        ["lot", "kind", "on_hand_delta", "reserved_delta", "actor", "reason", "created_at"],
        [
            (lot_id, str(kind), on_hand, reserved, actor_id, reason[:300], now)
            for lot_id, (on_hand, reserved) in deltas.items()
        ],
    )


# What organizers and jobs do with it -------------------------------------------------------


@dataclass(frozen=True)
class DonationLineInput:
    item: Item
    quantity: int
    expires_on: dt.date | None = None


def _check_line(line: DonationLineInput, index: int, today: dt.date) -> None:
    if line.quantity < 1:
        raise ServiceError(QUANTITY_NOT_POSITIVE, field="quantity", index=index)
    if not line.item.active:
        raise ServiceError(INACTIVE_ITEM, field="item", index=index)
    if line.expires_on is None and line.item.perishable:
        raise ServiceError(PERISHABLE_NEEDS_EXPIRY, field="expires_on", index=index)
    if line.expires_on is not None and line.expires_on < today:
        raise ServiceError(EXPIRY_IN_PAST, field="expires_on", index=index)


@transaction.atomic
def donation_receive(
    *,
    location: Location,
    lines: Sequence[DonationLineInput],
    donor: str = "",
    note: str = "",
    received_by: User | None = None,
    received_at: dt.datetime | None = None,
) -> Donation:
    """Log a donation: one stock lot and one `received` ledger row per line.

    All or nothing: a bad line raises ServiceError (invalid, with the line's index) and
    writes nothing. Not idempotent (each call is a new donation). Announces the new stock.
    """
    if not lines:
        raise ServiceError(NO_LINES, field="lines")
    if not location.active:
        raise ServiceError(INACTIVE_LOCATION, field="location")
    today = local_today()
    for index, line in enumerate(lines):
        _check_line(line, index, today)

    donation = Donation.objects.create(
        location=location,
        donor=donor,
        note=note,
        received_by=received_by,
        received_at=received_at or timezone.now(),
    )
    line_rows = DonationLine.objects.bulk_create(
        DonationLine(
            donation=donation, item=line.item, quantity=line.quantity, expires_on=line.expires_on
        )
        for line in lines
    )
    # Lots start empty; their units arrive through the one stock-change path.
    lots = StockLot.objects.bulk_create(
        StockLot(
            item_id=row.item_id,
            location=location,
            donation_line=row,
            expires_on=row.expires_on,
            received_at=donation.received_at,
        )
        for row in line_rows
    )
    lots_change(
        kind=StockMovement.Kind.RECEIVED,
        quantities={lot.pk: row.quantity for lot, row in zip(lots, line_rows, strict=True)},
        reason=f"donation #{donation.pk}",
        actor=received_by,
    )
    announce(Event.STOCK_ARRIVED)
    return donation


@transaction.atomic
def lot_adjust(*, lot_id: int, delta: int, reason: str, actor: User | None = None) -> None:
    """Correct the count after a recount. Never below zero, nor below what is reserved."""
    if delta == 0:
        raise ServiceError(ADJUSTMENT_ZERO, field="quantity")
    if not reason.strip():
        raise ServiceError(REASON_REQUIRED, field="reason")
    lots_change(
        kind=StockMovement.Kind.ADJUSTED, quantities={lot_id: delta}, reason=reason, actor=actor
    )
    if delta > 0:
        announce(Event.STOCK_ARRIVED)


@transaction.atomic
def lots_spoil(*, lot_ids: Collection[int], reason: str = "", actor: User | None = None) -> int:
    """Write off every unreserved unit of these lots as spoiled; returns the units spoiled.

    Reserved units stay: release them first. Idempotent: a lot with nothing unreserved
    left gets no ledger row. Locks the lots (pk order) before reading what is left.
    """
    unreserved = {
        pk: on_hand - reserved
        for pk, (on_hand, reserved) in _lock(set(lot_ids)).items()
        if on_hand > reserved
    }
    lots_change(
        kind=StockMovement.Kind.SPOILED,
        quantities=unreserved,
        reason=reason or "spoiled",
        actor=actor,
    )
    return sum(unreserved.values())


def lots_available_for_update(
    *, item_ids: Sequence[int], usable_on: dt.date
) -> dict[int, StockLot]:
    """Lock every lot of these items with unreserved units usable on `usable_on` (pk order).

    For the allocator: call inside a transaction, decide, then reserve with `lots_change`.
    """
    lots = (
        StockLot.objects.select_for_update()
        .filter(item_id__in=list(item_ids), on_hand__gt=F("reserved"))
        .filter(Q(expires_on__isnull=True) | Q(expires_on__gte=usable_on))
        .order_by("pk")
    )
    return {lot.pk: lot for lot in lots}
