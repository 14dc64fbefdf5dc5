"""The request rules: what a household may ask for, and what the family is told when
something is wrong. The public form, the hotline form, the public API and
`services.request_submit` all read a request here, so the same input gets the same field
and the same message on every entry.

Plain Python over plain values (what a form posts, what a JSON body holds): no database.
`read_request` checks every value on its own; `check_known` then checks the values that
name something in the database (zone, items, categories, pickup place) against what
`services` looked up. Messages are rendered in the active language.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models.enums import TextChoices
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from mutualaid.hotline import hotline_line

MAX_PEOPLE_PER_GROUP = 20  # adults, children and infants, each
MAX_LINES = 200  # more things than one household asks for; counted before any lookup
CATEGORY_LINE_MAX = 100  # "any item of a category": items have their own household limit
NAME_MAX = 80
PHONE_MAX = 30
ADDRESS_MAX = 300
NOTES_MAX = 500
POSTAL_CODE_MAX = 10


class Fulfilment(TextChoices):
    DELIVERY = "delivery", _("Delivery to my home")
    PICKUP = "pickup", _("I will pick up at a trusted location")


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
# Monday first, as date.weekday() counts.
WEEKDAYS = [code for code, _label in DAY_CHOICES]


class Reach(TextChoices):
    """How the driver may reach the family before coming: the family's own answer."""

    CALL = "call", _("Call")
    TEXT = "text", _("Text")
    # Only from the public API (both of its old booleans said yes); the form asks for one.
    CALL_OR_TEXT = "call_or_text", _("Call or text")
    KNOCK = "knock", _("Neither: knock only")


# What the form offers: one plain choice, none preselected (see `_read_reach`).
FORM_REACH_CHOICES = [(r.value, r.label) for r in (Reach.CALL, Reach.TEXT, Reach.KNOCK)]
# What the driver reads on the stop, in one line.
REACH_DRIVER_LINES = {
    Reach.CALL: _("Call first"),
    Reach.TEXT: _("Text first"),
    Reach.CALL_OR_TEXT: _("Call or text first"),
    Reach.KNOCK: _("Knock only: no call, no text"),
}
# What the family is promised once the request is received: exactly what they chose.
REACH_PROMISES = {
    Reach.CALL: _("A volunteer will call you before bringing your delivery."),
    Reach.TEXT: _("A volunteer will send you a text message before bringing your delivery."),
    Reach.CALL_OR_TEXT: _("A volunteer will call or text you before bringing your delivery."),
    Reach.KNOCK: _("No one will call or text you. The driver will knock when they arrive."),
}
# The postal code is read for the zone and also sealed with the address (the driver's map).
CONTACT_FIELDS = ("name", "phone", "address", "notes", "postal_code", "reach", "auto_texts")
# Every value of a request but its lines, by the names the form and the API share.
REQUEST_FIELDS = tuple(
    dict.fromkeys(
        (
            "adults",
            "children",
            "infants",
            "postal_code",
            "fulfilment",
            "pickup_location",
            "dietary_needs",
            "preferred_days",
            *CONTACT_FIELDS,
        )
    )
)

REQUIRED = _("Please fill in this field.")
WHOLE_NUMBER = _("Please enter a whole number.")
TOO_LONG = _("Please use at most %(limit_value)d characters.")
NOT_NEGATIVE = _("Please enter 0 or more.")
AT_MOST = _("Please enter %(limit_value)s or less.")
CHOOSE_FROM_LIST = _("Please choose one of the options.")
ITEM_AGAINST_NEEDS = _(
    "This item does not fit the diet you chose, so it would never be given to you. "
    "Choose another item, or change your dietary needs."
)
PLAIN_TEXT_ONLY = _("Please use only letters, numbers and simple punctuation.")
HOUSEHOLD_EMPTY = _("Tell us how many people live in your home (at least one).")
UNKNOWN_POSTAL_CODE = _(
    "We do not deliver to this postal code yet. Please check it, choose pickup, or call the "
    "hotline."
)
# The same, with the hotline's number and hours from configuration (mutualaid.hotline).
UNKNOWN_POSTAL_CODE_CALL = _(
    "We do not deliver to this postal code yet. Please check it, choose pickup, or call the "
    "hotline: %(hotline)s."
)
BAD_PHONE = _("Please enter a phone number with 7 to 15 digits.")
ADDRESS_REQUIRED = _("Please tell us where to deliver, or choose pickup.")
PICKUP_LOCATION_REQUIRED = _("Please choose where you will pick up.")
REACH_REQUIRED = _("Please choose how the driver may reach you: call, text, or knock only.")
NO_ITEMS = _("Please choose at least one thing you need.")
TOO_MANY_LINES = _("Please ask for at most %(limit_value)d different things in one request.")

# Letters of every script, marks, digits, spaces and everyday address punctuation.
_ALLOWED_PUNCTUATION = set(" .,'\u2019-#/&()+:;!?\"\r\n")
_ALLOWED_CATEGORIES = ("L", "M", "N")
# Decimal digits of any script (Arabic-Indic, fullwidth...), as Django's IntegerField
# reads them; "2.0" is 2.
_WHOLE_NUMBER = re.compile(r"([+-]?)(\d+)(?:\.0*)?")
_TOO_LARGE = 10**9
# What a ticked box or a partner app sends for yes; anything else is no.
_YES_WORDS = ("on", "true", "1", "yes")
# Exactly as a page writes a key: 12, not 012 or +12; short enough for any database.
_KEY = re.compile(r"[1-9][0-9]{0,17}")


@dataclass(frozen=True)
class Problem:
    """What is wrong (`message`, in the active language) and where: a field, or for one
    line of the request its position `index` and the line's field. No field: the whole."""

    field: str | None
    message: str
    index: int | None = None


@dataclass(frozen=True)
class Line:
    """One line as read: an item or a category, and a quantity of at least one."""

    index: int  # its position in the lines sent
    item: int | None
    category: int | None
    quantity: int


@dataclass(frozen=True)
class Known:
    """What the database holds of the things a request names."""

    zone_found: bool
    item_limits: Mapping[int, int]  # active items -> most units one household may ask
    categories: frozenset[int]
    pickup_places: frozenset[int]  # active locations
    # Items that break a dietary need the request states (inventory.diet decides).
    items_against_needs: frozenset[int] = frozenset()


@dataclass(repr=False)
class Reading:
    """A request read from plain values: clean `values` and `lines`, and the problems."""

    values: dict[str, Any] = field(default_factory=dict)
    lines: list[Line] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    # A body with too many lines is not looked up at all.
    too_many_lines: bool = False

    def __repr__(self) -> str:
        return "Reading(<holds what the family typed>)"

    def fail(
        self,
        name: str | None,
        message: StrOrPromise,
        *,
        index: int | None = None,
        **params: Any,
    ) -> None:
        text = str(message)
        self.problems.append(Problem(name, text % params if params else text, index))

    def failed(self, name: str) -> bool:
        return any(p.field == name and p.index is None for p in self.problems)

    @property
    def contact_values(self) -> dict[str, Any]:
        return {name: self.values[name] for name in CONTACT_FIELDS}


def plain_text_problem(value: str) -> StrOrPromise | None:
    """Control characters, emoji and markup are never needed to find a door."""
    for ch in value:
        if (
            ch not in _ALLOWED_PUNCTUATION
            and unicodedata.category(ch)[0] not in _ALLOWED_CATEGORIES
        ):
            return PLAIN_TEXT_ONLY
    return None


def phone_problem(value: str) -> StrOrPromise | None:
    if re.search(r"[^\d\s+().-]", value) or not 7 <= len(re.sub(r"\D", "", value)) <= 15:
        return BAD_PHONE
    return None


def normalize_postal_code(value: str) -> str:
    code = value.strip().upper()
    if re.fullmatch(r"\d{5}-\d{4}", code):
        code = code[:5]
    return code


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _as_text(value: Any) -> str | None:
    """What was typed, as text; None for a value no one types (a list, true...)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return str(value)
    return None


def _whole_number(value: Any) -> int | None:
    """The whole number typed, or None. Very long numbers read as larger than any limit."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    text = _as_text(value)
    match = _WHOLE_NUMBER.fullmatch(text.strip()) if text is not None else None
    if match is None:
        return None
    sign, digits = match.groups()
    number = int(digits) if len(digits) <= 9 else _TOO_LARGE
    return -number if sign == "-" else number


def _key(value: Any) -> int | None:
    """A database key as a page or a JSON body writes one, or None."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value if 0 < value < 10**18 else None
    if isinstance(value, str) and _KEY.fullmatch(value.strip()):
        return int(value)
    return None


def ticked(value: Any) -> bool:
    """Yes only when said plainly ("on" from a browser, true, "yes"): a family's "safe to
    call" (the public API's old booleans) must never turn into yes from "no", "off" or a
    typo."""
    if isinstance(value, str):
        return value.strip().lower() in _YES_WORDS
    if isinstance(value, bool):
        return value
    return isinstance(value, int) and value == 1


def _read_text(
    reading: Reading, values: Mapping[str, Any], name: str, limit: int, *, required: bool
) -> None:
    text = _as_text("" if values.get(name) is None else values.get(name))
    if text is None:
        reading.fail(name, PLAIN_TEXT_ONLY)
        return
    # A textarea sends a line break as CR LF; keep one kind.
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        if required:
            reading.fail(name, REQUIRED)
        else:
            reading.values[name] = ""
        return
    failures = len(reading.problems)
    problem = phone_problem(text) if name == "phone" else plain_text_problem(text)
    if problem is not None:
        reading.fail(name, problem)
    if len(text) > limit:
        reading.fail(name, TOO_LONG, limit_value=limit)
    if len(reading.problems) == failures:
        reading.values[name] = text


def _read_count(reading: Reading, values: Mapping[str, Any], name: str, *, missing: int) -> None:
    raw = values.get(name)
    number = missing if raw is None else 0 if _is_blank(raw) else _whole_number(raw)
    if number is None:
        reading.fail(name, WHOLE_NUMBER)
    elif number < 0:
        reading.fail(name, NOT_NEGATIVE)
    elif number > MAX_PEOPLE_PER_GROUP:
        reading.fail(name, AT_MOST, limit_value=MAX_PEOPLE_PER_GROUP)
    else:
        reading.values[name] = number


def _read_choices(
    reading: Reading, values: Mapping[str, Any], name: str, choices: list[tuple[str, Any]]
) -> None:
    raw = values.get(name)
    chosen = [] if raw is None else raw
    allowed = {value for value, _label in choices}
    if not isinstance(chosen, list) or any(
        not isinstance(value, str) or value not in allowed for value in chosen
    ):
        reading.fail(name, CHOOSE_FROM_LIST)
    else:
        reading.values[name] = list(dict.fromkeys(chosen))


def _read_postal_code(reading: Reading, values: Mapping[str, Any]) -> None:
    raw = values.get("postal_code")
    text = _as_text("" if raw is None else raw)
    if text is None:
        reading.fail("postal_code", PLAIN_TEXT_ONLY)
    elif not text.strip():
        reading.fail("postal_code", REQUIRED)
    elif "\x00" in text:
        reading.fail("postal_code", PLAIN_TEXT_ONLY)
    elif len(text.strip()) > POSTAL_CODE_MAX:
        reading.fail("postal_code", TOO_LONG, limit_value=POSTAL_CODE_MAX)
    else:
        reading.values["postal_code"] = normalize_postal_code(text)


def _read_fulfilment(reading: Reading, values: Mapping[str, Any]) -> None:
    raw = values.get("fulfilment")
    if _is_blank(raw):
        reading.values["fulfilment"] = Fulfilment.DELIVERY
    elif raw not in Fulfilment.values:
        reading.fail("fulfilment", CHOOSE_FROM_LIST)
    else:
        reading.values["fulfilment"] = Fulfilment(raw)


def _read_pickup_location(reading: Reading, values: Mapping[str, Any]) -> None:
    raw = values.get("pickup_location")
    if _is_blank(raw):
        reading.values["pickup_location"] = None
    elif (key := _key(raw)) is None:
        reading.fail("pickup_location", CHOOSE_FROM_LIST)
    else:
        reading.values["pickup_location"] = key


def _read_line(reading: Reading, index: int, line: Any) -> None:
    if not isinstance(line, Mapping):
        reading.fail(None, CHOOSE_FROM_LIST, index=index)
        return
    item, category = line.get("item"), line.get("category")
    if _is_blank(item) == _is_blank(category):
        reading.fail("item", CHOOSE_FROM_LIST, index=index)
        return
    name, raw = ("category", category) if _is_blank(item) else ("item", item)
    key = _key(raw)
    if key is None:
        reading.fail(name, CHOOSE_FROM_LIST, index=index)
        return
    quantity = line.get("quantity")
    number = None if _is_blank(quantity) else _whole_number(quantity)
    if _is_blank(quantity):
        reading.fail("quantity", REQUIRED, index=index)
    elif number is None:
        reading.fail("quantity", WHOLE_NUMBER, index=index)
    elif number < 0:
        reading.fail("quantity", NOT_NEGATIVE, index=index)
    elif number > 0:  # none of it: not a need
        item_key, category_key = (key, None) if name == "item" else (None, key)
        reading.lines.append(Line(index, item=item_key, category=category_key, quantity=number))


def _read_lines(reading: Reading, values: Mapping[str, Any]) -> None:
    lines = values.get("lines")
    lines = [] if lines is None else lines
    if not isinstance(lines, list):
        reading.fail("lines", NO_ITEMS)
        return
    if len(lines) > MAX_LINES:
        reading.too_many_lines = True
        reading.fail("lines", TOO_MANY_LINES, limit_value=MAX_LINES)
        return
    failures = len(reading.problems)
    for index, line in enumerate(lines):
        _read_line(reading, index, line)
    if not reading.lines and len(reading.problems) == failures:
        reading.fail("lines", NO_ITEMS)


def address_problem(fulfilment: str, address: str) -> StrOrPromise | None:
    """Delivery needs an address; pickup keeps none."""
    if fulfilment == Fulfilment.DELIVERY and not address.strip():
        return ADDRESS_REQUIRED
    return None


def reach_from_ticks(call: bool, text: bool) -> Reach:
    """The public API's old pair of booleans as one answer."""
    if call and text:
        return Reach.CALL_OR_TEXT
    return Reach.CALL if call else Reach.TEXT if text else Reach.KNOCK


def _read_reach(reading: Reading, values: Mapping[str, Any]) -> None:
    """Call, text, or knock only: asked, never assumed. Nothing is preselected on the form,
    because a family afraid of a knock and a family afraid of a call are both told what
    they chose, not what we guessed; no answer is a problem to fix, not "knock only"
    (the old unticked boxes that told drivers not to call most families). The public API
    also takes its old `safe_to_call` / `safe_to_text` booleans: either one sent is an
    answer; `reach`, when sent, wins."""
    raw = values.get("reach")
    if not _is_blank(raw):
        if isinstance(raw, str) and raw in Reach.values:
            reading.values["reach"] = Reach(raw)
        else:
            reading.fail("reach", CHOOSE_FROM_LIST)
        return
    call, text = values.get("safe_to_call"), values.get("safe_to_text")
    if call is not None or text is not None:
        reading.values["reach"] = reach_from_ticks(ticked(call), ticked(text))
        return
    reading.fail("reach", REACH_REQUIRED)


def read_contact(values: Mapping[str, Any], *, reading: Reading | None = None) -> Reading:
    """Name, phone, address, notes, postal code and how to reach the family, as typed,
    checked; never stored as they are. Alone (the status page's new details) the postal
    code may be left blank; in a request `read_request` has read it already."""
    reading = reading if reading is not None else Reading()
    _read_text(reading, values, "name", NAME_MAX, required=True)
    _read_text(reading, values, "phone", PHONE_MAX, required=True)
    _read_text(reading, values, "address", ADDRESS_MAX, required=False)
    _read_text(reading, values, "notes", NOTES_MAX, required=False)
    if "postal_code" not in reading.values and not reading.failed("postal_code"):
        if _is_blank(values.get("postal_code")):
            reading.values["postal_code"] = ""
        else:
            _read_postal_code(reading, values)
    _read_reach(reading, values)
    # Automatic texts only when asked for plainly; absent or anything else is no.
    reading.values["auto_texts"] = ticked(values.get("auto_texts"))
    return reading


def read_request(values: Mapping[str, Any]) -> Reading:
    """A whole request, each value on its own and together; nothing looked up yet.

    `values` has the public API's names: lines are `[{"item" or "category", "quantity"}]`.
    What is not sent is what the form starts with: 1 adult, no children or infants,
    delivery, and no answer to how to reach the family (which must be given). A count left
    blank is 0; a line of quantity 0 is no need.
    """
    reading = Reading()
    for name, missing in (("adults", 1), ("children", 0), ("infants", 0)):
        _read_count(reading, values, name, missing=missing)
    _read_postal_code(reading, values)
    _read_fulfilment(reading, values)
    _read_pickup_location(reading, values)
    read_contact(values, reading=reading)
    _read_choices(reading, values, "dietary_needs", DIETARY_CHOICES)
    _read_choices(reading, values, "preferred_days", DAY_CHOICES)

    clean = reading.values
    counts: list[int] = [clean[name] for name in ("adults", "children", "infants") if name in clean]
    if len(counts) == 3 and sum(counts) < 1:
        reading.fail("adults", HOUSEHOLD_EMPTY)
    if clean.get("fulfilment") == Fulfilment.PICKUP:
        if clean.get("pickup_location") is None and not reading.failed("pickup_location"):
            reading.fail("pickup_location", PICKUP_LOCATION_REQUIRED)
    elif "address" in clean and (problem := address_problem(Fulfilment.DELIVERY, clean["address"])):
        reading.fail("address", problem)
    _read_lines(reading, values)
    return reading


def check_known(reading: Reading, known: Known) -> list[Problem]:
    """The values that name something in the database, against what it holds."""
    checked = Reading()
    # Pickup is open to any postal code (such a request has no zone); delivery is not.
    delivery = reading.values.get("fulfilment") != Fulfilment.PICKUP
    if "postal_code" in reading.values and not known.zone_found and delivery:
        if hotline := hotline_line():
            checked.fail("postal_code", UNKNOWN_POSTAL_CODE_CALL, hotline=hotline)
        else:
            checked.fail("postal_code", UNKNOWN_POSTAL_CODE)
    place = reading.values.get("pickup_location")
    if place is not None and place not in known.pickup_places:
        checked.fail("pickup_location", CHOOSE_FROM_LIST)
    for line in reading.lines:
        if line.item is not None:
            limit = known.item_limits.get(line.item)
            if limit is None:
                checked.fail("item", CHOOSE_FROM_LIST, index=line.index)
                continue
            if line.item in known.items_against_needs:
                checked.fail("item", ITEM_AGAINST_NEEDS, index=line.index)
                continue
        elif line.category not in known.categories:
            checked.fail("category", CHOOSE_FROM_LIST, index=line.index)
            continue
        else:
            limit = CATEGORY_LINE_MAX
        if line.quantity > limit:
            checked.fail("quantity", AT_MOST, index=line.index, limit_value=limit)
    return checked.problems
