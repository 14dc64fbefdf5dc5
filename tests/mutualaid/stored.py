"""What the database holds, as text an attacker with a dump would read.

`pg_dump_text()`: a real `pg_dump` of the test database (PostgreSQL, committed rows only).
`every_stored_value()`: every value of every row of every table, on any database.
`as_an_attacker_reads_it()`: the dump on PostgreSQL (as CI runs), else every stored value.
"""

from __future__ import annotations

import os
import shutil
import subprocess

from django.db import connection

from tests.conftest import need


def pg_dump_text() -> str:
    """`pg_dump` of the test database, as an attacker holding a backup would have it."""
    need("PostgreSQL (set DATABASE_URL)", connection.vendor == "postgresql")
    need("pg_dump", shutil.which("pg_dump") is not None)
    settings = connection.settings_dict
    env = {**os.environ, "PGPASSWORD": settings.get("PASSWORD") or ""}
    command = ["pg_dump", "--no-owner", "-d", settings["NAME"]]
    if settings.get("HOST"):
        command += ["-h", settings["HOST"]]
    if settings.get("PORT"):
        command += ["-p", str(settings["PORT"])]
    if settings.get("USER"):
        command += ["-U", settings["USER"]]
    done = subprocess.run(command, env=env, capture_output=True, check=True, timeout=120)
    return done.stdout.decode("utf-8", errors="replace")


def as_an_attacker_reads_it() -> str:
    return pg_dump_text() if connection.vendor == "postgresql" else every_stored_value()


def every_stored_value() -> str:
    """Every value in every table of the database, one row a line (any database)."""
    lines = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            for row in cursor.fetchall():
                lines.append("\t".join(_text(value) for value in row))
    return "\n".join(lines)


def _text(value: object) -> str:
    if isinstance(value, bytes | memoryview):
        return bytes(value).decode("utf-8", errors="replace")
    return str(value)
