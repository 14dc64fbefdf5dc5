"""Time-based clean-up: expired stock, the contacts of finished requests and their keys;
the emergency wipe."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from household_requests import allocation
from household_requests.contacts import reseal_contact
from household_requests.models import FINISHED_STATUSES, HouseholdRequest, SealedContact
from inventory import services as inventory
from inventory.models import StockLot
from mutualaid import keystore, sealing
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
    return {
        sealing.period_of_sealed(token)
        for token in SealedContact.objects.values_list("sealed", flat=True).iterator()
    }


def sealing_keys_prune() -> list[str]:
    """Remove the key file of every period that no live sealed contact uses, keeping the
    current period and, for an hour after it closes, the one before (a contact sealed
    just before midnight may still be committing). Idempotent."""
    now = timezone.now()
    keep = {
        keystore.period_of(now),
        keystore.period_of(now - RESEAL_GRACE),
        *_periods_in_use(),
    }
    removed = keystore.prune(keep=keep)
    if removed:
        logger.info("destroyed the sealing keys of period(s) %s", ", ".join(removed))
    return removed


def contacts_wipe_all() -> int:
    """Emergency: make every contact unreadable at once, in the database, its files and
    every earlier dump. Inventory is untouched.

    First every key file in KEY_DIR (period keys, blind-index key) is overwritten with a
    fresh random key (so a failure below still leaves nothing readable), then the sealed
    contacts are deleted. (Drivers' stop outcomes hold no free text to destroy: a failure
    reason is a choice from a list.) Returns how many contacts.
    """
    replaced = keystore.replace_all()
    with transaction.atomic():
        deleted, _ = SealedContact.objects.all().delete()
        HouseholdRequest.objects.filter(contact_purged_at__isnull=True).update(
            contact_purged_at=timezone.now()
        )
    logger.warning(
        "emergency wipe: replaced %d key file(s), deleted %d sealed contact(s)", replaced, deleted
    )
    return deleted


def contacts_reseal(*, batch_size: int = 500, past_periods_only: bool = False) -> int:
    """Re-encrypt sealed contacts under the current period and the newest sealing key, and
    recompute their blind indexes (key rotation; with `past_periods_only`, the hourly move
    out of closed periods), then (after commit) destroy the key files no live contact uses.

    Afterwards a retired key can be dropped from SEALING_KEYS, and backups sealed with it
    become unreadable. Idempotent. Locks the rows it rewrites, in pk order.
    """
    current = sealing.current_period()
    candidates = SealedContact.objects.order_by("pk").values_list("pk", "sealed")
    pks = [
        pk
        for pk, token in candidates.iterator(chunk_size=batch_size)
        if not past_periods_only or sealing.period_of_sealed(token) != current
    ]
    count = 0
    with transaction.atomic():
        rows = SealedContact.objects.select_for_update().filter(pk__in=pks).order_by("pk")
        for contact in rows.iterator(chunk_size=batch_size):
            reseal_contact(contact)
            contact.save(update_fields=["sealed", "phone_index", "address_index"])
            count += 1
    transaction.on_commit(sealing_keys_prune)
    return count


def contacts_reseal_past_periods() -> int:
    """Move every live contact sealed in a closed period (or before period keys) into the
    current one, then destroy the closed periods' keys: a long-open request never keeps
    an old key alive. Idempotent."""
    return contacts_reseal(past_periods_only=True)
