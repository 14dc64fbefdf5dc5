"""Stress: families cancel and organizers close while two allocators and the planner run.

`python -m benchmarks.stress_cancel [--requests 300] [--seconds 60]` on PostgreSQL
(DATABASE_URL), in a throwaway database `stress_<name>`; not part of `.ci/run`. Threads,
each with its own connection: two allocators and a route planner in a loop, a donor
bringing small lots, and cancellers that cancel or close half of the requests in a random
order while all that runs. Afterwards it checks every invariant (household_requests.audit:
lots vs ledger and allocations, lines vs allocations, no finished request holding stock;
no stop added to a request after it finished, none back to matched or scheduled) and that no
thread saw an error or a deadlock. Bounded in count and time; exits 1 on any violation.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import django

CANCELLERS = 6
ALLOCATORS = 2


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.stress_cancel", description=__doc__)
    parser.add_argument("--requests", type=int, default=300, choices=range(10, 5001), metavar="N")
    parser.add_argument("--seconds", type=float, default=60.0, help="upper bound on the run")
    args = parser.parse_args(argv)

    os.environ["DJANGO_SETTINGS_MODULE"] = "mutualaid.settings_test"
    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment, teardown_test_environment

    from mutualaid.celery import app as celery_app

    if connection.vendor != "postgresql":
        print("needs PostgreSQL: set DATABASE_URL", file=sys.stderr)
        return 2
    # Whatever the services enqueue stays in this process: never publish to a real broker.
    celery_app.conf.update(broker_url="memory://localhost/", broker_transport_options={})
    setup_test_environment(debug=False)
    connection.settings_dict["TEST"]["NAME"] = f"stress_{connection.settings_dict['NAME']}"
    old_name = connection.creation.create_test_db(
        verbosity=0, autoclobber=True, serialize=False, keepdb=False
    )
    try:
        return _stress(args.requests, args.seconds)
    finally:
        connection.close()
        connection.creation.destroy_test_db(old_name, verbosity=0, keepdb=False)
        teardown_test_environment()


def _stress(request_count: int, seconds: float) -> int:
    from django.db import connections, transaction

    from deliveries import planning
    from deliveries.models import Stop
    from household_requests import allocation, audit, services
    from household_requests.contacts import Contact
    from household_requests.models import (
        FINISHED_STATUSES,
        Allocation,
        HouseholdRequest,
        RequestStatus,
    )
    from household_requests.services import LineInput, RequestInput
    from household_requests.zones import zone_save
    from inventory import services as inventory
    from inventory.models import Category, Item, Location

    rng = random.Random(9)
    zone_save(name="Stress", postal_codes=("55407",))
    category = Category.objects.create(name="Stress pantry")
    items = [
        Item.objects.create(name=f"Stress item {n}", category=category, max_per_household=10)
        for n in range(4)
    ]
    location = Location.objects.create(name="Stress shelf")

    def donate(units: int) -> None:
        inventory.donation_receive(
            location=location,
            lines=[inventory.DonationLineInput(item=item, quantity=units) for item in items],
        )

    donate(request_count // 3)  # scarce: about half the need
    started = time.perf_counter()
    ids: list[int] = []
    for n in range(request_count):
        wanted = rng.sample(items, k=rng.randint(1, 2))
        ids.append(
            services.request_submit(
                data=RequestInput(
                    postal_code="55407",
                    contact=Contact(
                        name=f"Stress {n}",
                        phone=f"612555{n:04d}",
                        address=f"{n} Stress Street",
                        notes="",
                    ),
                    lines=[LineInput(item=item, quantity=rng.randint(1, 3)) for item in wanted],
                )
            ).request.pk
        )
    print(f"{request_count} requests submitted in {time.perf_counter() - started:.1f}s")

    finishing = rng.sample(ids, k=request_count // 2)
    to_cancel = set(finishing[::2])
    # the other half (finishing[1::2]) is closed by an organizer
    deadline = time.monotonic() + seconds
    done = threading.Event()
    runs: Counter[str] = Counter()
    errors: list[str] = []
    lock = threading.Lock()
    stops_at_finish: dict[int, set[int]] = {}

    def record(kind: str, error: BaseException | None = None) -> None:
        with lock:
            if error is None:
                runs[kind] += 1
            else:
                errors.append(f"{kind}: {type(error).__name__}: {error}")

    def loop(kind: str, call: Callable[[], Any], pause: float) -> Callable[[], None]:
        def run() -> None:
            try:
                for _ in range(10_000):
                    if done.is_set() or time.monotonic() > deadline:
                        return
                    try:
                        call()
                        record(kind)
                    except Exception as error:
                        record(kind, error)
                    time.sleep(pause)
            finally:
                connections.close_all()

        return run

    def canceller(share: list[int]) -> Callable[[], None]:
        def run() -> None:
            try:
                for request_id in share:
                    if time.monotonic() > deadline:
                        return
                    try:
                        with transaction.atomic():
                            if request_id in to_cancel:
                                services.request_cancel(request_id=request_id)
                            else:
                                services.request_close_unfulfilled(
                                    request_id=request_id, reason="other"
                                )
                            # Still holding the request row: its stops as it finished.
                            stops = set(
                                Stop.objects.filter(request_id=request_id).values_list(
                                    "pk", flat=True
                                )
                            )
                        with lock:
                            stops_at_finish[request_id] = stops
                        record("cancel" if request_id in to_cancel else "close")
                    except Exception as error:
                        record("cancel/close", error)
                    time.sleep(rng.random() * 0.01)
            finally:
                connections.close_all()

        return run

    background = [
        threading.Thread(target=loop("allocate", allocation.allocate_open_requests, 0.0))
        for _ in range(ALLOCATORS)
    ]
    background.append(threading.Thread(target=loop("plan", planning.plan_routes, 0.01)))
    background.append(threading.Thread(target=loop("donate", lambda: donate(3), 0.02)))
    shares = [finishing[i::CANCELLERS] for i in range(CANCELLERS)]
    cancellers = [threading.Thread(target=canceller(share)) for share in shares]
    started = time.perf_counter()
    for thread in background + cancellers:
        thread.start()
    for thread in cancellers:
        thread.join(timeout=seconds + 5)
    done.set()
    for thread in background:
        thread.join(timeout=seconds + 5)
    stuck = [t for t in background + cancellers if t.is_alive()]
    elapsed = time.perf_counter() - started
    # The last word: what the sweeps would do next, then the books.
    allocation.allocate_open_requests()
    planning.plan_routes()

    findings = [str(f) for f in audit.stock_findings()]
    statuses = dict(HouseholdRequest.objects.filter(pk__in=finishing).values_list("pk", "status"))
    came_back = sorted(
        pk
        for pk, status in statuses.items()
        if status != (RequestStatus.CANCELLED if pk in to_cancel else RequestStatus.CLOSED)
    )
    # A stop a request got after it finished (one it had before is settled by deliveries).
    on_a_route = sorted(
        pk
        for pk, request_id in Stop.objects.filter(request_id__in=finishing).values_list(
            "pk", "request_id"
        )
        if pk not in stops_at_finish.get(request_id, set())
    )
    holding = Allocation.objects.filter(
        line__request__status__in=FINISHED_STATUSES, consumed_at__isnull=True
    ).count()
    deadlocks = sum("deadlock" in error.lower() for error in errors)
    open_counts = Counter(
        HouseholdRequest.objects.exclude(pk__in=finishing).values_list("status", flat=True)
    )

    print(
        f"{elapsed:.1f}s: {runs['allocate']} allocator runs ({ALLOCATORS} threads), "
        f"{runs['plan']} planner runs, {runs['donate']} donations, "
        f"{runs['cancel']} cancels and {runs['close']} closes by {CANCELLERS} threads"
    )
    print(f"requests left open: {dict(sorted(open_counts.items()))}")
    print(f"errors: {len(errors)} (deadlocks: {deadlocks}); threads stuck: {len(stuck)}")
    for error in errors[:10]:
        print(f"  {error}")
    print(f"finished requests not cancelled/closed as asked (came back): {len(came_back)}")
    print(f"stops added to a request after it finished: {len(on_a_route)}")
    print(f"live allocations of finished requests: {holding}")
    print(f"audit findings: {len(findings)}")
    for finding in findings[:10]:
        print(f"  {finding}")
    failed = errors or stuck or came_back or on_a_route or holding or findings
    print("FAILED" if failed else "OK: every invariant holds")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
