"""Validators shared by the public form, the hotline form and the public API.

Messages are lazy translations: the family reads them in the language they chose.
"""

from __future__ import annotations

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

MAX_PEOPLE_PER_GROUP = 20
NAME_MAX = 80
PHONE_MAX = 30
ADDRESS_MAX = 300
NOTES_MAX = 500

PLAIN_TEXT_ONLY = _("Please use only letters, numbers and simple punctuation.")
HOUSEHOLD_EMPTY = _("Tell us how many people live in your home (at least one).")
UNKNOWN_POSTAL_CODE = _(
    "We do not deliver to this postal code yet. Please check it, or call the hotline."
)
BAD_PHONE = _("Please enter a phone number with 7 to 15 digits.")
ADDRESS_REQUIRED = _("Please tell us where to deliver, or choose pickup.")
PICKUP_LOCATION_REQUIRED = _("Please choose where you will pick up.")
NO_ITEMS = _("Please choose at least one thing you need.")
TOO_MANY = _("At most %(limit)s per household.")

# Letters of every script, marks, digits, spaces and everyday address punctuation.
_ALLOWED_PUNCTUATION = set(" .,'\u2019-#/&()+:;!?\"\r\n")
_ALLOWED_CATEGORIES = ("L", "M", "N")


def validate_plain_text(value: str) -> None:
    """Refuse control characters, emoji and markup: they are never needed to find a door."""
    for ch in value:
        if ch in _ALLOWED_PUNCTUATION:
            continue
        if unicodedata.category(ch)[0] in _ALLOWED_CATEGORIES:
            continue
        raise ValidationError(PLAIN_TEXT_ONLY, code="plain_text")


def validate_phone(value: str) -> None:
    if re.search(r"[^\d\s+().-]", value):
        raise ValidationError(BAD_PHONE, code="phone")
    digits = re.sub(r"\D", "", value)
    if not 7 <= len(digits) <= 15:
        raise ValidationError(BAD_PHONE, code="phone")


def normalize_postal_code(value: str) -> str:
    code = value.strip().upper()
    if re.fullmatch(r"\d{5}-\d{4}", code):
        code = code[:5]
    return code
