"""Run the registered benchmarks against a throwaway test database and print a table.

The database is created with Django's test utilities and destroyed afterwards, so the
SQLite file under var/ and any real PostgreSQL database are never touched. It is the
kind of database the site runs on: on SQLite a throwaway file beside the one `make run`
uses (var/bench.sqlite3; an in-memory database would make every commit free and measure
a configuration nobody runs), on PostgreSQL (DATABASE_URL) `bench_<name>`, apart from the
`test_<name>` databases that test runs use. `--in-memory` runs on SQLite in memory.
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import sys
import time
import traceback
from dataclasses import dataclass

import django

SKIPPED_MODULES = {"__main__", "runner"}


@dataclass(frozen=True)
class Row:
    name: str
    measured: str
    unit: str
    bound: str
    ratio: str
    ok: str
    detail: str


def _discover() -> None:
    import benchmarks

    for module in pkgutil.iter_modules(benchmarks.__path__):
        if module.name not in SKIPPED_MODULES and not module.name.startswith("_"):
            importlib.import_module(f"benchmarks.{module.name}")


def _number(value: float) -> str:
    return f"{value:,.2f}" if abs(value) < 1000 else f"{value:,.0f}"


def _run_one(bench: object) -> Row:
    from benchmarks import Benchmark, Measurement

    assert isinstance(bench, Benchmark)
    sign = "<=" if bench.better == "lower" else ">="
    try:
        result = bench.run()
    except Exception:
        traceback.print_exc()
        return Row(bench.name, "-", bench.unit, f"{sign} {_number(bench.bound)}", "-", "ERROR", "")
    measurement = result if isinstance(result, Measurement) else Measurement(float(result))
    ratio = measurement.value / bench.bound if bench.bound else float("inf")
    return Row(
        name=bench.name,
        measured=_number(measurement.value),
        unit=bench.unit,
        bound=f"{sign} {_number(bench.bound)}",
        ratio=f"{ratio:.2f}",
        ok="ok" if bench.within_bound(measurement.value) else "MISSED",
        detail=measurement.detail,
    )


def _print_table(rows: list[Row]) -> None:
    header = Row("benchmark", "measured", "unit", "bound", "ratio to bound", "ok", "")
    columns = ["name", "measured", "unit", "bound", "ratio", "ok"]
    right = {"measured", "bound", "ratio"}
    widths = {c: max(len(getattr(r, c)) for r in [header, *rows]) for c in columns}

    def line(row: Row) -> str:
        cells = []
        for column in columns:
            text = getattr(row, column)
            cells.append(
                text.rjust(widths[column]) if column in right else text.ljust(widths[column])
            )
        return " | ".join(cells).rstrip()

    print(line(header))
    print("-+-".join("-" * widths[c] for c in columns))
    for row in rows:
        print(line(row))
    for row in rows:
        if row.detail:
            print(f"  {row.name}: {row.detail}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("names", nargs="*", help="run only these benchmarks (default: all)")
    parser.add_argument(
        "--in-memory", action="store_true", help="on SQLite, use an in-memory database"
    )
    args = parser.parse_args(argv)

    os.environ["DJANGO_SETTINGS_MODULE"] = "mutualaid.settings_test"
    django.setup()

    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import setup_test_environment, teardown_test_environment

    from benchmarks import REGISTRY
    from mutualaid.celery import app as celery_app

    # Whatever a benchmark enqueues stays in this process: never publish to a real broker.
    celery_app.conf.update(broker_url="memory://localhost/", broker_transport_options={})

    _discover()
    unknown = sorted(set(args.names) - set(REGISTRY))
    if unknown:
        parser.error(f"no such benchmark: {', '.join(unknown)} (known: {', '.join(REGISTRY)})")
    selected = [REGISTRY[name] for name in args.names] or list(REGISTRY.values())

    # Query logging under DEBUG would slow every query down and skew the numbers.
    setup_test_environment(debug=False)
    if connection.vendor != "sqlite":
        connection.settings_dict["TEST"]["NAME"] = f"bench_{connection.settings_dict['NAME']}"
    elif not args.in_memory:
        settings.VAR_DIR.mkdir(exist_ok=True)
        connection.settings_dict["TEST"]["NAME"] = str(settings.VAR_DIR / "bench.sqlite3")
    old_name = connection.creation.create_test_db(
        verbosity=0, autoclobber=True, serialize=False, keepdb=False
    )
    rows: list[Row] = []
    try:
        where = connection.settings_dict["NAME"]
        if connection.vendor == "sqlite" and connection.is_in_memory_db():  # type: ignore[attr-defined]
            where = "in memory"
        print(f"database: {connection.vendor} ({where}), throwaway")
        for bench in selected:
            call_command("flush", interactive=False, verbosity=0)
            started = time.perf_counter()
            print(f"running {bench.name} ...", flush=True)
            rows.append(_run_one(bench))
            print(f"  done in {time.perf_counter() - started:.1f}s", flush=True)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0, keepdb=False)
        teardown_test_environment()

    print()
    _print_table(rows)
    missed = sum(row.ok == "MISSED" for row in rows)
    errors = sum(row.ok == "ERROR" for row in rows)
    print()
    print(f"{len(rows)} benchmark(s): {missed} missed its bound, {errors} failed to run")
    # A missed bound is a finding to read, not a broken build; a crash is a bug.
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
