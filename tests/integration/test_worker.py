"""A real Celery worker runs our tasks against the test database, through Redis."""

from __future__ import annotations

import pytest
from django.db.models import F

from inventory.models import StockLot
from mutualaid.celery import app as celery_app
from tests.integration.helpers import CeleryWorker, wait_for
from tests.inventory.factories import stocked_lot

LEDGER_AUDIT = "household_requests.tasks.ledger_audit"


@pytest.mark.services
def test_it_runs_the_ledger_audit_on_the_worker(
    transactional_db: None, celery_worker_process: CeleryWorker
):
    lot = stocked_lot(quantity=10)
    # A raw update behind the services' back: the lot now disagrees with its ledger.
    StockLot.objects.filter(pk=lot.pk).update(on_hand=F("on_hand") + 1)
    since = celery_worker_process.log_position()

    celery_app.send_task(LEDGER_AUDIT)

    log = celery_worker_process.wait_for_log("ledger audit: 1 problem(s)", since=since)
    assert f"lot {lot.pk}: on hand 11 but ledger says 10" in log


def test_it_waits_until_the_condition_holds():
    calls = iter([0, "", None, "done"])

    assert wait_for(lambda: next(calls), timeout=5, interval=0) == "done"


def test_it_fails_with_the_message_after_the_timeout():
    with pytest.raises(AssertionError, match=r"after 0\.05s: still empty"):
        wait_for(lambda: [], timeout=0.05, interval=0.01, message=lambda: "still empty")
