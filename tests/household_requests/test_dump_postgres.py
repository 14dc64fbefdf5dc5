"""A pg_dump of the database holds no contact details (PostgreSQL only)."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest
from django.db import connection

from tests.conftest import need
from tests.household_requests.factories import (
    SECRET_ADDRESS,
    SECRET_NAME,
    SECRET_NOTES,
    SECRET_PHONE,
    contact,
    submit,
)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_it_leaves_no_plaintext_contact_in_a_database_dump():
    need("pg_dump", shutil.which("pg_dump") is not None)
    submit()
    submit(contact=contact(name="Second Leakcheck Person", phone="651 555 0123"))
    settings = connection.settings_dict
    env = {**os.environ, "PGPASSWORD": settings.get("PASSWORD") or ""}
    command = ["pg_dump", "--no-owner", "-d", settings["NAME"]]
    if settings.get("HOST"):
        command += ["-h", settings["HOST"]]
    if settings.get("PORT"):
        command += ["-p", str(settings["PORT"])]
    if settings.get("USER"):
        command += ["-U", settings["USER"]]

    dump = subprocess.run(command, env=env, capture_output=True, check=True, timeout=120).stdout

    assert b"household_requests_sealedcontact" in dump  # the rows really are in the dump
    for secret in (SECRET_NAME, SECRET_PHONE, SECRET_ADDRESS, SECRET_NOTES, "Second Leakcheck"):
        assert secret.encode() not in dump
    assert b"Leakcheck" not in dump
    assert b"5550199" not in dump and b"555 0199" not in dump
