"""Time-based clean-up: expired stock and the contacts of finished requests."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from household_requests import allocation
from household_requests.models import FINISHED_STATUSES, HouseholdRequest, SealedContact
from inventory import services as inventory
from inventory.models import StockLot
from mutualaid import sealing
from mutualaid.timeutil import local_today

logger = logging.getLogger(__name__)


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


@transaction.atomic
def contacts_purge(*, now: dt.datetime | None = None) -> int:
    """Destroy sealed contacts of requests finished longer ago than the retention period.

    Statistics (the request rows without contacts) stay. Idempotent.
    """
    cutoff = (now or timezone.now()) - dt.timedelta(days=settings.CONTACT_RETENTION_DAYS)
    request_ids = list(
        HouseholdRequest.objects.filter(
            status__in=FINISHED_STATUSES, finished_at__lte=cutoff, contact_purged_at__isnull=True
        ).values_list("pk", flat=True)
    )
    if not request_ids:
        return 0
    SealedContact.objects.filter(request_id__in=request_ids).delete()
    HouseholdRequest.objects.filter(pk__in=request_ids).update(contact_purged_at=timezone.now())
    logger.info("purged the contacts of %d finished request(s)", len(request_ids))
    return len(request_ids)


@transaction.atomic
def contacts_wipe_all() -> int:
    """Emergency: destroy every sealed contact at once. Inventory is untouched."""
    deleted, _ = SealedContact.objects.all().delete()
    HouseholdRequest.objects.filter(contact_purged_at__isnull=True).update(
        contact_purged_at=timezone.now()
    )
    return deleted


@transaction.atomic
def contacts_reseal(*, batch_size: int = 500) -> int:
    """Re-encrypt every sealed contact under the newest sealing key (key rotation).

    Afterwards the retired key can be dropped from SEALING_KEYS, and backups sealed with
    it become unreadable. Idempotent. Locks the rows it rewrites.
    """
    count = 0
    rows = SealedContact.objects.select_for_update().order_by("pk")
    for contact in rows.iterator(chunk_size=batch_size):
        contact.sealed = sealing.reseal(bytes(contact.sealed))
        contact.save(update_fields=["sealed"])
        count += 1
    return count
