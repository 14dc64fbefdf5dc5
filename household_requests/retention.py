"""Time-based clean-up: expired stock, the contacts of finished requests and their keys;
the emergency wipe."""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from household_requests import allocation
from household_requests.contacts import reseal_contact
from household_requests.models import FINISHED_STATUSES, HouseholdRequest, SealedContact
from inventory import services as inventory
from inventory.models import StockLot
from mutualaid import keystore, sealing
from mutualaid.locks import Turn, take_turn
from mutualaid.timeutil import local_today

logger = logging.getLogger(__name__)

# How long the key of a closed period outlives it, for contacts sealed just before it closed.
RESEAL_GRACE = dt.timedelta(hours=1)


@transaction.atomic
def stock_expire() -> int:
    """Release reservations on lots past their date, then spoil what is left. Idempotent."""
    today = local_today()
    lot_ids = list(
        StockLot.objects.filter(expires_on__lt=today, on_hand__gt=0)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if not lot_ids:
        return 0
    allocation.allocations_release_for_lots(lot_ids=lot_ids, reason="lot expired")
    inventory.lots_spoil(lot_ids=lot_ids, reason="expired")
    logger.info("spoiled %d expired lot(s)", len(lot_ids))
    return len(lot_ids)


def contacts_purge(*, now: dt.datetime | None = None) -> int:
    """Destroy sealed contacts of requests finished longer ago than the retention period,
    then (after commit) the key files of periods no live contact uses any more.

    Statistics (the request rows without contacts) stay. Idempotent.
    """
    cutoff = (now or timezone.now()) - dt.timedelta(days=settings.CONTACT_RETENTION_DAYS)
    with transaction.atomic():
        request_ids = list(
            HouseholdRequest.objects.filter(
                status__in=FINISHED_STATUSES,
                finished_at__lte=cutoff,
                contact_purged_at__isnull=True,
            ).values_list("pk", flat=True)
        )
        if request_ids:
            SealedContact.objects.filter(request_id__in=request_ids).delete()
            HouseholdRequest.objects.filter(pk__in=request_ids).update(
                contact_purged_at=timezone.now()
            )
            logger.info("purged the contacts of %d finished request(s)", len(request_ids))
    # Only once the deletion is committed: a rolled-back purge must find its keys.
    transaction.on_commit(sealing_keys_prune)
    return len(request_ids)


def _periods_in_use() -> set[str]:
    """The periods of every live sealed contact and door word (a word replaced later, or
    a contact changed later, may be in another period than its pair)."""
    in_use = set()
    rows = SealedContact.objects.values_list("sealed", "sealed_word").iterator()
    for sealed, sealed_word in rows:
        in_use.add(sealing.period_of_sealed(sealed))
        if sealed_word:
            in_use.add(sealing.period_of_sealed(sealed_word))
    return in_use


def _oldest_open_period() -> str:
    """The oldest period that may still be sealing: the current one, or for an hour after
    it closes the one before (a contact sealed just before midnight may still be
    committing). Only periods that begin strictly before it are closed; a later one (a
    web host whose clock runs ahead) is never pruned nor re-sealed out of."""
    return keystore.period_of(timezone.now() - RESEAL_GRACE)


def _closed(period: str, oldest_open: str) -> bool:
    """A contact's period is closed if it began before `oldest_open`, or is not a period
    (sealed before period keys: the re-seal counts it as one that does not open)."""
    start, limit = keystore.period_start(period), keystore.period_start(oldest_open)
    assert limit is not None
    return start is None or start < limit


def sealing_keys_prune() -> list[str]:
    """Remove the key file of every closed period that no live sealed contact uses.

    Holds the SEALING_KEYS lock (exclusive) while it looks and removes: a contact being
    sealed meanwhile is committed first, so its period counts as in use. Idempotent."""
    with transaction.atomic():
        take_turn(Turn.SEALING_KEYS)
        removed = keystore.prune(keep=_periods_in_use(), before=_oldest_open_period())
    if removed:
        logger.info("destroyed the sealing keys of period(s) %s", ", ".join(removed))
    return removed


@dataclass(frozen=True)
class Wipe:
    contacts: int
    period_keys_replaced: int
    # Live contacts whose period had no key file in this KEY_DIR: not the site's KEY_DIR.
    contacts_without_key: int


def contacts_wipe_all() -> Wipe:
    """Emergency: make every contact unreadable at once, in the database, its files and
    every earlier dump. Inventory is untouched.

    First every key file in KEY_DIR (period keys, blind-index key) is overwritten with a
    fresh random key, holding the SEALING_KEYS lock (exclusive), so a contact being
    sealed with a key about to be destroyed is committed before, and deleted below; one
    sealed after waits and uses the new keys. Then the sealed contacts are deleted (a
    failure there still leaves nothing readable). The deletion runs after the lock is
    let go: a contact update holds its request row while it seals, and the deletion
    needs that row. (Drivers' stop outcomes hold no free text to destroy: a failure
    reason is a choice from a list.)

    It also counts the live contacts whose period has no key file here: then this KEY_DIR
    is not the one the site seals with, and the real keys survive. The contacts are
    deleted all the same (an emergency is not blocked); the caller must say so loudly.
    """
    with transaction.atomic():
        take_turn(Turn.SEALING_KEYS)
        on_disk = set(keystore.periods())
        in_use = Counter(
            sealing.period_of_sealed(token)
            for token in SealedContact.objects.values_list("sealed", flat=True).iterator()
        )
        without_key = sum(n for period, n in in_use.items() if period and period not in on_disk)
        replaced = keystore.replace_all()
    with transaction.atomic():
        deleted, _ = SealedContact.objects.all().delete()
        HouseholdRequest.objects.filter(contact_purged_at__isnull=True).update(
            contact_purged_at=timezone.now()
        )
    wipe = Wipe(
        contacts=deleted,
        period_keys_replaced=sum(name.startswith(keystore.PERIOD_PREFIX) for name in replaced),
        contacts_without_key=without_key,
    )
    logger.warning(
        "emergency wipe: replaced %d period key file(s) and the blind-index key, deleted %d "
        "sealed contact(s)",
        wipe.period_keys_replaced,
        wipe.contacts,
    )
    if without_key:
        logger.error(
            "emergency wipe: %d contact(s) were sealed with keys missing from KEY_DIR %s",
            without_key,
            keystore.key_dir(),
        )
    return wipe


@dataclass(frozen=True)
class Reseal:
    resealed: int
    unopened: int


def contacts_reseal(*, batch_size: int = 500, past_periods_only: bool = False) -> Reseal:
    """Re-encrypt sealed contacts under the current period and the newest sealing key, and
    recompute their blind indexes (key rotation, a new BLIND_INDEX_KEY; with
    `past_periods_only`, the hourly move out of closed periods), then (after commit)
    destroy the key files no live contact uses.

    A contact that does not open is left as it is and counted (an error in the log, its
    contents never): the others are re-sealed and the keys still pruned. Afterwards a
    retired key can be dropped from SEALING_KEYS, and backups sealed with it become
    unreadable. Idempotent. One transaction per batch, which takes the SEALING_KEYS lock
    (shared) before it locks the rows it rewrites, in pk order.
    """
    oldest_open = _oldest_open_period()
    candidates = SealedContact.objects.order_by("pk").values_list("pk", "sealed", "sealed_word")
    pks = [
        pk
        for pk, token, word in candidates.iterator(chunk_size=batch_size)
        if not past_periods_only
        or _closed(sealing.period_of_sealed(token), oldest_open)
        or (word and _closed(sealing.period_of_sealed(word), oldest_open))
    ]
    resealed = unopened = 0
    for first in range(0, len(pks), batch_size):
        with transaction.atomic():
            take_turn(Turn.SEALING_KEYS, shared=True)
            batch = pks[first : first + batch_size]
            for contact in (
                SealedContact.objects.select_for_update().filter(pk__in=batch).order_by("pk")
            ):
                try:
                    reseal_contact(contact)
                except (sealing.SealingError, ValueError, TypeError):
                    unopened += 1
                    continue
                contact.save(
                    update_fields=["sealed", "sealed_word", "phone_index", "address_index"]
                )
                resealed += 1
    if unopened:
        logger.error(
            "re-seal: %d sealed contact(s) do not open and were left as they are", unopened
        )
    transaction.on_commit(sealing_keys_prune)
    return Reseal(resealed=resealed, unopened=unopened)


def contacts_reseal_past_periods() -> int:
    """Move every live contact sealed in a closed period into the current one, then
    destroy the closed periods' keys: a long-open request never keeps an old key alive.
    Idempotent. Returns how many moved."""
    return contacts_reseal(past_periods_only=True).resealed
