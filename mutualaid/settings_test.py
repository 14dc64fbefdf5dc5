"""Test settings: fast hashing, in-memory mail, an in-memory broker unless REDIS_URL is set.

With REDIS_URL, several test runs (and the xdist workers of one run) share a Redis
database with each other and with the Celery broker, so each process keeps to its own
name, TEST_RUN: its cache keys carry it as their prefix (tests delete only those keys,
never FLUSHDB) and its jobs go to a queue of that name.
"""

import os
import tempfile
import uuid
from pathlib import Path

from mutualaid.envconfig import env_str
from mutualaid.settings import *  # noqa: F403
from mutualaid.settings import CACHES, REDIS_URL, VAR_DIR

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
SEALING_KEY_FILE = VAR_DIR / "test-sealing.key"

# One name per test run and xdist worker. MUTUALAID_TEST_RUN is for processes that a test
# starts (the integration worker), so they share the name of the test that started them.
TEST_RUN = env_str("MUTUALAID_TEST_RUN") or "test-{run}-{worker}".format(
    run=(os.environ.get("PYTEST_XDIST_TESTRUNUID") or uuid.uuid4().hex)[:12],
    worker=os.environ.get("PYTEST_XDIST_WORKER", "main"),
)

# The key store of this run, shared with the processes its tests start (same TEST_RUN);
# tests/conftest.py removes it at the end of the run.
KEY_DIR = Path(env_str("KEY_DIR") or Path(tempfile.gettempdir()) / "mutualaid-keys" / TEST_RUN)

if REDIS_URL:
    CACHES = {"default": {**CACHES["default"], "KEY_PREFIX": TEST_RUN}}
    CELERY_TASK_DEFAULT_QUEUE = TEST_RUN
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CELERY_BROKER_URL = "memory://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {}
