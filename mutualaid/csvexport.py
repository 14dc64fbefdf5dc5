"""CSV downloads for meetings and grant reports, streamed row by row.

Exports carry counts and catalogue data only; no export anywhere has a contact field.
Text typed by anyone (a donor, an item's or a zone's name) may start like a formula; a
spreadsheet opening the file would run it (`=HYPERLINK(...)` sends data out, `=cmd|...`
starts a program), so every text cell that could is escaped (OWASP's CSV injection advice).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from django.http import StreamingHttpResponse

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


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_response(
    filename: str, header: Sequence[str], rows: Iterable[Sequence[Any]]
) -> StreamingHttpResponse:
    """Every export goes through here, so every cell is escaped by `safe_cell`."""
    writer = csv.writer(_Echo())

    def lines() -> Iterator[str]:
        yield writer.writerow([safe_cell(name) for name in header])
        for row in rows:
            yield writer.writerow([safe_cell(value) for value in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
