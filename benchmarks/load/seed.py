"""The world the load runs against, built through the real services, written to a JSON
file the load clients read: logins (session cookies, API tokens), routes, status links.

Run by __main__ as `python -m benchmarks.load.seed OUT.json` with the load settings.
"""

from __future__ import annotations

import datetime as dt
import json
import sys

import django


def build(out_path: str, *, requests: int, drivers: int) -> None:
    from django.conf import settings
    from django.contrib.auth.models import User
    from django.db import connection
    from django.test import Client
    from knox.models import AuthToken

    from benchmarks.load.urls import BARE_TABLE
    from deliveries import planning
    from deliveries.demo import seed_demo
    from deliveries.drivers import driver_save
    from deliveries.models import Route, RouteStatus
    from deliveries.services import route_claim
    from household_requests import allocation, services
    from household_requests.contacts import Contact
    from household_requests.models import Zone
    from inventory import services as inventory
    from inventory.models import Item, Location
    from mutualaid.members import member_add
    from mutualaid.timeutil import local_today

    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE {BARE_TABLE} (id bigserial PRIMARY KEY, note text)")
    seed_demo()
    organizer = User.objects.get(username="organizer")
    items = list(Item.objects.filter(active=True).order_by("pk"))
    # Plenty of stock good for a month, so every request is matched and planned.
    month = local_today() + dt.timedelta(days=30)
    inventory.donation_receive(
        location=Location.objects.order_by("pk").first(),  # type: ignore[arg-type]
        lines=[
            inventory.DonationLineInput(item=item, quantity=10_000, expires_on=month)
            for item in items
        ],
        received_by=organizer,
    )
    zones = list(Zone.objects.prefetch_related("postal_codes").order_by("pk"))
    codes = [zone.postal_codes.first().code for zone in zones]  # type: ignore[union-attr]
    status_paths: list[str] = []
    for number in range(requests):
        submitted = services.request_submit(
            data=services.RequestInput(
                postal_code=codes[number % len(codes)],
                contact=Contact(
                    name=f"Load family {number}",
                    phone=f"612-555-{number:04d}",
                    address=f"{number} Load Street",
                ),
                lines=[services.LineInput(item=items[number % len(items)], quantity=1)],
            )
        )
        if len(status_paths) < 200:
            status_paths.append(
                f"/request/status/{submitted.request.reference}/{submitted.status_secret}/"
            )
    allocation.allocate_open_requests()
    # Two stops a route: many routes on the board, as a busy week would have.
    settings.ROUTE_MAX_STOPS = 2
    planning.plan_routes()

    def session_of(user: User) -> str:
        client = Client()
        client.force_login(user)
        return client.cookies[settings.SESSION_COOKIE_NAME].value

    driver_logins = []
    for number in range(drivers):
        user = member_add(username=f"load-driver-{number}", role="driver", password="x" * 20)
        driver = driver_save(user=user, zones=zones, vetted=True, max_active_routes=10_000)
        driver_logins.append(
            {
                "session": session_of(user),
                "token": AuthToken.objects.create(user=user)[1],
                "driver_id": driver.pk,
            }
        )
    open_routes = list(
        Route.objects.filter(status=RouteStatus.OPEN).order_by("pk").values_list("pk", flat=True)
    )
    # Each driver holds one claimed route to open as its route page.
    from deliveries.models import Driver

    for login in driver_logins:
        route_id = open_routes.pop()
        route_claim(route_id=route_id, driver=Driver.objects.get(pk=login["driver_id"]))
        login["route_id"] = route_id
    world = {
        "organizer": {
            "session": session_of(organizer),
            "token": AuthToken.objects.create(user=organizer)[1],
        },
        "drivers": driver_logins,
        "open_routes": open_routes,
        "postal_codes": codes,
        "item_ids": [item.pk for item in items],
        "status_paths": status_paths,
    }
    # A live database is analyzed by autovacuum as its tables grow; a database seeded a
    # moment ago is not yet, and PostgreSQL would plan every page for empty tables.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    with open(out_path, "w") as out:
        json.dump(world, out)


if __name__ == "__main__":
    django.setup()
    build(sys.argv[1], requests=int(sys.argv[2]), drivers=int(sys.argv[3]))
