"""Helpers for tests against real services: waiting with a timeout, a worker's log."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")

LOG_TAIL_LINES = 200


def wait_for(
    condition: Callable[[], T],
    *,
    timeout: float = 30.0,
    interval: float = 0.2,
    message: str | Callable[[], str] = "condition was not met",
) -> T:
    """Call `condition` until it returns something truthy, and return that.

    Fails the test after `timeout` seconds with `message` (a callable is asked only then,
    so it can describe the state at the time, such as a log tail).
    """
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() >= deadline:
            text = message() if callable(message) else message
            raise AssertionError(f"after {timeout:g}s: {text}")
        time.sleep(interval)


@dataclass
class CeleryWorker:
    """A `celery worker` subprocess whose output goes to `log_path`."""

    process: subprocess.Popen[bytes]
    log_path: Path
    database_name: str

    def log(self, *, since: int = 0) -> str:
        with self.log_path.open("rb") as handle:
            handle.seek(since)
            return handle.read().decode("utf-8", errors="replace")

    def log_position(self) -> int:
        """Where the log ends now; pass it as `since` to read only what comes after."""
        return self.log_path.stat().st_size

    def log_tail(self, lines: int = LOG_TAIL_LINES) -> str:
        return "\n".join(self.log().splitlines()[-lines:])

    def alive(self) -> bool:
        return self.process.poll() is None

    def wait_for_log(self, text: str, *, since: int = 0, timeout: float = 30.0) -> str:
        """Wait until `text` appears in the log after `since`; return the log from there."""

        def seen() -> str:
            if not self.alive():
                raise AssertionError(
                    f"the celery worker exited ({self.process.returncode}):\n{self.log_tail()}"
                )
            found = self.log(since=since)
            return found if text in found else ""

        return wait_for(
            seen,
            timeout=timeout,
            message=lambda: f"{text!r} not in the celery worker log:\n{self.log_tail(20)}",
        )
