"""Jobs that must not overlap take turns on a transaction-scoped advisory lock."""

from __future__ import annotations

import enum

from django.db import connection


class Turn(enum.IntEnum):
    """One key per job that takes turns; arbitrary constants ("MA" + a number)."""

    ALLOCATE = 0x4D41_0001
    PLAN_ROUTES = 0x4D41_0002
    # Sealing with a key from KEY_DIR (shared) against destroying keys (the wipe, the prune).
    SEALING_KEYS = 0x4D41_0003
    # Counting a notice against the daily caps (deliveries.notices): one worker at a time.
    NOTICE_CAPS = 0x4D41_0013


def take_turn(turn: Turn, *, shared: bool = False) -> None:
    """Wait until no other transaction holds `turn`, then hold it until this one ends.
    With `shared`, it waits only for a holder that is not shared: shared holders run
    side by side, and a turn taken without `shared` waits until all of them are done.

    PostgreSQL only. SQLite needs nothing: its IMMEDIATE transactions (settings) already
    let one writer in at a time, so two jobs never overlap there.
    """
    if connection.vendor == "postgresql":
        function = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {function}(%s)", [int(turn)])
