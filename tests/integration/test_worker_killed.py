"""A lost worker's job is redone within two minutes, without beat's sweep.

The whole worker (main process and pool) is SIGKILLed mid-allocation, so nothing is
acknowledged or given back: the message stays in Redis's unacked set. Kombu's Redis
transport puts it back on its queue once it is JOB_VISIBILITY_TIMEOUT old; every worker
looks for such messages at start and every 5 s (`restore_visible`), so a worker started
after the kill redoes the allocation about 60 s after the first one took it.
"""

from __future__ import annotations

import time

import pytest
from django.conf import settings
from django.db import connection

from household_requests.models import HouseholdRequest, RequestStatus
from inventory.models import StockLot
from mutualaid import celery as celery_config
from mutualaid.celery import app as celery_app
from mutualaid.locks import Turn
from mutualaid.schedule import BEAT_SCHEDULE
from tests.household_requests.factories import submit
from tests.integration.helpers import CeleryWorker, wait_for
from tests.inventory.factories import stocked_lot

REDONE_WITHIN_SECONDS = 120
# kombu's Redis sweep: every unacked_restore_interval s, scanning every throttle-th call.
SWEEP_SECONDS = 5


def test_it_ends_every_run_before_the_visibility_timeout():
    from mutualaid.jobs import RETRY_PAUSES

    hard_limit = celery_app.conf.task_time_limit
    assert celery_app.conf.task_soft_time_limit < hard_limit == celery_config.TASK_TIME_LIMIT
    # A message is held only while its job runs: one taken at a time, none with an ETA.
    assert celery_app.conf.worker_prefetch_multiplier == 1
    assert hard_limit < settings.JOB_VISIBILITY_TIMEOUT
    assert sum(RETRY_PAUSES) < celery_app.conf.task_soft_time_limit
    celery_app.loader.import_default_modules()  # every app's tasks.py, as a worker does
    ours = [task for name, task in celery_app.tasks.items() if not name.startswith("celery.")]
    assert len(ours) >= len(BEAT_SCHEDULE)
    for task in ours:
        assert not getattr(task, "autoretry_for", ()), task.name  # a retry would be an ETA
        assert (task.time_limit or hard_limit) <= hard_limit, task.name
    assert settings.JOB_VISIBILITY_TIMEOUT + SWEEP_SECONDS < REDONE_WITHIN_SECONDS


@pytest.mark.skipif(not settings.REDIS_URL, reason="the Redis transport options need REDIS_URL")
def test_it_sweeps_for_lost_jobs_often_with_the_visibility_timeout():
    options = celery_app.conf.broker_transport_options
    assert options["visibility_timeout"] == settings.JOB_VISIBILITY_TIMEOUT
    interval = options["unacked_restore_interval"] * options["unacked_restore_throttle"]
    assert interval == SWEEP_SECONDS
    # A worker killed while it held the sweep's mutex holds up the others this long at most.
    assert options["unacked_mutex_expire"] < settings.JOB_VISIBILITY_TIMEOUT


def _allocators_waiting() -> int:
    """Transactions waiting for the allocator's advisory lock in this database."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
            " AND objid = %s"
            " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
            [int(Turn.ALLOCATE)],
        )
        (waiting,) = cursor.fetchone() or (0,)
    return int(waiting)


@pytest.mark.services
def test_it_redoes_an_allocation_whose_worker_was_killed(
    transactional_db: None, celery_worker_process: CeleryWorker
):
    with connection.cursor() as cursor:
        # Session-level, on this test's connection: the worker's allocation waits mid-run.
        cursor.execute("SELECT pg_advisory_lock(%s)", [int(Turn.ALLOCATE)])
    try:
        lot = stocked_lot(quantity=10)  # announces new stock: the allocation is queued
        reference = submit(items=[(lot.item, 4)]).request.reference
        wait_for(
            _allocators_waiting,
            timeout=30,
            message=lambda: f"no allocation waits:\n{celery_worker_process.log_tail(30)}",
        )

        celery_worker_process.kill()
        killed_at = time.monotonic()
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock_all()")

    assert StockLot.objects.get(pk=lot.pk).reserved == 0
    since = celery_worker_process.log_position()
    successor = celery_worker_process.launch_again()
    try:
        wait_for(
            lambda: StockLot.objects.get(pk=lot.pk).reserved == 4,
            timeout=REDONE_WITHIN_SECONDS - (time.monotonic() - killed_at),
            interval=0.5,
            message=lambda: f"not redone:\n{successor.log_tail(30)}",
        )
        redone_after = time.monotonic() - killed_at
        request = HouseholdRequest.objects.get(reference=reference)
        assert request.status in (RequestStatus.MATCHED, RequestStatus.SCHEDULED)
        assert "allocate_open_requests" in successor.log(since=since)
        assert redone_after < REDONE_WITHIN_SECONDS
    finally:
        successor.stop()
