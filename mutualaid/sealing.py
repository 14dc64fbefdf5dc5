"""Sealing: authenticated encryption of contact details with keys from the environment.

SEALING_KEYS is a list of Fernet keys, newest first: the first seals, all unseal, so keys
rotate. The keys are independent of SECRET_KEY. Without SEALING_KEYS (embedded mode only)
a development key is generated into var/ with a loud warning.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings

logger = logging.getLogger(__name__)

DEVELOPMENT_KEY_WARNING = (
    "SEALING_KEYS is not set: contact details are sealed with a development key kept in "
    "%s. Anyone with that file can read them. Set SEALING_KEYS for real use."
)


class SealingError(Exception):
    """A sealed value could not be opened with any configured key."""


def new_key() -> str:
    return Fernet.generate_key().decode("ascii")


def _development_key() -> str:
    path = settings.SEALING_KEY_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        # Written with owner-only permissions; created once, never overwritten.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(new_key())
    return path.read_text().strip()


def configured_keys() -> list[str]:
    return list(settings.SEALING_KEYS) or [_development_key()]


@cache
def _fernet() -> MultiFernet:
    try:
        return MultiFernet([Fernet(key.encode("ascii")) for key in configured_keys()])
    except (ValueError, UnicodeEncodeError) as exc:
        raise SealingError(
            "SEALING_KEYS holds a value that is not a Fernet key "
            "(url-safe base64 of 32 bytes; manage.py new_sealing_key prints one)"
        ) from exc


def reset_key_cache() -> None:
    _fernet.cache_clear()
    _blind_index_key.cache_clear()


def seal(plaintext: str) -> bytes:
    return _fernet().encrypt(plaintext.encode("utf-8"))


def unseal(token: bytes) -> str:
    try:
        return _fernet().decrypt(bytes(token)).decode("utf-8")
    except InvalidToken as exc:
        raise SealingError("sealed value cannot be opened with the configured keys") from exc


def reseal(token: bytes) -> bytes:
    """Re-encrypt a sealed value under the newest key (for key rotation)."""
    return _fernet().rotate(bytes(token))


def warn_if_development_key() -> None:
    if not settings.SEALING_KEYS and not settings.TESTING:
        logger.warning(DEVELOPMENT_KEY_WARNING, settings.SEALING_KEY_FILE)


@cache
def _blind_index_key() -> bytes:
    configured = settings.BLIND_INDEX_KEY
    if configured:
        return configured.encode("utf-8")
    path = settings.BLIND_INDEX_KEY_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(32))
    return path.read_text().strip().encode("utf-8")


def blind_index(value: str, *, purpose: str) -> str:
    """A keyed hash of an already-normalized value: equal inputs match, nothing is readable.

    The key (BLIND_INDEX_KEY) is separate from the sealing keys so that rotating those
    keeps duplicate detection working.
    """
    if not value:
        return ""
    message = f"{purpose}:{value}".encode()
    return hmac.new(_blind_index_key(), message, hashlib.sha256).hexdigest()
