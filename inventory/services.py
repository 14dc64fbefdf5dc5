"""Writes to inventory. Every change to a lot is one conditional UPDATE plus one ledger row.

Quantities change only through `F()` updates guarded by a WHERE clause, so two workers
racing on a lot cannot take the same unit twice; the database's check constraints are the
backstop if any code bypasses these services.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from inventory.models import Donation, DonationLine, Item, Location, StockLot, StockMovement
from mutualaid import bulk
from mutualaid.jobs import announce
from mutualaid.schedule import Event
from mutualaid.timeutil import local_today

NO_LINES = "A donation needs at least one line."
QUANTITY_NOT_POSITIVE = "Quantity must be at least 1."
EXPIRY_IN_PAST = "This expiry date has already passed."
PERISHABLE_NEEDS_EXPIRY = "Perishable items need an expiry date."
INACTIVE_ITEM = "This item is no longer in the catalogue."
INACTIVE_LOCATION = "This location is no longer in use."
NOT_ENOUGH_AVAILABLE = "Not enough unreserved stock in this lot."
NOT_ENOUGH_RESERVED = "Not that many units are reserved in this lot."
ADJUSTMENT_BELOW_RESERVED = "On hand cannot drop below what is reserved."
ADJUSTMENT_ZERO = "An adjustment must change the quantity."
REASON_REQUIRED = "Say why: a reason is required."
LOT_NOT_FOUND = "No such stock lot."


class StockError(Exception):
    """A stock change was refused; nothing was written. `field` names the input at fault."""

    def __init__(self, message: str, *, field: str | None = None, index: int | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.index = index


@dataclass(frozen=True)
class DonationLineInput:
    item: Item
    quantity: int
    expires_on: dt.date | None = None


def _check_line(line: DonationLineInput, index: int, today: dt.date) -> None:
    if line.quantity < 1:
        raise StockError(QUANTITY_NOT_POSITIVE, field="quantity", index=index)
    if not line.item.active:
        raise StockError(INACTIVE_ITEM, field="item", index=index)
    if line.expires_on is None and line.item.perishable:
        raise StockError(PERISHABLE_NEEDS_EXPIRY, field="expires_on", index=index)
    if line.expires_on is not None and line.expires_on < today:
        raise StockError(EXPIRY_IN_PAST, field="expires_on", index=index)


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

    All or nothing: a bad line raises StockError and writes nothing. Not idempotent
    (each call is a new donation). Enqueues matching after commit.
    """
    if not lines:
        raise StockError(NO_LINES, field="lines")
    if not location.active:
        raise StockError(INACTIVE_LOCATION, field="location")
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
    lots = StockLot.objects.bulk_create(
        StockLot(
            item_id=row.item_id,
            location=location,
            donation_line=row,
            expires_on=row.expires_on,
            on_hand=row.quantity,
            received_at=donation.received_at,
        )
        for row in line_rows
    )
    reason = f"donation #{donation.pk}"
    StockMovement.objects.bulk_create(
        StockMovement(
            lot=lot,
            kind=StockMovement.Kind.RECEIVED,
            on_hand_delta=lot.on_hand,
            actor=received_by,
            reason=reason,
        )
        for lot in lots
    )
    announce(Event.STOCK_ARRIVED)
    return donation


def _change_lot(
    *,
    lot_id: int,
    kind: StockMovement.Kind,
    on_hand_delta: int,
    reserved_delta: int,
    guard: Q,
    refusal: str,
    actor: User | None,
    reason: str,
) -> StockMovement:
    updated = (
        StockLot.objects.filter(pk=lot_id)
        .filter(guard)
        .update(on_hand=F("on_hand") + on_hand_delta, reserved=F("reserved") + reserved_delta)
    )
    if updated != 1:
        if not StockLot.objects.filter(pk=lot_id).exists():
            raise StockError(LOT_NOT_FOUND, field="lot")
        raise StockError(refusal, field="quantity")
    return StockMovement.objects.create(
        lot_id=lot_id,
        kind=kind,
        on_hand_delta=on_hand_delta,
        reserved_delta=reserved_delta,
        actor=actor,
        reason=reason[:300],
    )


def _positive(quantity: int) -> None:
    if quantity < 1:
        raise StockError(QUANTITY_NOT_POSITIVE, field="quantity")


@transaction.atomic
def lot_reserve(
    *, lot_id: int, quantity: int, reason: str = "", actor: User | None = None
) -> StockMovement:
    """Set aside `quantity` unreserved units. Refuses (StockError) rather than over-reserve."""
    _positive(quantity)
    return _change_lot(
        lot_id=lot_id,
        kind=StockMovement.Kind.RESERVED,
        on_hand_delta=0,
        reserved_delta=quantity,
        guard=Q(on_hand__gte=F("reserved") + quantity),
        refusal=NOT_ENOUGH_AVAILABLE,
        actor=actor,
        reason=reason,
    )


@transaction.atomic
def lot_release(
    *, lot_id: int, quantity: int, reason: str = "", actor: User | None = None
) -> StockMovement:
    """Return `quantity` reserved units to the available pool."""
    _positive(quantity)
    return _change_lot(
        lot_id=lot_id,
        kind=StockMovement.Kind.RELEASED,
        on_hand_delta=0,
        reserved_delta=-quantity,
        guard=Q(reserved__gte=quantity),
        refusal=NOT_ENOUGH_RESERVED,
        actor=actor,
        reason=reason,
    )


@transaction.atomic
def lot_consume(
    *, lot_id: int, quantity: int, reason: str = "", actor: User | None = None
) -> StockMovement:
    """Hand out `quantity` reserved units: they leave the shelf and the reservation."""
    _positive(quantity)
    return _change_lot(
        lot_id=lot_id,
        kind=StockMovement.Kind.DISTRIBUTED,
        on_hand_delta=-quantity,
        reserved_delta=-quantity,
        guard=Q(reserved__gte=quantity),
        refusal=NOT_ENOUGH_RESERVED,
        actor=actor,
        reason=reason,
    )


@transaction.atomic
def lot_adjust(*, lot_id: int, delta: int, reason: str, actor: User | None = None) -> StockMovement:
    """Correct the count after a recount. Never drops on hand below what is reserved."""
    if delta == 0:
        raise StockError(ADJUSTMENT_ZERO, field="quantity")
    if not reason.strip():
        raise StockError(REASON_REQUIRED, field="reason")
    movement = _change_lot(
        lot_id=lot_id,
        kind=StockMovement.Kind.ADJUSTED,
        on_hand_delta=delta,
        reserved_delta=0,
        guard=Q(on_hand__gte=F("reserved") - delta),
        refusal=ADJUSTMENT_BELOW_RESERVED,
        actor=actor,
        reason=reason,
    )
    if delta > 0:
        announce(Event.STOCK_ARRIVED)
    return movement


@transaction.atomic
def lot_spoil(
    *,
    lot_id: int,
    quantity: int | None = None,
    reason: str = "",
    actor: User | None = None,
) -> StockMovement | None:
    """Write off unreserved units as spoiled (all of them when `quantity` is None).

    Reserved units must be released first. Idempotent when spoiling everything: a lot with
    nothing unreserved left returns None and writes nothing.
    """
    if quantity is None:
        lot = StockLot.objects.filter(pk=lot_id).values("on_hand", "reserved").first()
        if lot is None:
            raise StockError(LOT_NOT_FOUND, field="lot")
        quantity = lot["on_hand"] - lot["reserved"]
        if quantity == 0:
            return None
    _positive(quantity)
    return _change_lot(
        lot_id=lot_id,
        kind=StockMovement.Kind.SPOILED,
        on_hand_delta=-quantity,
        reserved_delta=0,
        guard=Q(on_hand__gte=F("reserved") + quantity),
        refusal=NOT_ENOUGH_AVAILABLE,
        actor=actor,
        reason=reason or "spoiled",
    )


# Bulk calls for the matching jobs -------------------------------------------------------
#
# The allocator reserves from thousands of lots at once. These calls lock the lots in pk
# order, check every change against the locked counts, and write one bulk UPDATE and one
# bulk INSERT of ledger rows, so their query count does not grow with the number of lots.


def lots_lock_for_update(lot_ids: Sequence[int]) -> dict[int, StockLot]:
    """Lock the given lots (pk order, so concurrent callers cannot deadlock).

    Must be called inside a transaction; the returned counts stay true until it ends.
    """
    lots = StockLot.objects.select_for_update().filter(pk__in=list(lot_ids)).order_by("pk")
    return {lot.pk: lot for lot in lots}


def _apply_many(
    *,
    locked: dict[int, StockLot],
    changes: dict[int, int],
    kind: StockMovement.Kind,
    reason: str,
    actor: User | None,
) -> None:
    deltas: dict[int, tuple[int, int]] = {}
    for lot_id, quantity in sorted(changes.items()):
        if quantity == 0:
            continue
        _positive(quantity)
        if lot_id not in locked:
            raise StockError(LOT_NOT_FOUND, field="lot")
        lot = locked[lot_id]
        on_hand_delta, reserved_delta = {
            StockMovement.Kind.RESERVED: (0, quantity),
            StockMovement.Kind.RELEASED: (0, -quantity),
            StockMovement.Kind.DISTRIBUTED: (-quantity, -quantity),
        }[kind]
        if kind == StockMovement.Kind.RESERVED and lot.available < quantity:
            raise StockError(NOT_ENOUGH_AVAILABLE, field="quantity")
        if kind != StockMovement.Kind.RESERVED and lot.reserved < quantity:
            raise StockError(NOT_ENOUGH_RESERVED, field="quantity")
        lot.on_hand += on_hand_delta
        lot.reserved += reserved_delta
        deltas[lot_id] = (on_hand_delta, reserved_delta)
    # One UPDATE and one INSERT, however many lots (see mutualaid.bulk).
    bulk.update_rows(StockLot, ["on_hand", "reserved"], deltas, add=True)
    now = timezone.now()
    actor_id = actor.pk if actor else None
    bulk.insert_rows(
        StockMovement,
        ["lot", "kind", "on_hand_delta", "reserved_delta", "actor", "reason", "created_at"],
        [
            (lot_id, str(kind), d_on_hand, d_reserved, actor_id, reason[:300], now)
            for lot_id, (d_on_hand, d_reserved) in deltas.items()
        ],
    )


def _lock_and_apply(
    changes: dict[int, int], kind: StockMovement.Kind, reason: str, actor: User | None
) -> None:
    _apply_many(
        locked=lots_lock_for_update(list(changes)),
        changes=changes,
        kind=kind,
        reason=reason,
        actor=actor,
    )


@transaction.atomic
def lots_release_many(
    *, releases: dict[int, int], reason: str = "", actor: User | None = None
) -> None:
    """Release {lot_id: quantity} of reserved units, all or nothing. Locks in pk order."""
    _lock_and_apply(releases, StockMovement.Kind.RELEASED, reason, actor)


@transaction.atomic
def lots_consume_many(
    *, consumptions: dict[int, int], reason: str = "", actor: User | None = None
) -> None:
    """Hand out {lot_id: quantity} of reserved units, all or nothing. Locks in pk order."""
    _lock_and_apply(consumptions, StockMovement.Kind.DISTRIBUTED, reason, actor)


def lots_available_for_update(
    *, item_ids: Sequence[int], usable_on: dt.date
) -> dict[int, StockLot]:
    """Lock every lot of these items with unreserved units usable on `usable_on`.

    Earliest expiry first (undated lots last); locked in pk order. Call inside a
    transaction, then reserve with `lots_reserve_locked`.
    """
    lots = (
        StockLot.objects.select_for_update()
        .filter(item_id__in=list(item_ids), on_hand__gt=F("reserved"))
        .filter(Q(expires_on__isnull=True) | Q(expires_on__gte=usable_on))
        .order_by("pk")
    )
    return {lot.pk: lot for lot in lots}


def lots_reserve_locked(
    *,
    locked: dict[int, StockLot],
    reservations: dict[int, int],
    reason: str = "",
    actor: User | None = None,
) -> None:
    """Reserve from lots the caller locked in this transaction (one UPDATE, one INSERT)."""
    _apply_many(
        locked=locked,
        changes=reservations,
        kind=StockMovement.Kind.RESERVED,
        reason=reason,
        actor=actor,
    )
