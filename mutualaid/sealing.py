"""Sealing: authenticated encryption of contact details, and forgetting by destroying keys.

Design (THREAT_MODEL.md, "Crypto-shredding", says what it defends and its limits):

- Two halves make every key. SEALING_KEYS (environment; Fernet keys, newest first) and a
  random *period key* in KEY_DIR (`mutualaid.keystore`: one file per ISO week or month,
  SEALING_PERIOD, on the application host, never in the database or its backups). The
  Fernet key that seals a contact is HKDF-SHA256 of both, bound to the period's name:
  the environment alone opens nothing, the key directory alone opens nothing, and a
  database dump holds neither.
- A sealed value names its period: `v2:<period>:<Fernet token>`. It is sealed under the
  current period with the first sealing key; every sealing key opens (so SEALING_KEYS
  rotate as before: `rotate_sealing_key` re-seals everything under the newest).
  Values from before period keys (a bare Fernet token, which SEALING_KEYS alone opens) do
  not open here: the household_requests migration that re-seals them carries its own
  opener, so no such row remains; the operator then rotates SEALING_KEYS and
  BLIND_INDEX_KEY once (README, "Upgrading to keys in KEY_DIR"): the old ones open
  backups taken before.
- Forgetting destroys keys, because deleting rows leaves them in the table's files, the
  write-ahead log and every earlier dump. The emergency wipe overwrites every key file
  (period keys and the blind-index key) with fresh random keys. The purge and the hourly
  re-seal job (which moves live contacts of a closed period into the current one) remove a
  period's key file once no live contact uses it.
- Blind indexes (duplicate detection) are HMAC-SHA256 under a key derived from
  BLIND_INDEX_KEY (environment) and `blind-index.key` in KEY_DIR; the wipe replaces the
  file, so phone indexes from before it can no longer be matched by hashing every phone
  number. Rotating SEALING_KEYS keeps them matching; `rotate_sealing_key` recomputes them
  too, so a new BLIND_INDEX_KEY takes effect with it.
- Processes cache keys; `mutualaid.keystore` checks the file's identity on each use, so
  a key that another process destroyed is never used again. Sealing takes the
  SEALING_KEYS advisory lock shared, until its transaction ends, before it reads a key;
  the wipe and the prune take it exclusive: a contact is never committed under a key that
  was destroyed while it was being sealed (PostgreSQL; SQLite has one writer anyway).

Without SEALING_KEYS (embedded mode only) a development key is generated into var/ with a
loud warning; KEY_DIR then defaults to var/keys.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import os

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.utils import timezone

from mutualaid import keystore
from mutualaid.locks import Turn, take_turn

logger = logging.getLogger(__name__)

DEVELOPMENT_KEY_WARNING = (
    "SEALING_KEYS is not set: contact details are sealed with a development key kept in "
    "%s. Anyone with that file and %s can read them. Set SEALING_KEYS for real use."
)
VERSION = b"v2"
SEAL_INFO = b"mutualaid contact sealing v2:"
BLIND_INDEX_INFO = b"mutualaid blind index v2"


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


def _raw(sealing_key: str) -> bytes:
    try:
        raw = base64.urlsafe_b64decode(sealing_key.encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        raw = b""
    if len(raw) != 32:
        raise SealingError(
            "SEALING_KEYS holds a value that is not a Fernet key "
            "(url-safe base64 of 32 bytes; manage.py new_sealing_key prints one)"
        )
    return raw


def derive_fernet_key(period_key: bytes, sealing_key: str, period: str) -> bytes:
    """The Fernet key of one period under one sealing key: needs both halves."""
    derived = HKDF(
        algorithm=SHA256(), length=32, salt=None, info=SEAL_INFO + period.encode("ascii")
    ).derive(period_key + _raw(sealing_key))
    return base64.urlsafe_b64encode(derived)


# One entry per period, replaced when its key changes and dropped when it is destroyed, so
# a process holds no key the wipe or the purge destroyed.
_period_fernets: dict[str, tuple[bytes, tuple[str, ...], MultiFernet]] = {}


def _fernet_for(period: str, *, create: bool) -> MultiFernet:
    try:
        period_key = keystore.key(keystore.period_key_name(period), create=create)
    except keystore.MissingKeyError as exc:
        _period_fernets.pop(period, None)
        raise SealingError(f"the key of period {period} was destroyed") from exc
    sealing_keys = tuple(configured_keys())
    cached = _period_fernets.get(period)
    if cached is not None and cached[:2] == (period_key, sealing_keys):
        return cached[2]
    fernet = MultiFernet(
        [Fernet(derive_fernet_key(period_key, key, period)) for key in sealing_keys]
    )
    _period_fernets[period] = (period_key, sealing_keys, fernet)
    return fernet


def current_period() -> str:
    return keystore.period_of(timezone.now())


def reset_key_cache() -> None:
    """Forget keys read from the environment and the key store (tests, key rotation)."""
    _period_fernets.clear()
    _blind_index_keys.clear()
    keystore.forget()


def period_of_sealed(token: bytes | memoryview) -> str:
    """The period a sealed value was sealed in; '' for one from before period keys."""
    token = bytes(token)
    if not token.startswith(VERSION + b":"):
        return ""
    return token.split(b":", 2)[1].decode("ascii")


def seal(plaintext: str) -> bytes:
    """Seal under the current period. Call it inside the transaction that stores the value:
    the lock it takes lasts until that transaction ends."""
    take_turn(Turn.SEALING_KEYS, shared=True)
    period = current_period()
    token = _fernet_for(period, create=True).encrypt(plaintext.encode("utf-8"))
    return b":".join((VERSION, period.encode("ascii"), token))


def unseal(token: bytes) -> str:
    token = bytes(token)
    period = period_of_sealed(token)
    if not period:
        raise SealingError("sealed before period keys (see the migration that re-seals them)")
    fernet = _fernet_for(period, create=False)
    token = token.split(b":", 2)[2]
    try:
        return fernet.decrypt(token).decode("utf-8")
    except InvalidToken as exc:
        raise SealingError("sealed value cannot be opened with the configured keys") from exc


def warn_if_development_key() -> None:
    if not settings.SEALING_KEYS and not settings.TESTING:
        logger.warning(DEVELOPMENT_KEY_WARNING, settings.SEALING_KEY_FILE, settings.KEY_DIR)


def derive_blind_index_key(file_key: bytes, configured: str) -> bytes:
    """The blind-index HMAC key from the key file's key and BLIND_INDEX_KEY: needs both."""
    return HKDF(algorithm=SHA256(), length=32, salt=None, info=BLIND_INDEX_INFO).derive(
        file_key + configured.encode("utf-8")
    )


_blind_index_keys: dict[str, tuple[bytes, str, bytes]] = {}


def blind_index_key() -> bytes:
    """The HMAC key of the blind indexes: BLIND_INDEX_KEY with the key file in KEY_DIR."""
    file_key = keystore.key(keystore.BLIND_INDEX_KEY_NAME, create=True)
    cached = _blind_index_keys.get("key")
    if cached is not None and cached[:2] == (file_key, settings.BLIND_INDEX_KEY):
        return cached[2]
    derived = derive_blind_index_key(file_key, settings.BLIND_INDEX_KEY)
    _blind_index_keys["key"] = (file_key, settings.BLIND_INDEX_KEY, derived)  # the only one
    return derived


def blind_index(value: str, *, purpose: str) -> str:
    """A keyed hash of an already-normalized value: equal inputs match, nothing is readable.

    Its key is separate from the sealing keys so that rotating those keeps duplicate
    detection working; the emergency wipe changes it.
    """
    if not value:
        return ""
    message = f"{purpose}:{value}".encode()
    return hmac.new(blind_index_key(), message, hashlib.sha256).hexdigest()
