"""Re-seal every contact sealed before period keys, so that no row remains that the
environment alone opens.

Before keys in KEY_DIR a sealed contact was a bare Fernet token under SEALING_KEYS, and
its blind indexes an HMAC under BLIND_INDEX_KEY alone: the emergency wipe, which destroys
only KEY_DIR, could not make those unreadable. This re-seals each under the key store's
current period and recomputes its indexes. The app itself no longer opens bare tokens, so
this migration carries its own opener (Fernet over SEALING_KEYS, or the development key
file), frozen here. It writes through `contacts.reseal_plaintext`, kept for it, because
it must write the app's current format with the key store's rules (one key per period,
made once by whichever process is first), which a copy here would let drift apart.

Afterwards the operator rotates SEALING_KEYS and BLIND_INDEX_KEY once (README, "Upgrading
to keys in KEY_DIR"): the old ones still open the backups taken before this.
"""

from __future__ import annotations

from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import migrations

PERIOD_PREFIX = b"v2:"


def _legacy_keys() -> list[str]:
    keys = list(settings.SEALING_KEYS)
    if not keys and settings.SEALING_KEY_FILE.exists():
        keys = [settings.SEALING_KEY_FILE.read_text().strip()]
    return keys


def _open_legacy(token: bytes, keys: list[str]) -> str | None:
    try:
        fernet = MultiFernet([Fernet(key.encode("ascii")) for key in keys])
        return fernet.decrypt(token).decode("utf-8")
    except (InvalidToken, ValueError, UnicodeError):
        return None


def reseal_legacy_contacts(apps: Any, schema_editor: Any) -> None:
    from household_requests.contacts import reseal_plaintext

    sealed_contact = apps.get_model("household_requests", "SealedContact")
    legacy = [
        (pk, bytes(token))
        for pk, token in sealed_contact.objects.order_by("pk").values_list("pk", "sealed")
        if not bytes(token).startswith(PERIOD_PREFIX)
    ]
    if not legacy:
        return
    keys = _legacy_keys()
    unopened = 0
    for pk, token in legacy:
        plaintext = _open_legacy(token, keys)
        if plaintext is None:
            unopened += 1
            continue
        sealed, phone_index, address_index = reseal_plaintext(plaintext)
        sealed_contact.objects.filter(pk=pk).update(
            sealed=sealed, phone_index=phone_index, address_index=address_index
        )
    if unopened:
        # Nothing is written (the migration rolls back): a wrong SEALING_KEYS must not
        # destroy contacts. Their contents are never printed.
        raise RuntimeError(
            f"{unopened} sealed contact(s) from before period keys do not open with "
            "SEALING_KEYS: set the key(s) that sealed them, then migrate again"
        )


class Migration(migrations.Migration):
    dependencies = [("household_requests", "0003_pickup_outside_the_zones")]

    operations = [
        migrations.RunPython(reseal_legacy_contacts, migrations.RunPython.noop, elidable=False)
    ]
