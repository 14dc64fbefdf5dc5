"""Test settings: fast hashing, in-memory mail, an in-memory broker unless REDIS_URL is set."""

from mutualaid.settings import *  # noqa: F403
from mutualaid.settings import REDIS_URL, VAR_DIR

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
SEALING_KEY_FILE = VAR_DIR / "test-sealing.key"
BLIND_INDEX_KEY_FILE = VAR_DIR / "test-blind-index.key"

if not REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CELERY_BROKER_URL = "memory://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {}
