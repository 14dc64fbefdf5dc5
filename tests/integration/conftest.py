"""A real Celery worker on PostgreSQL and Redis, for tests that cross process boundaries.

`celery_worker_process` (module scope) starts `celery -A mutualaid worker` per module, pointed
at pytest-django's test database and the same Redis as this process, and stops it at the
end. Without PostgreSQL and Redis it skips (fails when REQUIRE_SERVICES=1).

Tests that use it need committed rows, so they use `transactional_db` (or
`@pytest.mark.django_db(transaction=True)`); a plain `db` test's rows stay in a
transaction the worker cannot see. The worker shares this process's test-run name
(`settings.TEST_RUN`): it consumes the queue of that name, which this process sends to,
and its cache keys carry the same prefix. So runs and xdist workers on one Redis
database never take each other's jobs, and `-n` is fine.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Generator, Iterator
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import pytest
from django.conf import settings
from django.db import connection

from mutualaid.celery import app as celery_app
from tests.conftest import forget_cached, need
from tests.integration.helpers import CeleryWorker


def database_url_for(url: str, name: str) -> str:
    """The same server and credentials as `url`, another database."""
    return urlunsplit(urlsplit(url)._replace(path="/" + quote(name)))


# Module scope: the worker runs only while a module that asked for it runs, so it never
# picks up jobs that other tests enqueue in passing.
@pytest.fixture(scope="module")
def celery_worker_process(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[CeleryWorker]:
    need("PostgreSQL (set DATABASE_URL)", connection.vendor == "postgresql")
    need("Redis (set REDIS_URL)", bool(settings.REDIS_URL))
    queue = settings.TEST_RUN
    assert celery_app.conf.task_default_queue == queue, celery_app.conf.task_default_queue

    # The test database exists from here on; its name replaces the configured one.
    request.getfixturevalue("django_db_setup")
    database_name = connection.settings_dict["NAME"]
    assert database_name and str(database_name).startswith("test_"), database_name

    # Leftovers of an earlier run of this name would run against this database; the
    # "job already queued" marks go with them (the autouse reset keeps to this prefix).
    celery_app.control.purge()
    forget_cached()

    log_path = tmp_path_factory.mktemp("celery") / "worker.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "mutualaid.settings_test",
        "DATABASE_URL": database_url_for(settings.DATABASE_URL, str(database_name)),
        "REDIS_URL": str(settings.REDIS_URL),
        "MUTUALAID_TEST_RUN": queue,
        "PYTHONUNBUFFERED": "1",
    }
    command = [
        str(Path(sys.executable).with_name("celery")),
        "-A",
        "mutualaid",
        "worker",
        "--concurrency=2",
        "--loglevel=INFO",
        f"--queues={queue}",
        f"--hostname=integration-{os.getpid()}@%h",
        # No peers to meet: start in a second, not after gossip and mingle time out.
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
    ]
    worker = CeleryWorker.launch(
        command,
        env=env,
        cwd=Path(settings.BASE_DIR),
        log_path=log_path,
        database_name=str(database_name),
    )
    try:
        yield worker
    finally:
        worker.stop()


@pytest.fixture(autouse=True)
def _worker_needs_committed_rows(request: pytest.FixtureRequest) -> None:
    if "celery_worker_process" not in request.fixturenames:
        return
    marker = request.node.get_closest_marker("django_db")
    by_marker = marker is not None and bool(
        marker.kwargs.get("transaction") or (marker.args and marker.args[0])
    )
    if not (by_marker or "transactional_db" in request.fixturenames):
        pytest.fail(
            "a test with celery_worker_process needs transactional_db: "
            "the worker cannot see rows this test never commits",
            pytrace=False,
        )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    worker = getattr(item, "funcargs", {}).get("celery_worker_process")
    if report.when == "call" and report.failed and isinstance(worker, CeleryWorker):
        report.sections.append(("celery worker log (tail)", worker.log_tail()))
    return report
