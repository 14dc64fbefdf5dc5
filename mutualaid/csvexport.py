"""CSV downloads for meetings and grant reports, streamed row by row.

Exports carry counts and catalogue data only; no export anywhere has a contact field.
Text typed by anyone (a donor, an item's or a zone's name) may start like a formula; a
spreadsheet opening the file would run it (`=HYPERLINK(...)` sends data out, `=cmd|...`
starts a program), so every text cell that could is escaped (OWASP's CSV injection advice).

Every file starts with a UTF-8 byte-order mark, without which Excel reads UTF-8 as its
local code page ("PanaderÃ­a"). Times are written in the network's time zone
(ORGANIZATION_TIME_ZONE) as Excel reads them, and a day means a local day: the streamed rows
are written after the middleware's time zone is gone, so nothing here relies on it. Every
export takes `?from=YYYY-MM-DD&to=YYYY-MM-DD` (local days, both included; `date_range`).
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponseBadRequest, StreamingHttpResponse
from django.utils.translation import gettext_lazy as _

from mutualaid.bounds import EARLIEST_DATE, LATEST_DATE, report_date_or_none
from mutualaid.timeutil import organization_tz

BOM = "\ufeff"
BAD_RANGE_DATE = _(
    "“%(name)s” must be a date written YYYY-MM-DD, between %(earliest)s and %(latest)s."
)
RANGE_BACKWARDS = _("The “from” date is after the “to” date.")

# OWASP's list, and the full-width forms some spreadsheets also read as these.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def safe_cell(value: Any) -> Any:
    """`value` as a spreadsheet reads it as text: a text cell starting with a formula
    character (after any leading spaces) gets a leading single quote. Numbers, booleans
    and dates are not text and pass unchanged, so -5 stays the number -5."""
    if isinstance(value, str) and (
        value.startswith(FORMULA_STARTS) or value.lstrip().startswith(FORMULA_STARTS)
    ):
        return "'" + value
    return value


def local_time(value: dt.datetime | None) -> str:
    """An aware time as the network's clock shows it, `2026-11-30 21:30` (Excel reads it
    as a date and time)."""
    if value is None:
        return ""
    return value.astimezone(organization_tz()).strftime("%Y-%m-%d %H:%M")


class BadRange(Exception):
    """A `from`/`to` a report cannot use; `str()` is the translated reason."""


@dataclass(frozen=True)
class DateRange:
    """Local days from `start` to `end`, both included; either may be open."""

    start: dt.date | None = None
    end: dt.date | None = None

    def _midnight(self, day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, dt.time.min, tzinfo=organization_tz())

    def lookups(self, field: str) -> dict[str, dt.datetime]:
        """Filter arguments keeping the rows whose time `field` falls on these local days."""
        found = {}
        if self.start is not None:
            found[f"{field}__gte"] = self._midnight(self.start)
        if self.end is not None:
            found[f"{field}__lt"] = self._midnight(self.end + dt.timedelta(days=1))
        return found

    def filename(self, stem: str) -> str:
        """`donations_2026-11-01_2026-11-30.csv`: what the file holds, in its name."""
        days = [day.isoformat() if day else "" for day in (self.start, self.end)]
        return f"{stem}_{days[0]}_{days[1]}.csv" if any(days) else f"{stem}.csv"


M = TypeVar("M", bound=Model)


def within(queryset: QuerySet[M], days: DateRange, field: str) -> QuerySet[M]:
    return queryset.filter(**days.lookups(field))


def date_range(request: HttpRequest, *, legacy_from: str = "") -> DateRange:
    """The export's `?from=` and `?to=` (local days, both optional); BadRange on a date
    that is not YYYY-MM-DD, outside EARLIEST_DATE..LATEST_DATE, or a range backwards.
    `legacy_from` names an older parameter still read as `from` (`since`)."""
    bounds: list[dt.date | None] = []
    for name in ("from", "to"):
        text = request.GET.get(name, "") or (
            request.GET.get(legacy_from, "") if name == "from" and legacy_from else ""
        )
        if not text:
            bounds.append(None)
            continue
        day = report_date_or_none(text)
        if day is None:
            raise BadRange(
                BAD_RANGE_DATE % {"name": name, "earliest": EARLIEST_DATE, "latest": LATEST_DATE}
            )
        bounds.append(day)
    start, end = bounds
    if start is not None and end is not None and start > end:
        raise BadRange(RANGE_BACKWARDS)
    return DateRange(start, end)


def bad_range(error: BadRange) -> HttpResponseBadRequest:
    """A refused range answers 400 with its reason as plain text, in the page's language."""
    return HttpResponseBadRequest(str(error), content_type="text/plain; charset=utf-8")


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_response(
    filename: str, header: Sequence[str], rows: Iterable[Sequence[Any]]
) -> StreamingHttpResponse:
    """Every export goes through here, so every cell is escaped by `safe_cell`."""
    writer = csv.writer(_Echo())

    def lines() -> Iterator[str]:
        yield BOM + writer.writerow([safe_cell(name) for name in header])
        for row in rows:
            yield writer.writerow([safe_cell(value) for value in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
