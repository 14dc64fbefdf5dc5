"""A dropped database connection costs no later request; one that dies mid-query answers 503.

The faults are real: gunicorn with two sync workers serves pytest-django's test database,
and this test's own connection ends the workers' backends with `pg_terminate_backend`.
A sync worker serves one request at a time, so to reach both workers for certain one
request is parked on a table lock this test holds (`ACCESS EXCLUSIVE`: even a plain read
waits) while the next request, reading other tables, goes to the other worker.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from django.conf import settings
from django.db import connection, transaction
from django.urls import reverse
from django.utils.translation import override

from household_requests.models import RequestLine
from mutualaid.outage import OUTAGE_MESSAGE, RETRY_AFTER_SECONDS
from tests.conftest import need
from tests.integration.conftest import database_url_for
from tests.integration.helpers import wait_for

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

SERVER_READY_SECONDS = 60
SERVER_STOP_SECONDS = 15
REQUEST_SECONDS = 20
# Waits on the lock below: the "most needed" page and API read request lines.
LOCKED_TABLE = RequestLine._meta.db_table


@dataclass
class WebServer:
    process: subprocess.Popen[bytes]
    log_path: Path
    base_url: str = ""

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def get(self, path: str, language: str = "en") -> requests.Response:
        return requests.get(
            self.base_url + path,
            headers={"Accept-Language": language},
            timeout=REQUEST_SECONDS,
            allow_redirects=False,
        )


@pytest.fixture(scope="module")
def web_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[WebServer]:
    """gunicorn, two sync workers, on 127.0.0.1 and a port the system picks."""
    need("PostgreSQL (set DATABASE_URL)", connection.vendor == "postgresql")
    request.getfixturevalue("django_db_setup")
    database_name = str(connection.settings_dict["NAME"])
    assert database_name.startswith("test_"), database_name

    log_path = tmp_path_factory.mktemp("gunicorn") / "server.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "mutualaid.settings_test",
        "DATABASE_URL": database_url_for(settings.DATABASE_URL, database_name),
        "MUTUALAID_TEST_RUN": settings.TEST_RUN,
        "DEBUG": "0",
        "PYTHONUNBUFFERED": "1",
    }
    command = [
        str(Path(sys.executable).with_name("gunicorn")),
        "mutualaid.wsgi:application",
        "--bind=127.0.0.1:0",
        "--workers=2",
        "--preload",  # Django loads once, before the workers fork: they answer at once
        "--worker-class=sync",
        f"--timeout={REQUEST_SECONDS * 2}",
        "--graceful-timeout=5",
        "--error-logfile=-",
        "--no-control-socket",  # one path per user: parallel servers would share it
    ]
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            command,
            cwd=settings.BASE_DIR,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = WebServer(process=process, log_path=log_path)
    try:

        def started() -> bool:
            log = server.log()
            return log.count("Booting worker") >= 2 or process.poll() is not None

        wait_for(
            started,
            timeout=SERVER_READY_SECONDS,
            message=lambda: f"gunicorn did not start:\n{server.log()[-4000:]}",
        )
        listening = re.search(r"Listening at: (http://127\.0\.0\.1:\d+)", server.log())
        assert process.poll() is None and listening, f"gunicorn exited:\n{server.log()[-4000:]}"
        server.base_url = listening.group(1)
        yield server
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)  # quick shutdown: nothing left to finish
            try:
                process.wait(timeout=SERVER_STOP_SECONDS)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)  # its own group: it and its workers
                process.wait()


def other_backends(*, waiting_on_lock: bool = False) -> list[int]:
    """The test database's backends other than this test's own connection."""
    query = (
        "SELECT pid FROM pg_stat_activity"
        " WHERE datname = current_database() AND pid <> pg_backend_pid()"
    )
    if waiting_on_lock:
        query += " AND wait_event_type = 'Lock'"
    with connection.cursor() as cursor:
        # A transaction sees one snapshot of pg_stat_activity: take a fresh one.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(query)
        return [pid for (pid,) in cursor.fetchall()]


def terminate(pids: list[int]) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(pid) FROM unnest(%s::int[]) AS pid", [pids])
    wait_for(
        lambda: not set(pids) & set(other_backends()),
        timeout=10,
        message=f"backends {pids} did not end",
    )


@contextmanager
def parked(
    server: WebServer, path: str, language: str = "en"
) -> Iterator[Future[requests.Response]]:
    """`path` requested while this test holds LOCKED_TABLE: its worker waits on the lock
    (its backend is the one waiting) until the block ends."""
    with ThreadPoolExecutor(max_workers=1) as pool, transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f'LOCK TABLE "{LOCKED_TABLE}" IN ACCESS EXCLUSIVE MODE')
        answer = pool.submit(server.get, path, language)
        wait_for(
            lambda: other_backends(waiting_on_lock=True) or answer.done(),
            timeout=REQUEST_SECONDS,
            message="the parked request never waited on the lock",
        )
        assert not answer.done(), f"the parked request did not wait: {answer.result()}"
        yield answer


def through_both_workers(server: WebServer) -> list[requests.Response]:
    """One request through each worker: the first parked on the lock, the second (a page
    that reads other tables) therefore served by the other worker meanwhile."""
    with parked(server, reverse("household_requests:most_needed")) as first:
        second = server.get(reverse("household_requests:request_form"))
    return [first.result(timeout=REQUEST_SECONDS), second]


def test_it_replaces_connections_killed_while_idle(web_server: WebServer) -> None:
    assert [answer.status_code for answer in through_both_workers(web_server)] == [200, 200]
    idle = other_backends()
    assert len(idle) >= 2, f"each worker should hold a connection: {idle}"

    terminate(idle)

    after = through_both_workers(web_server) + [
        web_server.get(reverse("household_requests:most_needed")) for _ in range(4)
    ]
    assert [answer.status_code for answer in after] == [200] * 6, web_server.log()[-4000:]


@pytest.mark.parametrize(
    ("url_name", "language"),
    [("household_requests:most_needed", "es"), ("api-public-needs", "so")],
)
def test_it_answers_503_when_the_connection_dies_mid_query(
    web_server: WebServer, url_name: str, language: str
) -> None:
    with parked(web_server, reverse(url_name), language) as answer:
        terminate(other_backends(waiting_on_lock=True))
        lost = answer.result(timeout=REQUEST_SECONDS)

    with override(language):
        message = str(OUTAGE_MESSAGE)
    with override("en"):
        assert message != str(OUTAGE_MESSAGE)  # translated, not the English text
    assert lost.status_code == 503, web_server.log()[-4000:]
    assert lost.headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert lost.headers["Content-Language"] == language
    if url_name.startswith("api-"):
        assert lost.json() == {"detail": message}
    else:
        assert lost.headers["Content-Type"].startswith("text/html")
        assert message in lost.text
        assert f'<html lang="{language}">' in lost.text

    assert [answer.status_code for answer in through_both_workers(web_server)] == [200, 200]
