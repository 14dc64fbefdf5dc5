"""Bounds on what a URL may carry: numbers the database can hold, dates that exist, no NUL.

Hostile input answers 400 (or 404 for an id that names nothing), never 500: PostgreSQL
refuses a NUL in any text and an integer past its column, Python a date past year 9999.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar
from urllib.parse import unquote_to_bytes

from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.urls import reverse
from django.utils.dateparse import parse_date
from django.utils.translation import gettext_lazy as _
from rest_framework.pagination import LimitOffsetPagination

MAX_PAGE_SIZE = 500
MAX_ID = 2**31 - 1  # an id past any integer column
MAX_AGE_DAYS = 3650  # "older than" filters: ten years covers any request kept
INVALID_DATE = _("Enter a valid date.")
NUL_REFUSED = _("Null characters are not allowed.")
Row = TypeVar("Row", bound=Model)


def bounded_int(text: str, *, maximum: int = MAX_ID) -> int | None:
    """A non-negative integer written in ASCII digits, at most `maximum`; else None."""
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(maximum)):
        return None
    value = int(text)
    return value if value <= maximum else None


def date_or_none(text: str) -> dt.date | None:
    """`YYYY-MM-DD` as a date; None for anything else, "9999-99-99" included."""
    try:
        return parse_date(text)
    except ValueError:
        return None


# Dates a report may ask about: a day's local midnight and the next one exist in any zone.
EARLIEST_DATE = dt.date(2000, 1, 1)
LATEST_DATE = dt.date(2100, 12, 31)


def report_date_or_none(text: str) -> dt.date | None:
    """`YYYY-MM-DD` between EARLIEST_DATE and LATEST_DATE; None for anything else."""
    value = date_or_none(text) if len(text) <= 10 else None
    return value if value is not None and EARLIEST_DATE <= value <= LATEST_DATE else None


class BoundedLimitOffsetPagination(LimitOffsetPagination):
    """`?limit=` is capped; an offset past the end is an empty page (DRF counts first)."""

    max_limit = MAX_PAGE_SIZE


MAX_PAGE_NUMBER = 1000  # a page's `?page=`: past it, the first page


@dataclass(frozen=True)
class Page(Generic[Row]):
    """One page of a list page (the board, the queue): its rows and its neighbours."""

    rows: list[Row]
    number: int
    has_next: bool

    @property
    def previous_number(self) -> int | None:
        return self.number - 1 if self.number > 1 else None

    @property
    def next_number(self) -> int | None:
        return self.number + 1 if self.has_next and self.number < MAX_PAGE_NUMBER else None


def page_of(rows: QuerySet[Row], page: str, size: int) -> Page[Row]:
    """Page `page` (the `?page=` text; anything unusable is the first) of `rows`, `size`
    rows a page, read with one query and no count: one row more than a page says whether
    a next one exists. A page past the end (an old link) shows the last one, as Django's
    paginator would; only then are the rows counted."""
    number = bounded_int(page, maximum=MAX_PAGE_NUMBER) or 1
    start = (number - 1) * size
    found = list(rows[start : start + size + 1])
    if not found and number > 1:
        number = max(1, -(-rows.count() // size))
        start = (number - 1) * size
        found = list(rows[start : start + size + 1])
    return Page(rows=found[:size], number=number, has_next=len(found) > size)


_PK_PLACEHOLDER = 987654321


def paths_for(name: str) -> Callable[[int], str]:
    """`reverse(name, args=[pk])` for every row of a list page with one reverse: `name`
    takes a single integer (a placeholder is reversed once and each pk put in its place)."""
    head, tail = reverse(name, args=[_PK_PLACEHOLDER]).split(str(_PK_PLACEHOLDER))
    return lambda pk: f"{head}{pk}{tail}"


class RefuseNulMiddleware:
    """A NUL anywhere in the path, the query string or a cookie (Django decodes `\\000` in
    a quoted cookie) answers 400 before any view runs or a session is looked up."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        query = request.META.get("QUERY_STRING", "")
        in_cookie = any("\x00" in value for value in request.COOKIES.values())
        in_url = "\x00" in request.path or b"\x00" in unquote_to_bytes(query.replace("+", " "))
        if in_url or in_cookie:
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": str(NUL_REFUSED)}, status=400)
            return HttpResponseBadRequest(str(NUL_REFUSED), content_type="text/plain")
        return self.get_response(request)
