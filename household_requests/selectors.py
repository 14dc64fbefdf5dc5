"""Reads of household requests. None of them touch sealed contact details."""

from __future__ import annotations

import datetime as dt
import hmac
from dataclasses import dataclass

from django.db.models import Count, F, IntegerField, Prefetch, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from household_requests.models import (
    OPEN_STATUSES,
    Allocation,
    HouseholdRequest,
    RequestLine,
)
from household_requests.services import hash_secret

_DUMMY_HASH = hash_secret("no such request")


def request_for_status_page(reference: str, secret: str) -> HouseholdRequest:
    """The family's own request, by reference and link secret; 404 for any mismatch.

    The comparison runs in constant time, and runs even when the reference is unknown, so
    a wrong secret and an unknown reference look the same from outside.
    """
    request = (
        HouseholdRequest.objects.select_related("zone", "pickup_location")
        .filter(reference=reference.upper())
        .first()
    )
    expected = request.status_secret_hash if request else _DUMMY_HASH
    if not hmac.compare_digest(expected, hash_secret(secret)) or request is None:
        raise Http404
    return request


def lines_with_allocations(request: HouseholdRequest) -> QuerySet[RequestLine]:
    return request.lines.select_related("item", "category").prefetch_related(
        Prefetch("allocations", queryset=Allocation.objects.select_related("lot__item"))
    )


def request_queue(
    *,
    status: str | None = None,
    zone_id: int | None = None,
    urgency: int | None = None,
    older_than_days: int | None = None,
    submitted_after: dt.date | None = None,
    submitted_before: dt.date | None = None,
) -> QuerySet[HouseholdRequest]:
    """The organizers' queue: request metadata and line totals, never contacts."""
    requests = HouseholdRequest.objects.select_related("zone", "pickup_location").annotate(
        line_count=Count("lines"),
        units_requested=Coalesce(Sum("lines__quantity"), Value(0, output_field=IntegerField())),
        units_allocated=Coalesce(Sum("lines__allocated"), Value(0, output_field=IntegerField())),
    )
    if status == "open":
        requests = requests.filter(status__in=OPEN_STATUSES)
    elif status:
        requests = requests.filter(status=status)
    if zone_id:
        requests = requests.filter(zone_id=zone_id)
    if urgency is not None:
        requests = requests.filter(urgency=urgency)
    if older_than_days is not None:
        requests = requests.filter(
            submitted_at__lte=timezone.now() - dt.timedelta(days=older_than_days)
        )
    if submitted_after:
        requests = requests.filter(submitted_at__date__gte=submitted_after)
    if submitted_before:
        requests = requests.filter(submitted_at__date__lte=submitted_before)
    return requests.order_by("-urgency", "submitted_at", "id")


@dataclass(frozen=True)
class Need:
    item_id: int | None
    category_id: int | None
    name: str
    unit: str
    shortfall: int


def most_needed(limit: int = 50) -> list[Need]:
    """What open requests still lack, per item (or per category for 'any of' lines)."""
    rows = (
        RequestLine.objects.filter(request__status__in=OPEN_STATUSES, allocated__lt=F("quantity"))
        .values("item_id", "item__name", "item__unit", "category_id", "category__name")
        .annotate(missing=Sum(F("quantity") - F("allocated")))
        .order_by("-missing", "item__name", "category__name")[:limit]
    )
    return [
        Need(
            item_id=row["item_id"],
            category_id=row["category_id"],
            name=row["item__name"] or row["category__name"],
            unit=row["item__unit"] or "",
            shortfall=row["missing"],
        )
        for row in rows
    ]
