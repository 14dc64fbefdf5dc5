"""A dropped database connection costs no later request; one that dies mid-query answers 503.

The faults are real: gunicorn with two sync workers serves pytest-django's test database,
and this test's own connection ends the workers' backends with `pg_terminate_backend`.
A sync worker serves one request at a time, so to reach both workers for certain one
request is parked on a table lock this test holds (`ACCESS EXCLUSIVE`: even a plain read
waits) while the next request, reading other tables, goes to the other worker.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager

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
from tests.integration.helpers import WebServer, wait_for, web_server

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

REQUEST_SECONDS = 20
# Waits on the lock below: the "most needed" page and API read request lines.
LOCKED_TABLE = RequestLine._meta.db_table


def get(server: WebServer, path: str, language: str = "en") -> requests.Response:
    return requests.get(
        server.url + path,
        headers={"Accept-Language": language},
        timeout=REQUEST_SECONDS,
        allow_redirects=False,
    )


@pytest.fixture(scope="module")
def two_workers(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[WebServer]:
    """gunicorn, two sync workers, serving the test database."""
    need("PostgreSQL (set DATABASE_URL)", connection.vendor == "postgresql")
    request.getfixturevalue("django_db_setup")
    database_name = str(connection.settings_dict["NAME"])
    assert database_name.startswith("test_"), database_name
    with web_server(
        database_url=database_url_for(settings.DATABASE_URL, database_name),
        test_run=settings.TEST_RUN,
        log_path=tmp_path_factory.mktemp("gunicorn") / "server.log",
        cwd=settings.BASE_DIR,
        env={"DEBUG": "0"},
        workers=2,
    ) as server:
        yield server


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
        answer = pool.submit(get, server, path, language)
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
        second = get(server, reverse("household_requests:request_form"))
    return [first.result(timeout=REQUEST_SECONDS), second]


def test_it_replaces_connections_killed_while_idle(two_workers: WebServer) -> None:
    assert [answer.status_code for answer in through_both_workers(two_workers)] == [200, 200]
    idle = other_backends()
    assert len(idle) >= 2, f"each worker should hold a connection: {idle}"

    terminate(idle)

    after = through_both_workers(two_workers) + [
        get(two_workers, reverse("household_requests:most_needed")) for _ in range(4)
    ]
    assert [answer.status_code for answer in after] == [200] * 6, two_workers.log()[-4000:]


@pytest.mark.parametrize(
    ("url_name", "language"),
    [("household_requests:most_needed", "es"), ("api-public-needs", "so")],
)
def test_it_answers_503_when_the_connection_dies_mid_query(
    two_workers: WebServer, url_name: str, language: str
) -> None:
    with parked(two_workers, reverse(url_name), language) as answer:
        terminate(other_backends(waiting_on_lock=True))
        lost = answer.result(timeout=REQUEST_SECONDS)

    with override(language):
        message = str(OUTAGE_MESSAGE)
    with override("en"):
        assert message != str(OUTAGE_MESSAGE)  # translated, not the English text
    assert lost.status_code == 503, two_workers.log()[-4000:]
    assert lost.headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert lost.headers["Content-Language"] == language
    if url_name.startswith("api-"):
        assert lost.json() == {"detail": message}
    else:
        assert lost.headers["Content-Type"].startswith("text/html")
        assert message in lost.text
        assert f'<html lang="{language}">' in lost.text

    assert [answer.status_code for answer in through_both_workers(two_workers)] == [200, 200]
