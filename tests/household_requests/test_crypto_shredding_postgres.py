"""Crypto-shredding, tried as an attacker would (PostgreSQL, Redis, a real Celery worker).

The attacker holds a pg_dump taken before the wipe, the table's files and the write-ahead
log read after it, and every key the server still holds: SEALING_KEYS, BLIND_INDEX_KEY,
every file in KEY_DIR, and any key-shaped string found by decrypting. Before the wipe the
same procedure opens every contact and matches every phone index (the positive control);
after it, nothing. Web (this process), the worker and the wipe command are separate
processes that share KEY_DIR.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import importlib
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import time_machine
from cryptography.fernet import Fernet, InvalidToken
from django.apps import apps as django_apps
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from household_requests.contacts import unseal_contact
from household_requests.models import SealedContact
from household_requests.services import request_cancel
from mutualaid import keystore, schedule, sealing
from mutualaid.celery import app as celery_app
from tests.conftest import need
from tests.household_requests.factories import contact, submit
from tests.integration.conftest import celery_worker_process, database_url_for
from tests.integration.helpers import CeleryWorker, wait_for

__all__ = ["celery_worker_process"]  # the fixture, shared with tests/integration

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

LAST_MONTH = dt.timedelta(days=40)
# The test phones lie in the range the attacker hashes: 612-555-0000 to 612-555-9999.
PHONE_RANGE = [f"612555{n:04d}" for n in range(10_000)]
TABLE = "household_requests_sealedcontact"
FERNET_TOKEN = re.compile(rb"gAAAAA[A-Za-z0-9_\-]{40,}={0,2}")
KEY_SHAPED = re.compile(r"[A-Za-z0-9_\-]{43}=")
NAME = re.compile(r"Shredtest Person \d{4}")
PERIOD = re.compile(rb"v2:(\d{4}-(?:W\d{2}|\d{2})):")
HEX_BYTEA = re.compile(rb"\\\\x([0-9a-f]+)")


def _phone(n: int) -> str:
    return f"612-555-{n:04d}"


def _name(n: int) -> str:
    return f"Shredtest Person {n:04d}"


def _submit(n: int) -> int:
    return submit(contact=contact(name=_name(n), phone=_phone(n))).request.pk


# What the attacker has -----------------------------------------------------------------


def _pg_dump() -> bytes:
    need("pg_dump", shutil.which("pg_dump") is not None)
    db = connection.settings_dict
    command = ["pg_dump", "--no-owner", "-d", str(db["NAME"])]
    for flag, name in (("-h", "HOST"), ("-p", "PORT"), ("-U", "USER")):
        if db.get(name):
            command += [flag, str(db[name])]
    env = {**os.environ, "PGPASSWORD": db.get("PASSWORD") or ""}
    return subprocess.run(command, env=env, capture_output=True, check=True, timeout=120).stdout


def _superuser() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        return bool(cursor.fetchone()[0])


def _wal_position() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_walfile_name(pg_current_wal_lsn())")
        return str(cursor.fetchone()[0])


def _files_on_disk(wal_since: str) -> bytes:
    """The table's file (after a CHECKPOINT) and the WAL segments written since
    `wal_since`, read by the server itself (the test may run on another host)."""
    need("a superuser connection (pg_read_binary_file)", _superuser())
    with connection.cursor() as cursor:
        cursor.execute("CHECKPOINT")
        cursor.execute("SELECT pg_relation_filepath(%s)", [TABLE])
        paths = [cursor.fetchone()[0]]
        # Up to the segment in use: later names are recycled segments, written long ago.
        cursor.execute(
            "SELECT 'pg_wal/' || name FROM pg_ls_waldir() WHERE name ~ '^[0-9A-F]{24}$' "
            "AND name BETWEEN %s AND pg_walfile_name(pg_current_wal_lsn()) ORDER BY name",
            [wal_since],
        )
        paths += [row[0] for row in cursor.fetchall()]
        chunks = []
        for path in paths:
            cursor.execute("SELECT pg_read_binary_file(%s)", [path])
            chunks.append(bytes(cursor.fetchone()[0]))
    return b"".join(chunks)


def _bytea_in_dump(dump: bytes) -> bytes:
    """pg_dump writes bytea as hex (\\\\x...): decode it so tokens show as they are."""
    return b"\n".join(binascii.unhexlify(match) for match in HEX_BYTEA.findall(dump))


def _phone_indexes_in_dump(dump: bytes) -> set[str]:
    """The phone_index column of the sealed-contact rows in a plain-text pg_dump."""
    text = dump.decode("utf-8", errors="replace")
    header = re.search(rf"^COPY public\.{TABLE} \((.*?)\) FROM stdin;$", text, re.M)
    assert header, "the dump has no sealed-contact table"
    column = [name.strip() for name in header.group(1).split(",")].index("phone_index")
    rows = text[header.end() :].split("\n\\.\n", 1)[0].strip("\n").splitlines()
    return {row.split("\t")[column] for row in rows if row}


@dataclass
class Keys:
    """Every key the server holds, as the attacker collects them."""

    sealing_keys: list[str]
    blind_index_key: str
    files: dict[str, bytes]
    found: set[str] = field(default_factory=set)

    @classmethod
    def held_by_the_server(cls) -> Keys:
        directory = Path(settings.KEY_DIR)
        files = {path.name: path.read_bytes().strip() for path in directory.iterdir()}
        return cls(sealing.configured_keys(), settings.BLIND_INDEX_KEY, files)

    def raw_file_keys(self) -> list[bytes]:
        keys = []
        for text in self.files.values():
            try:
                keys.append(base64.urlsafe_b64decode(text))
            except (binascii.Error, ValueError):
                keys.append(text)
        return keys

    def fernets(self, periods: Iterable[str]) -> list[Fernet]:
        """Every way these keys make a Fernet key: each alone, and the server's way."""
        candidates = {*self.sealing_keys, *self.found}
        candidates |= {text.decode("ascii", "replace") for text in self.files.values()}
        for period in periods:
            for file_key in self.raw_file_keys():
                for sealing_key in {*self.sealing_keys, *self.found}:
                    candidates.add(
                        sealing.derive_fernet_key(file_key, sealing_key, period).decode()
                    )
        fernets = []
        for candidate in candidates:
            try:
                fernets.append(Fernet(candidate.encode("ascii")))
            except (ValueError, UnicodeEncodeError):
                continue
        return fernets

    def blind_keys(self) -> list[bytes]:
        configured = self.blind_index_key.encode()
        keys = [configured, *self.raw_file_keys()]
        for file_key in self.raw_file_keys():
            for extra in (configured, b""):
                keys.append(sealing.derive_blind_index_key(file_key, extra.decode()))
        return keys


@dataclass
class Haul:
    tokens: int
    opened: int
    names: set[str]


def _open_everything(material: bytes, keys: Keys) -> Haul:
    """Try every key on every Fernet token in `material`; keys found inside what opens
    are tried too, until nothing new turns up."""
    tokens = set(FERNET_TOKEN.findall(material))
    periods = {period.decode() for period in PERIOD.findall(material)}
    periods |= {name[5:-4] for name in keys.files if name.startswith("seal-")}
    periods.add(sealing.current_period())
    opened: dict[bytes, str] = {}
    while True:
        fernets = keys.fernets(periods)
        for token in tokens - opened.keys():
            for fernet in fernets:
                try:
                    opened[token] = fernet.decrypt(token).decode("utf-8", "replace")
                    break
                except InvalidToken:
                    continue
        new = {k for text in opened.values() for k in KEY_SHAPED.findall(text)} - keys.found
        if not new:
            break
        keys.found |= new
    names = {
        name for text in opened.values() for name in re.findall(r"Shredtest Person \d{4}", text)
    }
    return Haul(tokens=len(tokens), opened=len(opened), names=names)


def _phone_indexes_matched(indexes: set[str], keys: Keys) -> int:
    """How many of `indexes` hashing every phone number in the range finds."""
    found = set()
    for key in keys.blind_keys():
        for phone in PHONE_RANGE:
            digest = hmac.new(key, f"phone:{phone}".encode(), hashlib.sha256).hexdigest()
            if digest in indexes:
                found.add(digest)
    return len(found)


# The processes ---------------------------------------------------------------------------


def _database_name() -> str:
    return str(connection.settings_dict["NAME"])


def _wipe_in_another_process() -> None:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "mutualaid.settings_test",
        "DATABASE_URL": database_url_for(
            settings.DATABASE_URL, str(connection.settings_dict["NAME"])
        ),
        "MUTUALAID_TEST_RUN": settings.TEST_RUN,
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "emergency_wipe", "--yes-destroy-all-contacts"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "destroyed" in result.stdout
    assert result.stdout.strip().splitlines()[-1].startswith("Now restart web, worker and beat")


def _reseal_on_the_worker(worker: CeleryWorker, *, expected: int) -> None:
    since = worker.log_position()
    celery_app.send_task(schedule.RESEAL_CONTACTS)
    line = re.compile(rf"{re.escape(schedule.RESEAL_CONTACTS)}\[[^\]]+\] succeeded in \S+: (\d+)")
    match = wait_for(
        lambda: line.search(worker.log(since=since)),
        timeout=60,
        message=lambda: f"the worker did not re-seal:\n{worker.log_tail(30)}",
    )
    assert match is not None
    assert int(match.group(1)) == expected


def _in_current_period() -> bool:
    current = sealing.current_period()
    return all(
        sealing.period_of_sealed(token) == current
        for token in SealedContact.objects.values_list("sealed", flat=True)
    )


# The tests ------------------------------------------------------------------------------


def test_it_leaves_nothing_openable_in_an_earlier_dump_or_on_disk_after_the_wipe(
    celery_worker_process: CeleryWorker,
):
    wal_since = _wal_position()
    # Three families sealed last month, moved into this month's key by the worker; three now.
    with time_machine.travel(timezone.now() - LAST_MONTH, tick=False):
        old = [_submit(n) for n in (100, 101, 102)]
    new = [_submit(n) for n in (103, 104, 105)]
    _reseal_on_the_worker(celery_worker_process, expected=3)
    assert _in_current_period()
    everyone = {_name(n) for n in range(100, 106)}
    assert {unseal_contact(row).name for row in SealedContact.objects.all()} == everyone
    assert len(old + new) == 6

    dump = _pg_dump()
    disk_before = _files_on_disk(wal_since)
    phone_indexes = _phone_indexes_in_dump(dump)
    assert len(phone_indexes) == 6

    # Positive control: with the keys the server holds now, the procedure opens everything.
    keys = Keys.held_by_the_server()
    from_dump = _open_everything(_bytea_in_dump(dump), keys)
    from_disk = _open_everything(disk_before, keys)
    # Two sealed values per family: the contact and its door word (issue 14).
    assert (from_dump.tokens, from_dump.opened, from_dump.names) == (12, 12, everyone)
    assert from_disk.names == everyone
    assert _phone_indexes_matched(phone_indexes, keys) == 6
    print(
        f"before the wipe: dump {from_dump.opened}/{from_dump.tokens} tokens opened, "
        f"files and WAL {from_disk.opened}/{from_disk.tokens}, phone indexes 6/6"
    )

    _wipe_in_another_process()

    assert not SealedContact.objects.exists()
    keys = Keys.held_by_the_server()
    disk_after = _files_on_disk(wal_since)
    after_dump = _open_everything(_bytea_in_dump(dump), keys)
    after_disk = _open_everything(disk_before + disk_after, keys)
    # The tokens are still there, and none opens.
    assert after_dump.tokens == 12 and after_disk.tokens >= 12
    assert (after_dump.opened, after_dump.names) == (0, set())
    assert (after_disk.opened, after_disk.names) == (0, set())
    assert keys.found == set()
    assert _phone_indexes_matched(phone_indexes, keys) == 0
    print(
        f"after the wipe: dump {after_dump.opened}/{after_dump.tokens} tokens opened, "
        f"files and WAL {after_disk.opened}/{after_disk.tokens}, phone indexes 0/6"
    )


def test_it_uses_the_keys_another_process_replaced(celery_worker_process: CeleryWorker):
    # The worker and this process both read (and cache) this month's key.
    with time_machine.travel(timezone.now() - LAST_MONTH, tick=False):
        _submit(200)
    _reseal_on_the_worker(celery_worker_process, expected=1)
    assert unseal_contact(SealedContact.objects.get()).name == _name(200)

    _wipe_in_another_process()

    # After the wipe, the worker seals with this month's new key, not the one it cached,
    # and opens last month's new key: what it seals, this process opens.
    with time_machine.travel(timezone.now() - LAST_MONTH, tick=False):
        _submit(201)
    _reseal_on_the_worker(celery_worker_process, expected=1)
    row = SealedContact.objects.get()
    assert sealing.period_of_sealed(row.sealed) == sealing.current_period()
    assert unseal_contact(row).name == _name(201)


def test_it_makes_purged_contacts_unopenable_once_their_period_key_is_gone(
    celery_worker_process: CeleryWorker,
):
    with time_machine.travel(timezone.now() - LAST_MONTH, tick=False):
        finished = _submit(300)
        request_cancel(request_id=finished)
        old_period = sealing.current_period()
    _submit(301)
    dump = _bytea_in_dump(_pg_dump())
    assert _open_everything(dump, Keys.held_by_the_server()).names == {_name(300), _name(301)}
    since = celery_worker_process.log_position()

    celery_app.send_task(schedule.PURGE_CONTACTS)

    celery_worker_process.wait_for_log(f"{schedule.PURGE_CONTACTS}[", since=since)
    wait_for(lambda: old_period not in keystore.periods(), timeout=30)
    haul = _open_everything(dump, Keys.held_by_the_server())
    # Two sealed values per family (contact, door word): the purged family's open no more.
    assert (haul.tokens, haul.opened, haul.names) == (4, 2, {_name(301)})
    assert unseal_contact(SealedContact.objects.get()).name == _name(301)


# Contacts sealed before period keys ------------------------------------------------------

OLD_SEALING_KEY, NEW_SEALING_KEY = Fernet.generate_key().decode(), Fernet.generate_key().decode()
OLD_BLIND_INDEX_KEY, NEW_BLIND_INDEX_KEY = "old-blind-index-key-" * 2, "new-blind-index-key-" * 2
RESEAL_MIGRATION = "household_requests.migrations.0004_reseal_contacts_sealed_before_period_keys"


def _seal_as_before_period_keys(n: int) -> None:
    """What the code before period keys stored: a bare Fernet token under SEALING_KEYS, a
    phone index under BLIND_INDEX_KEY alone."""
    row = SealedContact.objects.get()
    plaintext = sealing.unseal(bytes(row.sealed)).encode()
    index = hmac.new(
        settings.BLIND_INDEX_KEY.encode(), f"phone:612555{n:04d}".encode(), hashlib.sha256
    ).hexdigest()
    SealedContact.objects.filter(pk=row.pk).update(
        sealed=Fernet(OLD_SEALING_KEY.encode()).encrypt(plaintext), phone_index=index
    )


def test_a_backup_from_before_period_keys_is_unreadable_after_the_upgrade_steps_and_wipe():
    with override_settings(SEALING_KEYS=[OLD_SEALING_KEY], BLIND_INDEX_KEY=OLD_BLIND_INDEX_KEY):
        sealing.reset_key_cache()
        _submit(400)
        _seal_as_before_period_keys(400)
        backup = _pg_dump()  # taken before the upgrade
        old_environment = Keys.held_by_the_server()
        # Positive control: the environment of before opens it, and matches its phone.
        haul = _open_everything(_bytea_in_dump(backup), old_environment)
        # The contact and its door word (issue 14).
        assert (haul.tokens, haul.opened, haul.names) == (2, 2, {_name(400)})
        assert _phone_indexes_matched(_phone_indexes_in_dump(backup), old_environment) == 1

        # The upgrade: migrate, then rotate both keys once (README).
        importlib.import_module(RESEAL_MIGRATION).reseal_legacy_contacts(django_apps, None)
    with override_settings(
        SEALING_KEYS=[NEW_SEALING_KEY, OLD_SEALING_KEY], BLIND_INDEX_KEY=NEW_BLIND_INDEX_KEY
    ):
        sealing.reset_key_cache()
        call_command("rotate_sealing_key", verbosity=0)
    with override_settings(SEALING_KEYS=[NEW_SEALING_KEY], BLIND_INDEX_KEY=NEW_BLIND_INDEX_KEY):
        sealing.reset_key_cache()
        assert unseal_contact(SealedContact.objects.get()).name == _name(400)

        _wipe_in_another_process()

        keys = Keys.held_by_the_server()
        haul = _open_everything(_bytea_in_dump(backup), keys)
        assert (haul.tokens, haul.opened, haul.names) == (2, 0, set())
        assert _phone_indexes_matched(_phone_indexes_in_dump(backup), keys) == 0
    # Why the rotation is a step: the keys of before, kept, would still open that backup.
    assert _open_everything(_bytea_in_dump(backup), old_environment).opened == 2  # and its word
