"""The Celery app: JSON only, late acks, one message prefetched, bounded run time."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mutualaid.settings")

app = Celery("mutualaid")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.update(
    task_serializer="json",
    result_serializer="json",
    accept_content=["json"],
    task_ignore_result=True,
    # A task is acknowledged after it ran, and re-queued if its worker dies mid-run;
    # every task is idempotent, so running one twice is safe.
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    task_soft_time_limit=240,
    task_time_limit=300,
    worker_prefetch_multiplier=1,
    broker_connection_retry_on_startup=True,
    timezone="UTC",
    enable_utc=True,
    # Sweeps; events (a new request, a donation, a cancellation, a failed stop) trigger
    # the same tasks sooner.
    beat_schedule={
        "allocate": {"task": "household_requests.tasks.allocate_open_requests", "schedule": 300.0},
        "plan-routes": {"task": "deliveries.tasks.plan_routes", "schedule": 300.0},
        "offer-routes": {"task": "deliveries.tasks.offer_routes", "schedule": 600.0},
        "release-stale-claims": {
            "task": "deliveries.tasks.release_stale_claims",
            "schedule": 300.0,
        },
        "expire-stock": {"task": "household_requests.tasks.expire_stock", "schedule": 3600.0},
        "purge-contacts": {"task": "household_requests.tasks.purge_contacts", "schedule": 3600.0},
        "purge-stop-notes": {"task": "deliveries.tasks.purge_stop_notes", "schedule": 3600.0},
        "ledger-audit": {"task": "inventory.tasks.ledger_audit", "schedule": 3600.0},
    },
)
app.autodiscover_tasks()
