"""Schemathesis against the live API, as anonymous, organizer, driver and dispatcher (CI's
services pass).

    .venv/bin/python tests/api_fuzz.py [--examples N]

Builds a throwaway PostgreSQL database (its own name, dropped afterwards) on the server of
DATABASE_URL, migrates it, loads the demo data (an organizer, two drivers, a catalogue and
a week of donations), starts gunicorn on 127.0.0.1 in services mode (on REDIS_URL's Redis,
its keys and job queue named by its own REDIS_PREFIX, deleted afterwards), takes
each persona's token and runs schemathesis against http://127.0.0.1:<port> only, with the
schema the server serves. Destructive operations are welcome: the database is thrown away.

Checks: all but `positive_data_acceptance` (a schema-valid body may still name an item
that does not exist or break a request rule, and is rightly refused),
`negative_data_rejection` (DRF reads `0` as false and `0` as the text "0", as documented;
lenient, never harmful) and `ignored_auth` for anonymous (nothing is sent to ignore).
A 5xx, an answer outside the schema or an undocumented status or content type fails.
Request flood limit: lifted for the run (REQUEST_RATE_LIMIT=1000000), as stated here.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv" / "bin"
HOST = "127.0.0.1"
DEMO = {
    "organizer": ("organizer", "demo-organizer-2026"),
    "driver": ("driver", "demo-driver-2026"),
    # Pauses zones and sees which are paused, nothing else (issue 14).
    "dispatcher": ("dispatcher", "demo-dispatcher-2026"),
}
ALL_BUT = ["positive_data_acceptance", "negative_data_rejection"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _database_urls() -> tuple[str, str, str]:
    """(the server's maintenance URL, the throwaway database's URL, its name)."""
    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    name = f"api_fuzz_{os.getpid()}"
    parts = urlsplit(base)
    return (
        urlunsplit(parts._replace(path="/postgres")),
        urlunsplit(parts._replace(path=f"/{name}")),
        name,
    )


def _admin(url: str, sql: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql.encode())  # our own CREATE/DROP of a generated name


def _delete_redis_keys(url: str, prefix: str) -> None:
    """Delete this run's cache keys and queue, nothing else in that Redis."""
    import redis

    client = redis.Redis.from_url(url, socket_timeout=5)
    for key in client.scan_iter(match=f"*{prefix}*", count=500):
        client.delete(key)


def _manage(env: dict[str, str], *args: str, stdin: str | None = None) -> None:
    subprocess.run(
        [str(VENV / "python"), "manage.py", *args],
        cwd=ROOT,
        env=env,
        input=stdin,
        text=True,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def _wait_for(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 (loopback, our own server)
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"the server did not answer {url} within {seconds} s")


def _token(base: str, username: str, password: str) -> str:
    body = json.dumps({"username": username, "password": password}).encode()
    request = urllib.request.Request(  # noqa: S310 (loopback, our own server)
        f"{base}/api/v1/auth/token/", body, {"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310
        return str(json.load(answer)["token"])


def _schemathesis(
    base: str, token: str | None, examples: int, workdir: str
) -> subprocess.Popen[str]:
    excluded = [*ALL_BUT] + ([] if token else ["ignored_auth"])
    command = [
        str(VENV / "schemathesis"),
        "run",
        f"{base}/api/schema/",
        "--url",
        base,  # every request goes here, whatever the schema says
        "--checks",
        "all",
        "--exclude-checks",
        ",".join(excluded),
        "--max-examples",
        str(examples),
        "--seed",
        os.environ.get("FUZZ_SEED", "9"),
        "--workers",
        "1",  # with more, hypothesis's lambda descriptions race in threads (a tool error)
        "--request-timeout",
        "10",
        "--max-redirects",
        "0",
        "--no-color",
    ]
    if token:
        command += ["--header", f"Authorization: Token {token}"]
        # A persona must not revoke its own token mid-run; the anonymous run still calls them.
        command += ["--exclude-path-regex", "^/api/v1/auth/logout"]
    # Run in the throwaway directory: schemathesis keeps its cache in `.schemathesis/`.
    return subprocess.Popen(
        command, cwd=workdir, text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )


def _report(persona: str, run: subprocess.Popen[str], started: float) -> int:
    output, _ = run.communicate(timeout=600)
    lines = output.splitlines()
    failed = run.returncode != 0
    shown = lines if failed else [line for line in lines if " in " in line and "=" in line]
    print(f"== schemathesis as {persona} ==")
    print("\n".join(shown))
    print(f"   ({persona}: {time.monotonic() - started:.0f} s, exit {run.returncode})", flush=True)
    return run.returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=int(os.environ.get("FUZZ_EXAMPLES", 5)))
    parser.add_argument("--personas", default="anonymous,organizer,driver,dispatcher")
    options = parser.parse_args()

    maintenance, database_url, name = _database_urls()
    redis_url = os.environ.get("REDIS_URL", f"redis://{HOST}:6379/0")
    port = _free_port()
    base = f"http://{HOST}:{port}"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "REDIS_PREFIX": name,
        "SECRET_KEY": secrets.token_urlsafe(50),
        "SEALING_KEYS": _fernet_key(),
        "BLIND_INDEX_KEY": secrets.token_urlsafe(32),
        "ALLOWED_HOSTS": HOST,
        "DEBUG": "0",
        "REQUEST_RATE_LIMIT": "1000000",
        "LOG_LEVEL": "WARNING",
        "VAR_DIR": str(Path(tempfile.gettempdir()) / name),
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    _admin(maintenance, f'CREATE DATABASE "{name}"')
    server: subprocess.Popen[bytes] | None = None
    failures = 0
    try:
        Path(env["VAR_DIR"]).mkdir(parents=True, exist_ok=True)
        _manage(env, "migrate", "--noinput")
        _manage(env, "seed_demo")
        server = subprocess.Popen(
            [
                str(VENV / "gunicorn"),
                "mutualaid.wsgi",
                "--bind",
                f"{HOST}:{port}",
                "--workers",
                "4",
                "--timeout",
                "30",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
            start_new_session=True,
        )
        _wait_for(f"{base}/api/schema/")
        tokens = {persona: _token(base, *DEMO[persona]) for persona in DEMO}
        # The personas run side by side: one server, one client each.
        started = time.monotonic()
        runs = {
            persona: _schemathesis(base, tokens.get(persona), options.examples, env["VAR_DIR"])
            for persona in options.personas.split(",")
        }
        for persona, run in runs.items():
            failures += _report(persona, run, started) != 0
        if server.poll() is not None:
            print("gunicorn exited during the run", file=sys.stderr)
            failures += 1
    finally:
        if server is not None and server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
        _admin(maintenance, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        _delete_redis_keys(redis_url, name)
        shutil.rmtree(env["VAR_DIR"], ignore_errors=True)
    print(f"api fuzz: {failures} persona run(s) failed" if failures else "api fuzz: OK")
    return 1 if failures else 0


def _fernet_key() -> str:
    from cryptography.fernet import Fernet

    return Fernet.generate_key().decode()


if __name__ == "__main__":
    sys.exit(main())
