"""Helpers for tests against real services: waiting with a timeout, a Celery worker, a
gunicorn web server."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")

LOG_TAIL_LINES = 200
WORKER_READY_SECONDS = 60
WORKER_STOP_SECONDS = 30


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
    """A `celery worker` subprocess whose output goes to `log_path`.

    It leads its own process group (its pool is in it), so `kill` takes the whole worker
    down as a power cut or the OOM killer would, and `stop` never touches anything else.
    """

    process: subprocess.Popen[bytes]
    log_path: Path
    database_name: str
    command: Sequence[str]
    env: Mapping[str, str]
    cwd: Path

    @classmethod
    def launch(
        cls,
        command: Sequence[str],
        *,
        env: Mapping[str, str],
        cwd: Path,
        log_path: Path,
        database_name: str,
    ) -> CeleryWorker:
        """Start the worker (appending to `log_path`) and wait until it is ready."""
        since = log_path.stat().st_size if log_path.exists() else 0
        with log_path.open("ab") as log_file:
            process = subprocess.Popen(
                list(command),
                cwd=cwd,
                env=dict(env),
                stdout=log_file,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        worker = cls(process, log_path, database_name, command, env, cwd)
        try:
            wait_for(
                lambda: " ready." in worker.log(since=since) or not worker.alive(),
                timeout=WORKER_READY_SECONDS,
                message=lambda: f"the celery worker did not start:\n{worker.log_tail()}",
            )
            if not worker.alive():
                raise AssertionError(
                    f"the celery worker exited ({process.returncode}):\n{worker.log_tail()}"
                )
        except BaseException:
            worker.stop()
            raise
        return worker

    def launch_again(self) -> CeleryWorker:
        """Another worker like this one: same command, queue, database and log."""
        return self.launch(
            self.command,
            env=self.env,
            cwd=self.cwd,
            log_path=self.log_path,
            database_name=self.database_name,
        )

    def kill(self) -> None:
        """SIGKILL the worker and its pool at once: nothing is acknowledged or given back."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=WORKER_STOP_SECONDS)

    def stop(self) -> None:
        """Warm shutdown (running tasks finish, unacknowledged ones go back); kill if stuck."""
        if not self.alive():
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=WORKER_STOP_SECONDS)
        except subprocess.TimeoutExpired:
            self.kill()

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


SERVER_READY_SECONDS = 60
SERVER_STOP_SECONDS = 15


@dataclass
class WebServer:
    """gunicorn serving this test run's database on 127.0.0.1, at a port the system picks."""

    process: subprocess.Popen[bytes]
    log_path: Path
    url: str = ""

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def log_tail(self, lines: int = LOG_TAIL_LINES) -> str:
        return "\n".join(self.log().splitlines()[-lines:])


@contextmanager
def web_server(
    *,
    database_url: str,
    test_run: str,
    log_path: Path,
    cwd: Path,
    env: Mapping[str, str] | None = None,
    workers: int = 1,
    threads: int = 1,
) -> Iterator[WebServer]:
    """Start gunicorn with the test settings (`test_run` names its cache keys and queue),
    wait until every worker is booted, and stop it (and its workers) afterwards.

    `--preload`: Django loads once, before the workers fork, so they answer at once.
    """
    command = [
        str(Path(sys.executable).with_name("gunicorn")),
        "mutualaid.wsgi:application",
        "--bind=127.0.0.1:0",
        f"--workers={workers}",
        f"--threads={threads}",
        "--preload",
        "--timeout=40",
        "--graceful-timeout=5",
        "--error-logfile=-",
        "--no-control-socket",  # its default path is shared by every gunicorn of this user
    ]
    full_env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "mutualaid.settings_test",
        "DATABASE_URL": database_url,
        "MUTUALAID_TEST_RUN": test_run,
        "PYTHONUNBUFFERED": "1",
        **(env or {}),
    }
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            command,
            cwd=cwd,
            env=full_env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = WebServer(process=process, log_path=log_path)
    try:
        wait_for(
            lambda: server.log().count("Booting worker") >= workers or process.poll() is not None,
            timeout=SERVER_READY_SECONDS,
            message=lambda: f"gunicorn did not start:\n{server.log_tail()}",
        )
        listening = re.search(r"Listening at: (http://127\.0\.0\.1:\d+)", server.log())
        assert process.poll() is None and listening, f"gunicorn exited:\n{server.log_tail()}"
        server.url = listening.group(1)
        yield server
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)  # quick shutdown: nothing left to finish
            try:
                process.wait(timeout=SERVER_STOP_SECONDS)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)  # its own group: it and its workers
                process.wait()
