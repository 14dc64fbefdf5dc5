"""Jobs that must not overlap take turns on a transaction-scoped advisory lock."""

from __future__ import annotations

import enum

from django.db import connection


class Turn(enum.IntEnum):
    """One key per job that takes turns; arbitrary constants ("MA" + a number)."""

    ALLOCATE = 0x4D41_0001
    PLAN_ROUTES = 0x4D41_0002


def take_turn(turn: Turn) -> None:
    """Wait until no other transaction holds `turn`, then hold it until this one ends.

    PostgreSQL only. SQLite needs nothing: its IMMEDIATE transactions (settings) already
    let one writer in at a time, so two jobs never overlap there.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [int(turn)])
