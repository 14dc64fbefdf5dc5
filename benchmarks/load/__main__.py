"""`make load`: 50 concurrent clients against gunicorn on PostgreSQL and Redis, with a real
worker, each endpoint alone for a fixed time, beside two floors measured in the same run.

    python -m benchmarks.load [--seconds 8] [--clients 50] [--processes 4]

Needs PostgreSQL and Redis on this machine (DATABASE_URL's server, default
postgres://postgres@127.0.0.1:5432; Redis 127.0.0.1:6379 database 6, which it empties).
It creates the database `mutualaid_load` afresh, seeds it through the services, starts
`celery worker` and `gunicorn`, drives each endpoint, checks that every accepted request is
in the database, prints the table and stops everything. Loopback only; bounded in time.

The per-address request limit stays on: each request comes from a different
X-Forwarded-For address, trusted because TRUSTED_PROXY_COUNT=1 for the run.

Bounds: no errors (429s and 409s are counted apart); nothing lost; every read at least
0.1 of the bare read; every write at least 0.15 of the bare insert. The floors are driven
first and last, and each endpoint is compared with the mean of its floor's two runs.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from benchmarks.load.clients import Tally, run_process

ROOT = Path(__file__).resolve().parents[2]
DATABASE = "mutualaid_load"
REDIS_URL = "redis://127.0.0.1:6379/6"
READ_BOUND = 0.10
WRITE_BOUND = 0.15
# (endpoint, kind). The floors come first; each endpoint is compared with its kind's floor.
ENDPOINTS = [
    ("bare read", "floor"),
    ("bare insert", "floor"),
    ("form GET", "read"),
    ("form POST", "write"),
    ("public API POST", "write"),
    ("status page", "read"),
    ("driver board", "read"),
    ("route page", "read"),
    ("claim (API)", "write"),
    ("dashboard", "read"),
    ("stock page", "read"),
    ("request queue", "read"),
    ("API stock list", "read"),
    ("API request list", "read"),
    ("API route list", "read"),
    ("public needs API", "read"),
]
ACCEPTED = {"form POST": 303, "public API POST": 201}
APART = {409, 429}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _database_url() -> str:
    base = os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/postgres"
    return urlunsplit(urlsplit(base)._replace(path=f"/{DATABASE}"))


def _environment(database_url: str) -> dict[str, str]:
    from cryptography.fernet import Fernet

    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "benchmarks.load.settings",
        "DATABASE_URL": database_url,
        "REDIS_URL": REDIS_URL,
        "SECRET_KEY": secrets.token_urlsafe(60),
        "SEALING_KEYS": Fernet.generate_key().decode(),
        "BLIND_INDEX_KEY": secrets.token_urlsafe(40),
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "TRUSTED_PROXY_COUNT": "1",
        "VAR_DIR": tempfile.mkdtemp(prefix="mutualaid-load-"),
        "PYTHONUNBUFFERED": "1",
    }


def _recreate_database(database_url: str) -> None:
    import psycopg

    admin = urlunsplit(urlsplit(database_url)._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{DATABASE}"')


def _count_requests(database_url: str) -> int:
    import psycopg

    with psycopg.connect(database_url) as connection:
        row = connection.execute(
            "SELECT count(*) FROM household_requests_householdrequest"
        ).fetchone()
    return int(row[0]) if row else 0


def _wait_for_port(port: int, process: subprocess.Popen[bytes], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server exited with {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("the server did not start")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _drive(
    endpoint: str,
    world: dict[str, Any],
    port: int,
    *,
    clients: int,
    processes: int,
    seconds: float,
    first_seed: int,
) -> tuple[Tally, float]:
    threads = [clients // processes] * processes
    for i in range(clients % processes):
        threads[i] += 1
    started = time.monotonic()
    total = Tally()
    with ProcessPoolExecutor(max_workers=processes) as pool:
        futures = [
            pool.submit(run_process, endpoint, world, port, count, seconds, first_seed + seed)
            for seed, count in enumerate(threads)
        ]
        for future in futures:
            total.add(future.result())
    return total, time.monotonic() - started


def _percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    return (
        statistics.quantiles(values, n=100, method="inclusive")[int(p) - 1]
        if len(values) > 1
        else values[0]
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--web-workers", type=int, default=5)
    parser.add_argument("--requests", type=int, default=1200, help="requests seeded")
    parser.add_argument("--drivers", type=int, default=60)
    parser.add_argument("--only", action="append", default=[], help="endpoints to drive")
    args = parser.parse_args()

    database_url = _database_url()
    env = _environment(database_url)
    python = sys.executable
    _recreate_database(database_url)
    subprocess.run(["redis-cli", "-n", "6", "FLUSHDB"], check=True, capture_output=True)
    manage = [python, "manage.py"]
    subprocess.run([*manage, "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
    subprocess.run([*manage, "compile_translations", "-v", "0"], cwd=ROOT, env=env, check=True)
    world_path = Path(env["VAR_DIR"]) / "world.json"
    print(f"seeding {args.requests} requests and {args.drivers} drivers ...", flush=True)
    subprocess.run(
        [
            python,
            "-m",
            "benchmarks.load.seed",
            str(world_path),
            str(args.requests),
            str(args.drivers),
        ],
        cwd=ROOT,
        env=env,
        check=True,
    )
    world = json.loads(world_path.read_text())
    port = _free_port()
    logs = Path(env["VAR_DIR"])
    worker = subprocess.Popen(
        [
            str(Path(python).with_name("celery")),
            "-A",
            "mutualaid",
            "worker",
            "--concurrency=1",
            "--loglevel=WARNING",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
        env=env,
        stdout=(logs / "worker.log").open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    web = subprocess.Popen(
        [
            str(Path(python).with_name("gunicorn")),
            "mutualaid.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(args.web_workers),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=(logs / "web.log").open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    rows = []
    try:
        _wait_for_port(port, web)
        before = _count_requests(database_url)
        accepted = 0
        floors: dict[str, list[float]] = {"read": [], "write": []}
        # The floors are driven first and again last: the machine's speed drifts over a
        # run (it is shared), and each endpoint is compared with the mean of its floor's two
        # runs rather than with whichever happened to come first.
        closing = [(endpoint, kind) for endpoint, kind in ENDPOINTS if kind == "floor"]
        for endpoint, kind in [*ENDPOINTS, *closing]:
            if args.only and endpoint not in args.only and kind != "floor":
                continue
            # Warm the web workers (imports, templates, connections) apart from the count.
            warm, _ = _drive(
                endpoint, world, port, clients=5, processes=1, seconds=1, first_seed=900
            )
            tally, elapsed = _drive(
                endpoint,
                world,
                port,
                clients=args.clients,
                processes=args.processes,
                seconds=args.seconds,
                first_seed=1,
            )
            done = sum(tally.statuses.values())
            rate = done / elapsed
            apart = sum(n for status, n in tally.statuses.items() if status in APART)
            expected = ACCEPTED.get(endpoint)
            good = {expected} if expected else {200, 201, 303}
            if endpoint == "bare insert":
                good = {201}
            errors = sum(tally.errors.values()) + sum(
                n for status, n in tally.statuses.items() if status not in good | APART
            )
            if expected:
                accepted += tally.statuses[expected] + warm.statuses[expected]
            if kind == "floor":
                floors["read" if endpoint == "bare read" else "write"].append(rate)
            rows.append((endpoint, kind, rate, tally, errors, apart))
            print(f"  {endpoint}: {rate:,.0f}/s, {errors} errors", flush=True)
        time.sleep(1)
        lost = before + accepted - _count_requests(database_url)
    finally:
        _stop(web)
        _stop(worker)
    print()
    print(
        "| endpoint | kind | req/s | p50 ms | p95 ms | p99 ms | errors | 409/429 | ratio | bound |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---|")
    floor = {kind: statistics.mean(rates) for kind, rates in floors.items() if rates}
    failed = []
    for endpoint, kind, rate, tally, errors, apart in rows:
        if kind == "floor":
            ratio, bound = rate / floor["read" if endpoint == "bare read" else "write"], 0.0
        else:
            ratio, bound = rate / floor[kind], READ_BOUND if kind == "read" else WRITE_BOUND
        ok = errors == 0 and ratio >= bound
        if not ok:
            failed.append(endpoint)
        lat = tally.latencies
        print(
            f"| {endpoint} | {kind} | {rate:,.0f} | {_percentile(lat, 50) * 1000:.0f} | "
            f"{_percentile(lat, 95) * 1000:.0f} | {_percentile(lat, 99) * 1000:.0f} | {errors} | "
            f"{apart} | {ratio:.2f} | {'>= ' + format(bound, '.2f') if bound else '-'}"
            f"{'' if ok else ' MISSED'} |"
        )
    print(f"\naccepted submissions: {accepted}; lost: {lost}")
    if lost or failed:
        print(f"missed: {', '.join(failed) or '-'}; lost: {lost}")
        return 1
    print("all bounds held")
    return 0


if __name__ == "__main__":
    sys.exit(main())
