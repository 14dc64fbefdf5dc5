"""Import from a network's spreadsheets (issue 12): the catalogue, locations, opening stock
and drivers, one CSV file per kind, as Google Sheets ("File > Download > CSV") or Excel
("CSV UTF-8") write them.

Every row goes through what the pages use: catalogue and location rows through the
catalogue page's forms, opening stock through `inventory.services.donation_receive` (one
donation per location, so lots and `received` ledger rows come from the one stock-change
path, and a wrong import can be voided like any donation), drivers through
`deliveries.drivers.member_invite` (unvetted, with a one-time link).

A preview and the real import are the same run: each row is written in a savepoint so a
bad row is reported without spoiling the rows after it, and the whole transaction is
rolled back unless every row passed and the organizer confirmed. So the confirm step
checks every row again against the database as it is then; nothing is saved if any row
fails. Lives in deliveries because drivers are a kind (deliveries may import inventory,
not the other way).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django import forms
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from deliveries.drivers import member_invite, zones_by_name
from inventory.diet import DietTag, read_diet_tags
from inventory.forms import MAX_LINE_QUANTITY, CategoryForm, ItemForm, LocationForm
from inventory.models import Category, Item, Location
from inventory.services import DonationLineInput, donation_receive
from mutualaid.bounds import NUL_REFUSED, bounded_int, date_or_none
from mutualaid.errors import ServiceError
from mutualaid.roles import DRIVER
from mutualaid.volunteers import IssuedLink

# Bounds: a network's sheet is a few hundred rows; these stop a wrong or hostile file early.
MAX_IMPORT_BYTES = 256 * 1024
MAX_IMPORT_ROWS = 2000
MAX_COLUMNS = 40
MAX_CELL = 500

FILE_TOO_BIG = _("This file is larger than %(limit)s KB. Split it into smaller files.")
TOO_MANY_ROWS = _("This file has more than %(limit)s rows. Split it into smaller files.")
TOO_MANY_COLUMNS = _("This file has more than %(limit)s columns.")
NOT_UTF8 = _(
    "This file is not in UTF-8. In Google Sheets use File > Download > CSV; in Excel save "
    "as “CSV UTF-8”."
)
NOT_CSV = _("This file could not be read as CSV.")
EMPTY_FILE = _("This file has no rows under its header row.")
MISSING_COLUMNS = _("The header row has no column for: %(columns)s.")
ROW_ERROR = _("row %(row)s: %(message)s")
CELL_TOO_LONG = _("%(column)s is longer than %(limit)s characters.")
REQUIRED = _("%(column)s is empty.")
NOT_A_NUMBER = _("%(column)s: “%(value)s” is not a whole number from 0 to %(limit)s.")
NOT_YES_NO = _("%(column)s: write yes or no, not “%(value)s”.")
UNKNOWN_UNIT = _("unknown unit “%(value)s” (use one of: %(choices)s)")
UNKNOWN_ITEM = _("unknown item “%(value)s”: import it in the catalogue first")
UNKNOWN_LOCATION = _("unknown location “%(value)s”: import it in the locations first")
BAD_DATE = _("%(column)s: “%(value)s” is not a date (write 2026-12-31 or 12/31/2026).")
BAD_USERNAME = _(
    "username “%(value)s”: use letters, digits and @ . + - _ only, at most 150 characters."
)
BAD_EMAIL = _("email “%(value)s” is not an email address.")
ALREADY_THERE = _("this row clashes with one already saved: %(detail)s")

# Ledger and donation records are kept in one language whatever the organizer's page shows.
OPENING_STOCK_DONOR = "Opening stock (import)"
OPENING_STOCK_NOTE = "imported from a spreadsheet"


def _norm(text: str) -> str:
    """A header or a choice as a volunteer might write it, compared loosely."""
    return re.sub(r"[^0-9a-z]+", " ", text.casefold()).strip()


@dataclass(frozen=True)
class Column:
    key: str
    label: StrOrPromise  # what the preview and the errors call it
    headers: tuple[str, ...]  # header texts a sheet may use (compared by `_norm`)
    required: bool = False


@dataclass
class Row:
    number: int  # the spreadsheet's row number: the header is row 1
    values: dict[str, str]
    errors: list[str] = field(default_factory=list)

    def fail(self, message: StrOrPromise) -> None:
        self.errors.append(str(message))

    @property
    def messages(self) -> list[str]:
        return [str(ROW_ERROR % {"row": self.number, "message": text}) for text in self.errors]


@dataclass
class DriverLink:
    issued: IssuedLink
    url: str = ""
    emailed: bool = False


@dataclass
class ImportRun:
    """What a preview shows and what an import did."""

    kind: str
    columns: list[Column]
    rows: list[Row]
    ignored_headers: list[str]
    saved: bool = False
    created: dict[str, int] = field(default_factory=dict)
    links: list[DriverLink] = field(default_factory=list)

    @property
    def failed_rows(self) -> list[Row]:
        return [row for row in self.rows if row.errors]

    @property
    def ok(self) -> bool:
        return not self.failed_rows

    @property
    def table(self) -> Iterator[tuple[Row, list[str]]]:
        for row in self.rows:
            yield row, [row.values.get(column.key, "") for column in self.columns]


class _Rollback(Exception):
    """Leaves the import's transaction without saving anything."""


# Reading the file ---------------------------------------------------------------------------


def read_upload(data: bytes) -> str:
    """The text of an uploaded file, bounded, or ServiceError saying what is wrong."""
    if len(data) > MAX_IMPORT_BYTES:
        raise ServiceError(FILE_TOO_BIG % {"limit": MAX_IMPORT_BYTES // 1024}, field="file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ServiceError(NOT_UTF8, field="file") from None
    return text


def _table(text: str, columns: list[Column]) -> tuple[list[Row], list[str]]:
    """The rows of a CSV text keyed by column, and the headers nothing reads."""
    if len(text.encode()) > MAX_IMPORT_BYTES:
        raise ServiceError(FILE_TOO_BIG % {"limit": MAX_IMPORT_BYTES // 1024}, field="file")
    if "\x00" in text:
        raise ServiceError(NUL_REFUSED, field="file")
    text = text.removeprefix("\ufeff")
    first_line = text.split("\n", 1)[0]
    # Excel in much of Europe writes semicolons; Google Sheets always commas.
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error:
        raise ServiceError(NOT_CSV, field="file") from None
    records = [record for record in records if any(cell.strip() for cell in record)]
    if len(records) < 2:
        raise ServiceError(EMPTY_FILE, field="file")
    if len(records) - 1 > MAX_IMPORT_ROWS:
        raise ServiceError(TOO_MANY_ROWS % {"limit": MAX_IMPORT_ROWS}, field="file")
    header = records[0]
    if len(header) > MAX_COLUMNS:
        raise ServiceError(TOO_MANY_COLUMNS % {"limit": MAX_COLUMNS}, field="file")
    position: dict[str, int] = {}
    ignored = []
    for index, title in enumerate(header):
        column = next((c for c in columns if _norm(title) in c.headers), None)
        if column is not None and column.key not in position:
            position[column.key] = index
        elif title.strip():
            ignored.append(title.strip()[:MAX_CELL])
    missing = [str(c.label) for c in columns if c.required and c.key not in position]
    if missing:
        raise ServiceError(MISSING_COLUMNS % {"columns": ", ".join(missing)}, field="file")
    rows = []
    for number, record in enumerate(records[1:], start=2):
        values = {
            key: (record[index].strip() if index < len(record) else "")
            for key, index in position.items()
        }
        row = Row(number=number, values={key: value[:MAX_CELL] for key, value in values.items()})
        for column in columns:
            value = values.get(column.key, "")
            if len(value) > MAX_CELL:
                row.fail(CELL_TOO_LONG % {"column": column.label, "limit": MAX_CELL})
            elif column.required and not value:
                row.fail(REQUIRED % {"column": column.label})
        rows.append(row)
    return rows, ignored


# Reading cells ------------------------------------------------------------------------------

YES = frozenset({"yes", "y", "true", "1", "x", "si", "sí"})
NO = frozenset({"no", "n", "false", "0", ""})


def _yes_no(row: Row, column: Column) -> bool | None:
    value = row.values.get(column.key, "")
    if value.casefold() in YES:
        return True
    if value.casefold() in NO:
        return False
    row.fail(NOT_YES_NO % {"column": column.label, "value": value})
    return None


def _number(row: Row, column: Column, default: int) -> int | None:
    value = row.values.get(column.key, "").replace(",", "")
    if not value:
        return default
    number = bounded_int(value, maximum=MAX_LINE_QUANTITY)
    if number is None:
        row.fail(
            NOT_A_NUMBER % {"column": column.label, "value": value, "limit": MAX_LINE_QUANTITY}
        )
    return number


def _unit(row: Row, column: Column) -> str | None:
    value = row.values.get(column.key, "")
    if not value:
        return Item.Unit.EACH.value
    wanted = _norm(value)
    for code, label in Item.Unit.choices:
        names = {_norm(code), _norm(str(label))}
        if wanted in names or wanted.removesuffix("s") in names:
            return code
    row.fail(UNKNOWN_UNIT % {"value": value, "choices": ", ".join(Item.Unit.values)})
    return None


def _diet_tags(row: Row, column: Column) -> list[str] | None:
    value = row.values.get(column.key, "")
    by_name = {_norm(code): code for code in DietTag.values}
    by_name.update({_norm(str(label)): code for code, label in DietTag.choices})
    tags = [
        by_name.get(_norm(part), part.strip()) for part in re.split(r"[,;/]", value) if part.strip()
    ]
    try:
        return read_diet_tags(tags)
    except ValidationError as error:
        for message in error.messages:
            row.fail(str(message))
        return None


def _date(row: Row, column: Column) -> dt.date | None:
    value = row.values.get(column.key, "")
    if not value:
        return None
    found = date_or_none(value) if len(value) <= 10 else None
    us = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", value)
    if found is None and us:
        try:
            found = dt.date(int(us[3]), int(us[1]), int(us[2]))
        except ValueError:
            found = None
    if found is None:
        row.fail(BAD_DATE % {"column": column.label, "value": value})
    return found


def _form_errors(row: Row, form: forms.BaseForm, labels: dict[str, StrOrPromise]) -> None:
    for name, messages in form.errors.items():
        for message in messages:
            label = labels.get(name)
            row.fail(f"{label}: {message}" if label else str(message))


# The kinds ----------------------------------------------------------------------------------


def _col(key: str, label: StrOrPromise, *headers: str, required: bool = False) -> Column:
    return Column(key, label, tuple(_norm(h) for h in (key, *headers)), required)


CATALOGUE = [
    _col("category", _("Category"), "category", "type", "section", required=True),
    _col("item", _("Item"), "item", "name", "item name", "product", required=True),
    _col("unit", _("Unit"), "unit", "units", "measure"),
    _col("perishable", _("Perishable"), "perishable", "perishable?", "fresh"),
    _col("target", _("Target on hand"), "target", "target on hand", "goal", "want on shelf"),
    _col("max", _("Most per household"), "max per household", "max per family", "limit"),
    _col("diet", _("Diet tags"), "diet", "diet tags", "dietary", "tags"),
    _col("name_es", _("name in Spanish"), "spanish", "spanish name", "name in spanish"),
    _col("name_so", _("name in Somali"), "somali", "somali name", "name in somali"),
    _col("name_hmn", _("name in Hmong"), "hmong", "hmong name", "name in hmong"),
]
LOCATIONS = [
    _col("name", _("Location"), "location", "name", "place", "pantry", required=True),
    _col("address", _("Address"), "address", "street address"),
    _col("hours", _("Opening hours"), "hours", "opening hours", "open"),
    _col("public", _("Public pickup"), "public", "public pickup", "pickup", "pickup point"),
    _col("notes", _("Notes"), "notes", "note", "comments"),
]
STOCK = [
    _col("item", _("Item"), "item", "name", "product", required=True),
    _col("location", _("Location"), "location", "where", "pantry", "place", required=True),
    _col("quantity", _("Quantity"), "quantity", "qty", "count", "on hand", required=True),
    _col("expires", _("Expiry date"), "expires", "expiry", "expiry date", "best by", "use by"),
]
DRIVERS = [
    _col("username", _("Username"), "username", "user", "login", required=True),
    _col("email", _("Email"), "email", "e mail", "email address"),
    _col("zones", _("Zones"), "zones", "zone", "areas", "area"),
]


def _by_key(columns: list[Column]) -> dict[str, Column]:
    return {column.key: column for column in columns}


def _save_row(row: Row, write: Callable[[], None]) -> None:
    """Write one row in its own savepoint: a refusal is noted on the row and undone."""
    if row.errors:
        return
    try:
        with transaction.atomic():
            write()
            if row.errors:
                raise _Rollback
    except _Rollback:
        pass
    except ServiceError as error:
        row.fail(error.message)
    except IntegrityError as error:
        row.fail(ALREADY_THERE % {"detail": str(error).splitlines()[0][:200]})


def _catalogue(rows: list[Row], by: User, created: dict[str, int]) -> None:
    c = _by_key(CATALOGUE)
    categories = {category.name.casefold(): category for category in Category.objects.all()}
    labels: dict[str, StrOrPromise] = {
        "name": c["item"].label,
        "category": c["category"].label,
        "unit": c["unit"].label,
        "target_on_hand": c["target"].label,
        "max_per_household": c["max"].label,
        "diet_tags": c["diet"].label,
    }

    def write(row: Row) -> None:
        unit, perishable = _unit(row, c["unit"]), _yes_no(row, c["perishable"])
        target, most = _number(row, c["target"], 0), _number(row, c["max"], 10)
        tags = _diet_tags(row, c["diet"])
        if row.errors:
            return
        name = row.values["category"]
        category = categories.get(name.casefold())
        if category is None:
            category_form = CategoryForm({"name": name, "sort_order": 100})
            if not category_form.is_valid():
                _form_errors(row, category_form, {"name": c["category"].label})
                return
            category = categories[name.casefold()] = category_form.save()
            created["categories"] = created.get("categories", 0) + 1
        data: dict[str, Any] = {
            "name": row.values["item"],
            "category": category.pk,
            "unit": unit,
            "perishable": perishable,
            "target_on_hand": target,
            "max_per_household": most,
            "diet_tags": tags,
            "active": True,
            **{key: row.values.get(key, "") for key in ("name_es", "name_so", "name_hmn")},
        }
        form = ItemForm(data)
        if not form.is_valid():
            _form_errors(row, form, labels)
            return
        form.save()
        created["catalogue_items"] = created.get("catalogue_items", 0) + 1

    for row in rows:
        _save_row(row, partial(write, row))


def _locations(rows: list[Row], by: User, created: dict[str, int]) -> None:
    c = _by_key(LOCATIONS)
    labels: dict[str, StrOrPromise] = {
        "name": c["name"].label,
        "address": c["address"].label,
        "opening_hours": c["hours"].label,
        "notes": c["notes"].label,
    }

    def write(row: Row) -> None:
        public = _yes_no(row, c["public"])
        if row.errors:
            return
        form = LocationForm(
            {
                "name": row.values["name"],
                "address": row.values.get("address", ""),
                "opening_hours": row.values.get("hours", ""),
                "public_pickup": public,
                "notes": row.values.get("notes", ""),
                "active": True,
            }
        )
        if not form.is_valid():
            _form_errors(row, form, labels)
            return
        form.save()
        created["locations"] = created.get("locations", 0) + 1

    for row in rows:
        _save_row(row, partial(write, row))


def _stock(rows: list[Row], by: User, created: dict[str, int]) -> None:
    c = _by_key(STOCK)
    items = {item.name.casefold(): item for item in Item.objects.all()}
    locations = {place.name.casefold(): place for place in Location.objects.all()}
    lines: dict[int, list[tuple[Row, DonationLineInput]]] = {}
    places: dict[int, Location] = {}
    for row in rows:
        item = items.get(row.values["item"].casefold())
        place = locations.get(row.values["location"].casefold())
        if row.values["item"] and item is None:
            row.fail(UNKNOWN_ITEM % {"value": row.values["item"]})
        if row.values["location"] and place is None:
            row.fail(UNKNOWN_LOCATION % {"value": row.values["location"]})
        quantity, expires = _number(row, c["quantity"], 0), _date(row, c["expires"])
        if row.errors or item is None or place is None or quantity is None:
            continue
        places[place.pk] = place
        line = DonationLineInput(item=item, quantity=quantity, expires_on=expires)
        lines.setdefault(place.pk, []).append((row, line))
    for place_pk, entries in lines.items():
        # One donation per location. The service names the first bad line by its index:
        # note it on its row and try the rest again, so the preview lists every bad row.
        while entries:
            try:
                with transaction.atomic():
                    donation_receive(
                        location=places[place_pk],
                        lines=[line for _row, line in entries],
                        donor=OPENING_STOCK_DONOR,
                        note=OPENING_STOCK_NOTE,
                        received_by=by,
                    )
            except ServiceError as error:
                if error.index is None:  # the location itself: every row of it
                    for row, _line in entries:
                        row.fail(error.message)
                    break
                entries[error.index][0].fail(error.message)
                del entries[error.index]
                continue
            created["lots"] = created.get("lots", 0) + len(entries)
            break


def _drivers(rows: list[Row], by: User, created: dict[str, int], links: list[DriverLink]) -> None:
    def write(row: Row) -> None:
        username, email = row.values["username"], row.values.get("email", "")
        try:
            User.username_validator(username)
            if len(username) > 150:
                raise ValidationError("too long")
        except ValidationError:
            row.fail(BAD_USERNAME % {"value": username})
        if email:
            try:
                validate_email(email)
            except ValidationError:
                row.fail(BAD_EMAIL % {"value": email})
        names = [part.strip() for part in re.split(r"[,;]", row.values.get("zones", ""))]
        if row.errors:
            return
        zones = zones_by_name([name for name in names if name])
        links.append(
            DriverLink(
                member_invite(username=username, role=DRIVER, by=by, email=email, zones=zones)
            )
        )
        created["drivers"] = created.get("drivers", 0) + 1

    for row in rows:
        before = len(links)
        _save_row(row, partial(write, row))
        if row.errors:
            del links[before:]  # that row's savepoint was undone


KINDS: dict[str, tuple[StrOrPromise, list[Column]]] = {
    "catalogue": (_("Catalogue (categories and items)"), CATALOGUE),
    "locations": (_("Locations and pickup points"), LOCATIONS),
    "stock": (_("Opening stock"), STOCK),
    "drivers": (_("Drivers"), DRIVERS),
}


@transaction.atomic(durable=True)
def import_run(*, kind: str, text: str, by: User, save: bool) -> ImportRun:
    """Check every row of a CSV text of one kind by writing it; keep the writes only when
    `save` and every row passed (all or nothing: one transaction, rolled back otherwise).
    ServiceError for a file that cannot be read at all (size, rows, header). Driver links
    are issued only when saved; the caller mails or shows them after the commit."""
    columns = KINDS[kind][1]
    rows, ignored = _table(text, columns)
    result = ImportRun(kind=kind, columns=columns, rows=rows, ignored_headers=ignored)
    if kind == "catalogue":
        _catalogue(rows, by, result.created)
    elif kind == "locations":
        _locations(rows, by, result.created)
    elif kind == "stock":
        _stock(rows, by, result.created)
    else:
        _drivers(rows, by, result.created, result.links)
    result.saved = save and result.ok
    if not result.saved:
        transaction.set_rollback(True)
        result.links = []  # undone with the rest: no link works
    return result
