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
from django.db.models import F, Q, Sum
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
# The guard's refusals name the lot's counts, so the organizer sees what is actually wrong.
NOT_ENOUGH_AVAILABLE = _(
    "Only %(available)s unreserved in this lot (%(on_hand)s on hand, %(reserved)s reserved)."
)
NOT_ENOUGH_RESERVED = _("Only %(reserved)s reserved in this lot.")
NOT_ENOUGH_ON_HAND = _("Only %(on_hand)s on hand in this lot.")
ON_HAND_BELOW_RESERVED = _(
    "Only %(available)s can come off this lot: %(on_hand)s on hand, %(reserved)s of them "
    "reserved for requests."
)
ADJUSTMENT_ZERO = _("An adjustment must change the quantity.")
REASON_REQUIRED = _("Say why: a reason is required.")
LOT_NOT_FOUND = _("No such stock lot.")
DONATION_VOIDED = _("This donation was voided; it can no longer change.")
CORRECTION_UNCHANGED = _("Change at least one quantity.")
CORRECTION_BELOW_GONE = _(
    "At least %(minimum)s: %(gone)s of this line's units are already reserved, handed out, "
    "moved or spoiled."
)
LINE_NOT_IN_DONATION = _("No such line in this donation.")
TRANSFER_SAME_LOCATION = _("Choose another location: the units are already there.")
COUNT_NOT_HERE = _("Lot #%(lot)s is not at this location.")
COUNT_NEGATIVE = _("A count cannot be below zero.")
COUNT_CHANGED = _(
    "Lot #%(lot)s changed since it was counted (now %(on_hand)s on hand): count it again."
)
COUNT_BELOW_RESERVED = _(
    "Lot #%(lot)s: counted %(counted)s, but %(reserved)s are reserved for requests. "
    "Release them first."
)

# What one unit of each kind of change does to a lot: (on hand, reserved).
UNIT_CHANGE: dict[StockMovement.Kind, tuple[int, int]] = {
    StockMovement.Kind.RECEIVED: (1, 0),
    StockMovement.Kind.RESERVED: (0, 1),
    StockMovement.Kind.RELEASED: (0, -1),
    StockMovement.Kind.DISTRIBUTED: (-1, -1),
    StockMovement.Kind.ADJUSTED: (1, 0),  # the only kind whose quantity may be negative
    StockMovement.Kind.SPOILED: (-1, 0),
    StockMovement.Kind.CORRECTED: (1, 0),
    StockMovement.Kind.TRANSFERRED: (1, 0),
}
# Kinds whose quantity is signed (and not zero): the others take at least 1 unit.
SIGNED_KINDS = frozenset(
    {StockMovement.Kind.ADJUSTED, StockMovement.Kind.CORRECTED, StockMovement.Kind.TRANSFERRED}
)


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
    """The guard: what would be wrong with a lot after this change, if anything, said with
    the lot's counts before it."""
    on_hand, reserved = counts[0] + delta[0], counts[1] + delta[1]
    numbers = {"on_hand": counts[0], "reserved": counts[1], "available": counts[0] - counts[1]}
    if reserved < 0:
        return NOT_ENOUGH_RESERVED % numbers
    if on_hand < 0:
        return NOT_ENOUGH_ON_HAND % numbers
    if reserved > on_hand:
        return (NOT_ENOUGH_AVAILABLE if delta[1] > 0 else ON_HAND_BELOW_RESERVED) % numbers
    return None


def lots_change(
    *,
    kind: StockMovement.Kind,
    quantities: Mapping[int, int],
    reason: str = "",
    actor: User | None = None,
) -> None:
    """Apply one kind of change to many lots ({lot id: units}): all or nothing.

    The one writer of lot quantities. Units are at least 1, except for an adjustment, a
    donation's correction and a transfer (`SIGNED_KINDS`), which are signed and not zero.
    Locks the lots in pk order, refuses (ServiceError: invalid for bad input, conflict when
    a lot has not the stock) before writing anything, so a caller may catch the refusal
    and go on; then writes one UPDATE and one INSERT of ledger rows (one per lot), whatever
    the number of lots. Runs in the
    caller's transaction (Django refuses the lock outside one) and opens no savepoint of
    its own: two round trips fewer for each donation. Not idempotent.
    """
    if not transaction.get_connection().in_atomic_block:
        # SQLite ignores FOR UPDATE, so Django would not say so there.
        raise TransactionManagementError("lots_change needs the caller's transaction.")
    if not quantities:
        return
    for quantity in quantities.values():
        if kind in SIGNED_KINDS and quantity == 0:
            raise ServiceError(ADJUSTMENT_ZERO, field="quantity")
        if kind not in SIGNED_KINDS and quantity < 1:
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


# Fixing what was logged: corrections, voids, transfers, counts -------------------------------
#
# Each one goes through `lots_change` (one UPDATE, ledger rows with who and why) in one
# transaction; nothing is deleted. A donation's row is locked first, so a correction and a
# void of the same donation take turns; lots are locked after it, in pk order, as always.


def _reason_given(reason: str) -> str:
    if not reason.strip():
        raise ServiceError(REASON_REQUIRED, field="reason")
    return reason.strip()


def _donation_for_update(donation_id: int) -> Donation:
    donation = Donation.objects.select_for_update().get(pk=donation_id)
    if donation.voided_at is not None:
        raise ServiceError(DONATION_VOIDED, kind=Kind.CONFLICT)
    return donation


@transaction.atomic
def donation_correct(
    *,
    donation_id: int,
    quantities: Mapping[int, int],
    reason: str,
    actor: User | None = None,
) -> int:
    """Correct a donation's quantities ({line id: the quantity that really came}): each
    changed line's lot is adjusted by the difference (`corrected` ledger rows) and the line
    says the new quantity. Returns the number of lines changed.

    All or nothing. A line cannot drop below what already left its lot or is reserved
    (conflict, with the line's index and the lowest quantity allowed). Locks the donation,
    then its lots (pk order). Not idempotent for the ledger's sake: a second identical call
    finds nothing to change and is refused.
    """
    reason = _reason_given(reason)
    donation = _donation_for_update(donation_id)
    lines = list(donation.lines.order_by("pk").values_list("pk", "quantity", "lot"))
    position = {pk: index for index, (pk, _quantity, _lot) in enumerate(lines)}
    for line_id, quantity in quantities.items():
        if line_id not in position:
            raise ServiceError(LINE_NOT_IN_DONATION, field="line")
        if quantity < 1:
            raise ServiceError(QUANTITY_NOT_POSITIVE, field="quantity", index=position[line_id])
    changes = {
        pk: (lot_id, quantities[pk] - old)
        for pk, old, lot_id in lines
        if pk in quantities and quantities[pk] != old
    }
    if not changes:
        raise ServiceError(CORRECTION_UNCHANGED, field="quantity")
    counts = _lock({lot_id for lot_id, _delta in changes.values()})
    for pk, old, lot_id in lines:
        if pk not in changes:
            continue
        on_hand, reserved = counts[lot_id]
        if on_hand + changes[pk][1] < reserved:
            gone = old - (on_hand - reserved)
            raise ServiceError(
                CORRECTION_BELOW_GONE % {"minimum": gone, "gone": gone},
                kind=Kind.CONFLICT,
                field="quantity",
                index=position[pk],
            )
    lots_change(
        kind=StockMovement.Kind.CORRECTED,
        quantities={lot_id: delta for lot_id, delta in changes.values()},
        reason=f"donation #{donation.pk} corrected: {reason}",
        actor=actor,
    )
    DonationLine.objects.bulk_update(
        [DonationLine(pk=pk, quantity=quantities[pk]) for pk in changes], ["quantity"]
    )
    if any(delta > 0 for _lot, delta in changes.values()):
        announce(Event.STOCK_ARRIVED)
    return len(changes)


@dataclass(frozen=True)
class LineLeft:
    """What a void could not take back from one line's lot, and why."""

    item: str
    reserved: int  # set aside for requests: release them to take them back
    handed_out: int
    moved: int  # transferred to another location
    spoiled: int  # spoiled, or counted away by an adjustment

    @property
    def units(self) -> int:
        return self.reserved + self.handed_out + self.moved + self.spoiled


@dataclass(frozen=True)
class VoidResult:
    taken_back: int
    left: list[LineLeft]


@transaction.atomic
def donation_void(*, donation_id: int, reason: str, actor: User | None = None) -> VoidResult:
    """Void a donation logged by mistake: every unreserved unit still in its lots is taken
    back (`corrected` ledger rows), the donation is marked voided (kept, never deleted), and
    the result says, line by line, what could not be taken back (reserved, handed out,
    moved, spoiled). Locks the donation, then its lots (pk order). A second void is refused
    (conflict)."""
    reason = _reason_given(reason)
    donation = _donation_for_update(donation_id)
    lines = list(donation.lines.order_by("pk").values_list("quantity", "lot", "item__name"))
    counts = _lock({lot_id for _quantity, lot_id, _name in lines})
    take = {lot_id: on_hand - reserved for lot_id, (on_hand, reserved) in counts.items()}
    lots_change(
        kind=StockMovement.Kind.CORRECTED,
        quantities={lot_id: -units for lot_id, units in take.items() if units > 0},
        reason=f"donation #{donation.pk} voided: {reason}",
        actor=actor,
    )
    Donation.objects.filter(pk=donation.pk).update(
        voided_at=timezone.now(), voided_by=actor, void_reason=reason[:300]
    )
    # Where the units no longer here went, from the ledger (one query).
    gone: dict[tuple[int, str], int] = {
        (lot_id, kind): -units
        for lot_id, kind, units in StockMovement.objects.filter(
            lot_id__in=list(counts),
            kind__in=[StockMovement.Kind.DISTRIBUTED, StockMovement.Kind.TRANSFERRED],
        )
        .values("lot_id", "kind")
        .annotate(units=Sum("on_hand_delta"))
        .values_list("lot_id", "kind", "units")
    }
    left = []
    for quantity, lot_id, name in lines:
        on_hand, reserved = counts[lot_id]
        handed_out = gone.get((lot_id, StockMovement.Kind.DISTRIBUTED), 0)
        moved = gone.get((lot_id, StockMovement.Kind.TRANSFERRED), 0)
        spoiled = max(quantity - on_hand - handed_out - moved, 0)
        line_left = LineLeft(name, reserved, handed_out, moved, spoiled)
        if line_left.units:
            left.append(line_left)
    return VoidResult(taken_back=sum(units for units in take.values() if units > 0), left=left)


@transaction.atomic
def lot_transfer(
    *,
    lot_id: int,
    to_location: Location,
    quantity: int,
    reason: str = "",
    actor: User | None = None,
) -> StockLot:
    """Move unreserved units of a lot to another location: a new lot there (same item,
    expiry and receipt time) gets them, both sides in one `lots_change` call (two
    `transferred` ledger rows, one transaction). Reserved units stay: allocations point at
    their lot. Returns the new lot. Refused before anything is written."""
    if quantity < 1:
        raise ServiceError(QUANTITY_NOT_POSITIVE, field="quantity")
    if not to_location.active:
        raise ServiceError(INACTIVE_LOCATION, field="location")
    counts = _lock({lot_id})[lot_id]
    source = StockLot.objects.select_related("location").get(pk=lot_id)
    if source.location_id == to_location.pk:
        raise ServiceError(TRANSFER_SAME_LOCATION, field="location")
    refusal = _refusal(counts, (-quantity, 0))
    if refusal is not None:
        raise ServiceError(refusal, kind=Kind.CONFLICT, field="quantity")
    destination = StockLot.objects.create(
        item_id=source.item_id,
        location=to_location,
        expires_on=source.expires_on,
        received_at=source.received_at,
    )
    note = f": {reason.strip()}" if reason.strip() else ""
    lots_change(
        kind=StockMovement.Kind.TRANSFERRED,
        quantities={source.pk: -quantity, destination.pk: quantity},
        reason=(
            f"moved from lot #{source.pk} ({source.location.name}) "
            f"to lot #{destination.pk} ({to_location.name}){note}"
        ),
        actor=actor,
    )
    destination.on_hand = quantity  # what lots_change just wrote
    # Stock at another place may suit a pickup there: let matching look again.
    announce(Event.STOCK_ARRIVED)
    return destination


@dataclass(frozen=True)
class LotCount:
    """One row of a stock count: what the organizer counted, and the on-hand figure the
    count page showed (so a lot that changed in between is counted again, not guessed)."""

    lot_id: int
    counted: int
    seen_on_hand: int


def count_problems(
    *, location: Location, counts: Sequence[LotCount], locked: Mapping[int, tuple[int, int]]
) -> dict[int, StrOrPromise]:
    """What is wrong with each counted lot ({lot id: message}), given the lots' current
    (on hand, reserved): the review page shows these, and posting refuses on any."""
    here = set(
        StockLot.objects.filter(
            pk__in=[count.lot_id for count in counts], location=location
        ).values_list("pk", flat=True)
    )
    problems: dict[int, StrOrPromise] = {}
    for count in counts:
        numbers = {"lot": count.lot_id, "counted": count.counted}
        if count.lot_id not in here or count.lot_id not in locked:
            problems[count.lot_id] = COUNT_NOT_HERE % numbers
            continue
        on_hand, reserved = locked[count.lot_id]
        if count.counted < 0:
            problems[count.lot_id] = COUNT_NEGATIVE
        elif on_hand != count.seen_on_hand:
            problems[count.lot_id] = COUNT_CHANGED % {**numbers, "on_hand": on_hand}
        elif count.counted < reserved:
            problems[count.lot_id] = COUNT_BELOW_RESERVED % {**numbers, "reserved": reserved}
    return problems


def lot_counts(lot_ids: Collection[int]) -> dict[int, tuple[int, int]]:
    """{lot id: (on hand, reserved)} read without locking, for the review page."""
    return {
        pk: (on_hand, reserved)
        for pk, on_hand, reserved in StockLot.objects.filter(pk__in=list(lot_ids)).values_list(
            "pk", "on_hand", "reserved"
        )
    }


@transaction.atomic
def location_count_post(
    *,
    location: Location,
    counts: Sequence[LotCount],
    reason: str,
    actor: User | None = None,
) -> dict[int, int]:
    """Post a stock count of one location: every counted lot whose count differs from its
    on-hand figure is adjusted to the count, all together (one `lots_change` call: one
    `adjusted` ledger row per lot that differs), or nothing is (conflict naming the first
    lot that changed since the count, is elsewhere, or holds more reserved units than were
    counted). Returns {lot id: difference posted}; empty if every count matched. Locks the
    lots in pk order."""
    reason = _reason_given(reason)
    locked = _lock({count.lot_id for count in counts}) if counts else {}
    problems = count_problems(location=location, counts=counts, locked=locked)
    for index, count in enumerate(counts):
        if count.lot_id in problems:
            raise ServiceError(
                problems[count.lot_id], kind=Kind.CONFLICT, field="counted", index=index
            )
    differences = {
        count.lot_id: count.counted - locked[count.lot_id][0]
        for count in counts
        if count.counted != locked[count.lot_id][0]
    }
    lots_change(
        kind=StockMovement.Kind.ADJUSTED,
        quantities=differences,
        reason=f"stock count at {location.name}: {reason}",
        actor=actor,
    )
    if any(delta > 0 for delta in differences.values()):
        announce(Event.STOCK_ARRIVED)
    return differences
