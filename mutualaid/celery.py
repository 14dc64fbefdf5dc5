"""The Celery app: JSON only, late acks, one message prefetched, bounded run time.

A job whose worker dies is redone. A pool process killed mid-task: its job is queued again
at once (`task_reject_on_worker_lost`). A whole worker killed: its message stays
unacknowledged in Redis, and any live worker (or the next to start) queues it again once it
is `JOB_VISIBILITY_TIMEOUT` (60 s) old. No job waits in a worker (no countdown, no ETA:
mutualaid/jobs.py), and one message is taken at a time, so a message is held only while its
job runs, and the hard time limit ends that before the visibility timeout would hand it out
twice.
"""

from __future__ import annotations

import os

from celery import Celery

from mutualaid.schedule import BEAT_SCHEDULE

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mutualaid.settings")

# A task is asked to stop (SoftTimeLimitExceeded) after 40 s and killed after 45 s.
TASK_SOFT_TIME_LIMIT = 40
TASK_TIME_LIMIT = 45

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
    task_soft_time_limit=TASK_SOFT_TIME_LIMIT,
    task_time_limit=TASK_TIME_LIMIT,
    worker_prefetch_multiplier=1,
    broker_connection_retry_on_startup=True,
    timezone="UTC",
    enable_utc=True,
    # What runs when: mutualaid/schedule.py.
    beat_schedule=BEAT_SCHEDULE,
)
app.autodiscover_tasks()
