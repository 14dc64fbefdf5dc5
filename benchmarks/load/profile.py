"""Profile the load endpoints in one process, without gunicorn or concurrency: CPU time and
queries per request, beside the bare read and the bare insert.

    python -m benchmarks.load.profile --database NAME [--seed] [--only ENDPOINT] [-n 20]
        [--cprofile]

`--seed` creates the database NAME afresh and seeds it as `make load` does (the keys are
kept beside it in VAR_DIR, so a later run without `--seed` reads the same world). Each
request goes through the WSGI handler with the headers the load clients send.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]


def _environment(database: str) -> dict[str, str]:
    from benchmarks.load import __main__ as load

    state = Path(tempfile.gettempdir()) / f"mutualaid-profile-{database}"
    state.mkdir(exist_ok=True)
    keys = state / "env.json"
    if not keys.exists():
        base = load._environment("")
        keys.write_text(
            json.dumps({k: base[k] for k in ("SECRET_KEY", "SEALING_KEYS", "BLIND_INDEX_KEY")})
        )
    url = os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/postgres"
    return {
        **json.loads(keys.read_text()),
        "DJANGO_SETTINGS_MODULE": "benchmarks.load.settings",
        "DATABASE_URL": urlunsplit(urlsplit(url)._replace(path=f"/{database}")),
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/7"),
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1,testserver",
        "TRUSTED_PROXY_COUNT": "1",
        "VAR_DIR": str(state),
    }


def _seed(env: dict[str, str], database: str, requests: int, drivers: int) -> None:
    import psycopg

    admin = urlunsplit(urlsplit(env["DATABASE_URL"])._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{database}"')
    full = {**os.environ, **env}
    python = sys.executable
    subprocess.run(
        [python, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=full, check=True
    )
    world = str(Path(env["VAR_DIR"]) / "world.json")
    subprocess.run(
        [python, "-m", "benchmarks.load.seed", world, str(requests), str(drivers)],
        cwd=ROOT,
        env=full,
        check=True,
    )


def _environ(method: str, path: str, headers: dict[str, str], body: bytes) -> dict[str, object]:
    split = urlsplit(path)
    environ: dict[str, object] = {
        "REQUEST_METHOD": method,
        "PATH_INFO": split.path,
        "QUERY_STRING": split.query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "CONTENT_LENGTH": str(len(body)),
        "HTTP_HOST": "127.0.0.1",
    }
    for name, value in headers.items():
        key = name.upper().replace("-", "_")
        environ[key if key == "CONTENT_TYPE" else f"HTTP_{key}"] = value
    return environ


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", default="load_helper_p")
    parser.add_argument("--seed", action="store_true")
    parser.add_argument("--requests", type=int, default=1200)
    parser.add_argument("--drivers", type=int, default=60)
    parser.add_argument("--only", action="append", default=[])
    parser.add_argument("-n", type=int, default=20)
    parser.add_argument("--cprofile", action="store_true")
    parser.add_argument(
        "--cprofile-filter", default="", help="only functions whose path matches this regex"
    )
    parser.add_argument("--sql", action="store_true", help="print the queries of one request")
    args = parser.parse_args()

    env = _environment(args.database)
    if args.seed:
        _seed(env, args.database, args.requests, args.drivers)
    os.environ.update(env)

    import django

    django.setup()
    from django.core.handlers.wsgi import WSGIHandler
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    from benchmarks.load.__main__ import ENDPOINTS
    from benchmarks.load.clients import build_request

    world = json.loads((Path(env["VAR_DIR"]) / "world.json").read_text())
    app = WSGIHandler()
    rng = random.Random(1)
    counter = [0]

    def call(endpoint: str) -> int:
        counter[0] += 1
        method, path, headers, body = build_request(endpoint, world, rng, counter[0])
        status: list[str] = []

        def start_response(line: str, headers: object, exc_info: object = None) -> Any:
            status.append(line)

        chunks = app(_environ(method, path, headers, body), start_response)
        b"".join(chunks)
        getattr(chunks, "close", lambda: None)()
        return int(status[0].split()[0])

    print("| endpoint | status | ms CPU | ms wall | queries | x bare |")
    print("|---|---:|---:|---:|---:|---:|")
    floors: dict[str, float] = {}
    for endpoint, kind in ENDPOINTS:
        if args.only and endpoint not in args.only and kind != "floor":
            continue
        first = call(endpoint)  # warm: imports, templates, connection
        with CaptureQueriesContext(connection) as captured:
            call(endpoint)
        queries = len(captured.captured_queries)
        if args.sql:
            for query in captured.captured_queries:
                print(f"  [{query['time']}] {query['sql'][:600]}")
        profiler = cProfile.Profile() if args.cprofile and kind != "floor" else None
        # The best of three rounds: the machine is shared, and noise only adds time.
        cpu = wall = float("inf")
        for _round in range(1 if profiler else 3):
            cpu0, wall0 = time.process_time(), time.perf_counter()
            if profiler:
                profiler.enable()
            for _ in range(args.n):
                call(endpoint)
            if profiler:
                profiler.disable()
            cpu = min(cpu, (time.process_time() - cpu0) / args.n)
            wall = min(wall, (time.perf_counter() - wall0) / args.n)
        if kind == "floor":
            floors["read" if endpoint == "bare read" else "write"] = wall
            ratio = 1.0
        else:
            ratio = floors[kind] / wall
        print(
            f"| {endpoint} | {first} | {cpu * 1000:.1f} | {wall * 1000:.1f} | {queries} | "
            f"{ratio:.2f} |",
            flush=True,
        )
        if profiler:
            stats = pstats.Stats(profiler)
            stats.sort_stats("cumulative").print_stats(args.cprofile_filter, 45)
            stats.sort_stats("tottime").print_stats(25)
        reset_queries()
    return 0


if __name__ == "__main__":
    sys.exit(main())
