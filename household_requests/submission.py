"""Reading a posted request form: the checks that the public form, the hotline form and
the status page's contact form share, with messages in the family's language.

Plain functions over the posted values rather than Django form fields: building and
cleaning twenty form fields costs ~0.6 ms, which alone is more than the whole submission
may cost (benchmarks/request_form.py). The forms in forms.py still draw the page and
show these messages next to the fields.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrPromise

from household_requests import lookups, validation
from household_requests.contacts import Contact
from household_requests.models import Fulfilment, Zone
from household_requests.services import LineInput, RequestInput
from inventory.models import Item, Location

DIETARY_CHOICES = [
    ("halal", _("Halal")),
    ("no_pork", _("No pork")),
    ("vegetarian", _("Vegetarian")),
    ("diabetic", _("Diabetic")),
    ("gluten_free", _("Gluten free")),
    ("lactose_free", _("No milk (lactose)")),
    ("nut_allergy", _("Nut allergy")),
]
DAY_CHOICES = [
    ("mon", _("Monday")),
    ("tue", _("Tuesday")),
    ("wed", _("Wednesday")),
    ("thu", _("Thursday")),
    ("fri", _("Friday")),
    ("sat", _("Saturday")),
    ("sun", _("Sunday")),
]
POSTAL_CODE_MAX = 10
ITEM_PREFIX = "item_"

REQUIRED = _("Please fill in this field.")
WHOLE_NUMBER = _("Please enter a whole number.")
TOO_LONG = _("Please use at most %(limit_value)d characters.")
NOT_NEGATIVE = _("Please enter 0 or more.")
AT_MOST = _("Please enter %(limit_value)s or less.")
CONSENT_REQUIRED = _("Please tick this box so we can keep your details to deliver.")
CHOOSE_FROM_LIST = _("Please choose one of the options.")
CHECK_QUANTITIES = _("Please check the amounts marked below.")

# Decimal digits of any script (Arabic-Indic, fullwidth...), as Django's IntegerField
# reads them; "2.0" is 2.
_WHOLE_NUMBER = re.compile(r"([+-]?)(\d+)(?:\.0*)?")
_TOO_LARGE = 10**9
_FALSE_WORDS = ("", "false", "0")


# What is read of the posted data: request.POST, or any MultiValueDict.
Posted = MultiValueDict[str, Any]


@dataclass(repr=False)
class Reading:
    """The outcome of reading a form: clean values, or messages by field (None: the form
    as a whole). Messages are already in the active language."""

    values: dict[str, Any] = field(default_factory=dict)
    errors: list[tuple[str | None, str]] = field(default_factory=list)
    quantities: dict[int, int] = field(default_factory=dict)
    limits: dict[int, int] = field(default_factory=dict)
    item_errors: dict[int, str] = field(default_factory=dict)
    zone: Zone | None = None
    spam: bool = False

    def __repr__(self) -> str:
        return "Reading(<holds what the family typed>)"

    @property
    def is_valid(self) -> bool:
        return not self.errors and not self.item_errors

    def fail(self, name: str | None, message: str | StrPromise, **params: Any) -> None:
        text = str(message)
        self.errors.append((name, text % params if params else text))

    def failed(self, name: str) -> bool:
        return any(failed == name for failed, _message in self.errors)

    def contact(self) -> Contact:
        values = self.values
        return Contact(
            name=values["name"],
            phone=values["phone"],
            address=values.get("address", ""),
            notes=values.get("notes", ""),
            safe_to_call=values.get("safe_to_call", False),
            safe_to_text=values.get("safe_to_text", False),
        )

    def lines(self) -> list[LineInput]:
        # An unsaved stand-in is enough: the service needs the id and the limit.
        return [
            LineInput(item=Item(pk=pk, max_per_household=self.limits[pk]), quantity=quantity)
            for pk, quantity in self.quantities.items()
        ]

    def request_input(self, language: str) -> RequestInput:
        values = self.values
        return RequestInput(
            postal_code=values["postal_code"],
            zone=self.zone,
            contact=self.contact(),
            lines=self.lines(),
            adults=values["adults"],
            children=values["children"],
            infants=values["infants"],
            language=language,
            fulfilment=values["fulfilment"],
            pickup_location=values.get("pickup_location"),
            dietary_needs=values.get("dietary_needs", []),
            preferred_days=values.get("preferred_days", []),
        )


def _raw(data: Posted, name: str) -> str:
    value = data.get(name)
    return "" if value is None else str(value)


def _flag(data: Posted, name: str) -> bool:
    """A checkbox: absent, empty, "false" or "0" is unticked (as Django reads one)."""
    return _raw(data, name).strip().lower() not in _FALSE_WORDS


def _text(
    reading: Reading,
    data: Posted,
    name: str,
    limit: int,
    *,
    required: bool,
    check: Any = validation.validate_plain_text,
) -> None:
    # A textarea sends a line break as CR LF; keep one kind.
    value = _raw(data, name).replace("\r\n", "\n").replace("\r", "\n").strip()
    if not value:
        if required:
            reading.fail(name, REQUIRED)
        else:
            reading.values[name] = ""
        return
    failures = len(reading.errors)
    try:
        check(value)
    except ValidationError as error:
        reading.fail(name, error.messages[0])
    if len(value) > limit:
        reading.fail(name, TOO_LONG, limit_value=limit)
    if len(reading.errors) == failures:
        reading.values[name] = value


def _whole_number(value: str) -> int | None:
    """The whole number typed, or None. Very long numbers read as larger than any limit."""
    match = _WHOLE_NUMBER.fullmatch(value)
    if match is None:
        return None
    sign, digits = match.groups()
    number = int(digits) if len(digits) <= 9 else _TOO_LARGE
    return -number if sign == "-" else number


def _count(reading: Reading, data: Posted, name: str) -> None:
    value = _raw(data, name).strip()
    number = _whole_number(value) if value else 0
    if number is None:
        reading.fail(name, WHOLE_NUMBER)
    elif number < 0:
        reading.fail(name, NOT_NEGATIVE)
    elif number > validation.MAX_PEOPLE_PER_GROUP:
        reading.fail(name, AT_MOST, limit_value=validation.MAX_PEOPLE_PER_GROUP)
    else:
        reading.values[name] = number


def _choices(reading: Reading, data: Posted, name: str, choices: list[tuple[str, Any]]) -> None:
    chosen = [str(value) for value in data.getlist(name)]
    allowed = {value for value, _label in choices}
    if any(value not in allowed for value in chosen):
        reading.fail(name, CHOOSE_FROM_LIST)
    else:
        reading.values[name] = list(dict.fromkeys(chosen))


def _postal_code(reading: Reading, data: Posted) -> None:
    value = _raw(data, "postal_code").strip()
    if not value:
        reading.fail("postal_code", REQUIRED)
    elif "\x00" in value:
        reading.fail("postal_code", validation.PLAIN_TEXT_ONLY)
    elif len(value) > POSTAL_CODE_MAX:
        reading.fail("postal_code", TOO_LONG, limit_value=POSTAL_CODE_MAX)
    else:
        code = validation.normalize_postal_code(value)
        reading.zone = lookups.zone_for_postal_code(code)
        if reading.zone is None:
            reading.fail("postal_code", validation.UNKNOWN_POSTAL_CODE)
        else:
            reading.values["postal_code"] = code


def _fulfilment(reading: Reading, data: Posted) -> None:
    value = _raw(data, "fulfilment")
    if not value:
        reading.fail("fulfilment", REQUIRED)
    elif value not in Fulfilment.values:
        reading.fail("fulfilment", CHOOSE_FROM_LIST)
    else:
        reading.values["fulfilment"] = value


def _pickup_location(reading: Reading, data: Posted) -> None:
    value = _raw(data, "pickup_location").strip()
    if not value:
        reading.values["pickup_location"] = None
        return
    is_key = value.isascii() and value.isdigit() and len(value) <= 18
    location = Location.objects.filter(pk=int(value), active=True).first() if is_key else None
    if location is None:
        reading.fail("pickup_location", CHOOSE_FROM_LIST)
    else:
        reading.values["pickup_location"] = location


def _quantities(reading: Reading, data: Posted) -> None:
    """Amounts typed next to catalogue items, `item_<id>`; unknown or retired items are
    ignored, as the page never offered them."""
    typed: dict[int, str] = {}
    for name in data:
        suffix = name[len(ITEM_PREFIX) :] if name.startswith(ITEM_PREFIX) else ""
        value = _raw(data, name).strip()
        # Exactly as the page writes them: item_12, not item_012 or item_+12.
        is_key = suffix.isascii() and suffix.isdigit() and len(suffix) < 12
        if value and is_key and str(int(suffix)) == suffix:
            typed[int(suffix)] = value
    reading.limits = lookups.item_limits(typed.keys())
    for pk, value in typed.items():
        limit = reading.limits.get(pk)
        if limit is None:
            continue
        number = _whole_number(value)
        if number is None:
            reading.item_errors[pk] = str(WHOLE_NUMBER)
        elif number < 0:
            reading.item_errors[pk] = str(NOT_NEGATIVE)
        elif number > limit:
            reading.item_errors[pk] = str(AT_MOST) % {"limit_value": limit}
        elif number > 0:
            reading.quantities[pk] = number


def read_contact(data: Posted, *, reading: Reading | None = None) -> Reading:
    """Name, phone, address and notes as typed, checked; never stored as they are."""
    reading = reading or Reading()
    _text(reading, data, "name", validation.NAME_MAX, required=True)
    _text(
        reading, data, "phone", validation.PHONE_MAX, required=True, check=validation.validate_phone
    )
    _text(reading, data, "address", validation.ADDRESS_MAX, required=False)
    _text(reading, data, "notes", validation.NOTES_MAX, required=False)
    reading.values["safe_to_call"] = _flag(data, "safe_to_call")
    reading.values["safe_to_text"] = _flag(data, "safe_to_text")
    return reading


def read_request(data: Posted) -> Reading:
    """The whole request form. A filled honeypot (`website`) marks the reading as spam."""
    reading = Reading(spam=bool(_raw(data, "website")))
    for name in ("adults", "children", "infants"):
        _count(reading, data, name)
    _postal_code(reading, data)
    _fulfilment(reading, data)
    _pickup_location(reading, data)
    read_contact(data, reading=reading)
    _choices(reading, data, "dietary_needs", DIETARY_CHOICES)
    _choices(reading, data, "preferred_days", DAY_CHOICES)
    if not _flag(data, "consent"):
        reading.fail("consent", CONSENT_REQUIRED)

    values = reading.values
    counts = ("adults", "children", "infants")
    if all(name in values for name in counts) and sum(values[name] for name in counts) < 1:
        reading.fail("adults", validation.HOUSEHOLD_EMPTY)
    if values.get("fulfilment") == Fulfilment.PICKUP:
        if values.get("pickup_location") is None and not reading.failed("pickup_location"):
            reading.fail("pickup_location", validation.PICKUP_LOCATION_REQUIRED)
    elif not values.get("address") and not reading.failed("address"):
        reading.fail("address", validation.ADDRESS_REQUIRED)
    _quantities(reading, data)
    if reading.item_errors:
        reading.fail(None, CHECK_QUANTITIES)
    elif not reading.quantities:
        reading.fail(None, validation.NO_ITEMS)
    return reading
