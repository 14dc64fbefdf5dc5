"""A driver's notice number, sealed as a family's contact is (`mutualaid.sealing`): with a
key derived from SEALING_KEYS and a key file in KEY_DIR (`volunteer-numbers.key`, not a
period key, so the purge never removes it; the emergency wipe replaces every key file,
so the wipe destroys volunteers' numbers with the families' contacts). Opened only by
`deliveries.notices` in the worker, to send a notice; never logged, never shown back."""

from __future__ import annotations

import re

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from mutualaid import keystore, sealing
from mutualaid.locks import Turn, take_turn

KEY_NAME = "volunteer-numbers.key"
PURPOSE = "volunteer-numbers"
VERSION = b"vn1:"


def normalize_number(number: str) -> str:
    """International form: a plus and 8 to 15 digits; '' when it is not one. A 10-digit
    number is taken as North American (+1)."""
    digits = re.sub(r"\D", "", number)
    if not number.strip().startswith("+") and len(digits) == 10:
        digits = "1" + digits
    return f"+{digits}" if 8 <= len(digits) <= 15 else ""


def _fernet(*, create: bool) -> MultiFernet:
    try:
        file_key = keystore.key(KEY_NAME, create=create)
    except keystore.MissingKeyError as exc:
        raise sealing.SealingError("the volunteers' number key was destroyed") from exc
    return MultiFernet(
        [
            Fernet(sealing.derive_fernet_key(file_key, key, PURPOSE))
            for key in sealing.configured_keys()
        ]
    )


def seal_number(number: str) -> bytes:
    """Seal a normalized number; call it inside the transaction that stores it (the wipe
    waits for it, as for a contact)."""
    take_turn(Turn.SEALING_KEYS, shared=True)
    return VERSION + _fernet(create=True).encrypt(number.encode("utf-8"))


def open_number(sealed: bytes | memoryview) -> str:
    """The number; raises SealingError when its key is gone (the wipe)."""
    token = bytes(sealed)
    if not token.startswith(VERSION):
        raise sealing.SealingError("not a sealed volunteer number")
    try:
        return _fernet(create=False).decrypt(token[len(VERSION) :]).decode("utf-8")
    except InvalidToken as exc:
        raise sealing.SealingError("the number cannot be opened with the configured keys") from exc


def numbers_forget_all() -> int:
    """Emergency: clear every driver's sealed number (the wipe, through the
    `forget_driver_numbers` command, after it replaced the key that opened them; their
    channel stays, so a driver who chose Signal or SMS gets nothing until they give a
    number again). Idempotent. Returns how many were cleared."""
    from deliveries.models import Driver

    return Driver.objects.filter(notice_number__isnull=False).update(notice_number=None)
