"""Two database connections at once, for tests that race writes on PostgreSQL: a call in
its own thread (and connection), and a look at who waits for a row lock."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from django.db import connection, connections

WAIT = 15.0  # seconds; every wait below is bounded


class InThread:
    """Run `call` in its own thread (and so its own database connection)."""

    def __init__(self, call: Callable[[], Any]) -> None:
        self.result: Any = None
        self.thread = threading.Thread(target=self._run, args=(call,), daemon=True)
        self.thread.start()

    def _run(self, call: Callable[[], Any]) -> None:
        try:
            self.result = call()
        except Exception as exc:  # asserted by the test
            self.result = exc
        finally:
            connections.close_all()

    def join(self) -> Any:
        self.thread.join(timeout=WAIT)
        assert not self.thread.is_alive(), "still running: a deadlock or a lost wakeup"
        return self.result


def backends_waiting_for_a_row_lock() -> int:
    with connection.cursor() as cursor:
        # Inside a transaction the activity view is a snapshot: take a fresh one.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return int(cursor.fetchone()[0])


def wait_until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting: {what}"
        time.sleep(0.02)
