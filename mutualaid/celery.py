"""The Celery app: JSON only, late acks, one message prefetched, bounded run time."""

from __future__ import annotations

import os

from celery import Celery

from mutualaid.schedule import BEAT_SCHEDULE

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
    # What runs when: mutualaid/schedule.py.
    beat_schedule=BEAT_SCHEDULE,
)
app.autodiscover_tasks()
