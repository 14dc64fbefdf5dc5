"""Inventory jobs."""

from __future__ import annotations

import logging

from celery import shared_task

from inventory.selectors import ledger_mismatches

logger = logging.getLogger(__name__)


@shared_task(name="inventory.tasks.ledger_audit")
def ledger_audit() -> int:
    """Compare every lot with its ledger and log disagreements. Read-only, so idempotent."""
    mismatches = ledger_mismatches()
    for mismatch in mismatches:
        logger.error("stock ledger disagrees with lot: %s", mismatch)
    logger.info("ledger audit: %d lot(s) disagree", len(mismatches))
    return len(mismatches)
