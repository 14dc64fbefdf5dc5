"""What the delivery pages share: rendering, the driver decorator and the rows a route
page draws."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import wraps
from http import HTTPStatus
from typing import Any

from django.conf import settings
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST
from django_stubs_ext import StrOrPromise

from deliveries import access
from deliveries.models import Stop, StopOutcome
from household_requests.contacts import Contact
from household_requests.models import OPEN_STATUSES
from inventory.models import Item
from mutualaid.roles import driver_required, is_organizer, member_required

LIST_LIMIT = 200
RECENT_DAYS = 7


def render_page(
    request: HttpRequest, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    context = {"org_tz": settings.ORGANIZATION_TIME_ZONE, **context}
    return render(request, template, context, status=status)


def no_profile_page(request: HttpRequest, status: int) -> HttpResponse:
    return render_page(request, "deliveries/no_profile.html", {}, status=status)


View = Callable[..., HttpResponse]


def signed_in_driver(*, action: bool = False, organizers: bool = False) -> Callable[[View], View]:
    """A page (or, with `action`, a POST) for signed-in drivers; the view gets the driver's
    profile after the request. Anonymous visitors are sent to log in, other roles get 403,
    and a driver whose profile is not set up yet is asked to see an organizer (with 403
    for an action). With `organizers`, organizers pass too, with their profile or None."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
            driver = access.driver_for_user(request.user)
            if driver is None and not (organizers and is_organizer(request.user)):
                status = HTTPStatus.FORBIDDEN if action else HTTPStatus.OK
                return no_profile_page(request, status=status)
            return view(request, driver, *args, **kwargs)

        checked = require_POST(wrapped) if action else wrapped
        return (member_required if organizers else driver_required)(checked)

    return decorator


@dataclass(frozen=True)
class StopRow:
    """What a route page shows of one stop; `contact` only for the assigned driver."""

    stop: Stop
    items: list[tuple[str, int, StrOrPromise]]
    waiting: bool
    contact: Contact | None = None

    @property
    def dial(self) -> str:
        """The phone number as a tel:/sms: URI wants it: digits and a leading plus."""
        if self.contact is None:
            return ""
        return re.sub(r"[^\d+]", "", self.contact.phone)


def stop_items(
    stop: Stop, units: Mapping[str, StrOrPromise]
) -> list[tuple[str, int, StrOrPromise]]:
    """What to bring: the units set aside for each line (lines and items are prefetched);
    `units` is each unit's label, looked up once for the page."""
    rows = []
    for line in stop.request.lines.all():
        if line.allocated:
            unit = units.get(line.item.unit, line.item.unit) if line.item is not None else ""
            rows.append((line.label, line.allocated, unit))
    return rows


def stop_rows(stops: list[Stop], contacts: dict[int, Contact] | None = None) -> list[StopRow]:
    contacts = contacts or {}
    units = {value: str(label) for value, label in Item.Unit.choices}  # translated once
    return [
        StopRow(
            stop=stop,
            items=stop_items(stop, units),
            waiting=stop.outcome == StopOutcome.PENDING and stop.request.status in OPEN_STATUSES,
            contact=contacts.get(stop.pk),
        )
        for stop in stops
    ]


def outcome_counts(route_ids: list[int]) -> dict[int, dict[str, int]]:
    """Stops per route and outcome, in one query (the selectors' totals count pending only)."""
    rows = (
        Stop.objects.filter(route_id__in=route_ids)
        .values("route_id", "outcome")
        .annotate(n=Count("id"))
        .order_by()
    )
    counts: dict[int, dict[str, int]] = {pk: {} for pk in route_ids}
    for row in rows:
        counts[row["route_id"]][row["outcome"]] = row["n"]
    return counts
