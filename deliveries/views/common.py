"""What the delivery pages share: rendering and the rows a route page draws.

Reads go through deliveries.selectors, writes through deliveries.services and
deliveries.drivers. A contact is unsealed only by deliveries.reveal.contacts_reveal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from deliveries.models import (
    Stop,
    StopOutcome,
)
from household_requests.contacts import Contact
from household_requests.models import OPEN_STATUSES

LIST_LIMIT = 200
RECENT_DAYS = 7


def render_page(
    request: HttpRequest, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    context = {"org_tz": settings.ORGANIZATION_TIME_ZONE, **context}
    return render(request, template, context, status=status)


def no_profile_page(request: HttpRequest, status: int = 200) -> HttpResponse:
    return render_page(request, "deliveries/no_profile.html", {}, status=status)


@dataclass(frozen=True)
class StopRow:
    """What a route page shows of one stop; `contact` only for the assigned driver."""

    stop: Stop
    items: list[tuple[str, int, str]]
    waiting: bool
    contact: Contact | None = None

    @property
    def dial(self) -> str:
        """The phone number as a tel:/sms: URI wants it: digits and a leading plus."""
        if self.contact is None:
            return ""
        return re.sub(r"[^\d+]", "", self.contact.phone)


def stop_items(stop: Stop) -> list[tuple[str, int, str]]:
    """What to bring: the units set aside for each line (lines and items are prefetched)."""
    rows = []
    for line in stop.request.lines.all():
        if line.allocated:
            unit = line.item.get_unit_display() if line.item is not None else ""
            rows.append((line.label, line.allocated, unit))
    return rows


def stop_rows(stops: list[Stop], contacts: dict[int, Contact] | None = None) -> list[StopRow]:
    contacts = contacts or {}
    return [
        StopRow(
            stop=stop,
            items=stop_items(stop),
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


# Driver pages -----------------------------------------------------------------------------
