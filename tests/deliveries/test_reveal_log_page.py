"""The reveal log page: one line per driver, stop and day (in the network's time zone), with
the count and the first and last time, counted by the database from the reveals, each of
which is still stored on its own."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import pytest
from django.contrib.auth.models import User

from deliveries.models import ContactReveal
from mutualaid.timeutil import local_today, organization_tz
from tests.conftest import api_client_for, page_client
from tests.deliveries.conftest import TwoStops
from tests.deliveries.helpers import assert_no_secret, text_of

pytestmark = pytest.mark.django_db


def expected_lines(reveals: list[ContactReveal]) -> set[tuple[object, ...]]:
    """The page's lines worked out here, in Python, from the stored reveals."""
    groups: dict[tuple[object, ...], list[ContactReveal]] = defaultdict(list)
    for reveal in reveals:
        day = reveal.revealed_at.astimezone(organization_tz()).date()
        groups[(day, reveal.user_id, reveal.stop_id)].append(reveal)
    return {
        (
            *key,
            len(rows),
            min(r.revealed_at for r in rows),
            max(r.revealed_at for r in rows),
            sum(r.channel == "page" for r in rows),
            sum(r.channel == "api" for r in rows),
        )
        for key, rows in groups.items()
    }


def shown_lines(response: object) -> set[tuple[object, ...]]:
    return {
        (
            line["day"],
            line["user_id"],
            line["stop_id"],
            line["count"],
            line["first"],
            line["last"],
            line["on_page"],
            line["on_api"],
        )
        for line in response.context["lines"]  # type: ignore[attr-defined]
    }


def test_it_counts_reveals_per_driver_stop_and_day(
    two_stops: TwoStops, driver: User, organizer: User
):
    route = two_stops.route
    for _ in range(3):
        page_client(driver).get(f"/drive/routes/{route.pk}/")
    api_client_for(driver).get(f"/api/v1/routes/{route.pk}/")
    # The first page load happened late last evening, local time (already "today" in UTC
    # west of Greenwich): it belongs to yesterday's line.
    late = dt.datetime.combine(
        local_today() - dt.timedelta(days=1), dt.time(23, 30), tzinfo=organization_tz()
    )
    first_load = ContactReveal.objects.order_by("revealed_at", "pk")[:2]
    ContactReveal.objects.filter(pk__in=[r.pk for r in first_load]).update(revealed_at=late)

    response = page_client(organizer).get("/deliveries/reveals/")

    stored = list(ContactReveal.objects.all())
    assert len(stored) == 8  # 3 page loads and 1 API read of 2 stops: each still stored
    lines = shown_lines(response)
    assert lines == expected_lines(stored)
    assert sorted((line[0], line[3]) for line in lines) == [
        (late.date(), 1),
        (late.date(), 1),
        (local_today(), 3),
        (local_today(), 3),
    ]
    today = [line for line in lines if line[0] == local_today()]
    assert {(line[6], line[7]) for line in today} == {(2, 1)}  # 2 on the page, 1 by API
    text = text_of(response)
    assert two_stops.first.request.reference in text
    assert_no_secret(text)


def test_it_filters_lines_by_driver_and_route(
    two_stops: TwoStops, driver: User, other_driver: User, organizer: User
):
    page_client(driver).get(f"/drive/routes/{two_stops.route.pk}/")
    client = page_client(organizer)

    mine = client.get(f"/deliveries/reveals/?user={driver.pk}")
    theirs = client.get(f"/deliveries/reveals/?user={other_driver.pk}")
    route = client.get(f"/deliveries/reveals/?route={two_stops.route.pk}")

    assert len(mine.context["lines"]) == 2
    assert len(theirs.context["lines"]) == 0
    assert shown_lines(route) == expected_lines(list(ContactReveal.objects.all()))
