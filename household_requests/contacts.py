"""The family's contact details: normalizing, sealing, blind indexes, unsealing.

Sealing and forgetting (the keys, their periods, the wipe) are in `mutualaid.sealing`.
`Contact` never prints its contents (its repr is redacted) so it cannot leak into a log
line or an error report by accident.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from django_stubs_ext import StrOrPromise

from household_requests.door_word import DoorWord, reseal_word
from household_requests.models import SealedContact
from household_requests.request_rules import REACH_DRIVER_LINES, Reach, reach_from_ticks
from mutualaid import sealing


@dataclass(frozen=True, repr=False)
class Contact:
    name: str
    phone: str
    address: str = ""
    notes: str = ""
    # Sealed with the address (the driver's map needs it); blank for pickup.
    postal_code: str = ""
    # The family's answer to "how may the driver reach you?" (request_rules.Reach). A
    # Contact made in code without one keeps the old default, call or text.
    reach: str = Reach.CALL_OR_TEXT
    # Automatic texts (on its way, ready for pickup, we missed you): only when the family
    # chose them, apart from `reach` (household_requests.notice_contacts).
    auto_texts: bool = False
    # Not sealed with the contact: its own sealed field, added by the reveal for the driver
    # of a started route (deliveries.reveal), with its pronunciation hint.
    door_word: DoorWord | None = None

    def __repr__(self) -> str:
        return "Contact(<sealed>)"

    __str__ = __repr__

    @property
    def reach_line(self) -> StrOrPromise:
        """What the driver reads on the stop, in one line. Unknown: knock only."""
        known = self.reach in Reach.values
        return REACH_DRIVER_LINES[Reach(self.reach) if known else Reach.KNOCK]

    @property
    def safe_to_call(self) -> bool:
        return self.reach in (Reach.CALL, Reach.CALL_OR_TEXT)

    @property
    def safe_to_text(self) -> bool:
        return self.reach in (Reach.TEXT, Reach.CALL_OR_TEXT)

    @classmethod
    def from_values(cls, values: Mapping[str, Any]) -> Contact:
        """A contact from its sealed JSON, whenever it was sealed: one sealed before the
        `reach` question has the two old booleans (absent: yes, the old defaults), and
        none before this one has a postal code. Keys no longer known are left out."""
        known = {f.name for f in fields(cls)} - {"door_word"}
        kept = {key: value for key, value in values.items() if key in known}
        if "reach" not in kept:
            kept["reach"] = reach_from_ticks(
                bool(values.get("safe_to_call", True)), bool(values.get("safe_to_text", True))
            )
        return cls(**kept)


_ADDRESS_WORDS = {
    "street": "st",
    "avenue": "ave",
    "av": "ave",
    "road": "rd",
    "drive": "dr",
    "boulevard": "blvd",
    "lane": "ln",
    "court": "ct",
    "place": "pl",
    "apartment": "apt",
    "unit": "apt",
    "north": "n",
    "south": "s",
    "east": "e",
    "west": "w",
    "calle": "st",
    "avenida": "ave",
}


def normalize_phone(phone: str) -> str:
    digits = re.sub(r"\D", "", phone)
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    return digits


def normalize_address(address: str) -> str:
    text = unicodedata.normalize("NFKD", address.casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    words = re.sub(r"[^\w]+", " ", text).split()
    return " ".join(_ADDRESS_WORDS.get(word, word) for word in words)


def phone_index(phone: str) -> str:
    return sealing.blind_index(normalize_phone(phone), purpose="phone")


def address_index(address: str) -> str:
    return sealing.blind_index(normalize_address(address), purpose="address")


def seal_contact(contact: Contact) -> bytes:
    # vars(), not asdict(): every field is a str, nothing to copy deeply.
    values = {**vars(contact), "reach": str(contact.reach)}
    values.pop("door_word", None)
    return sealing.seal(json.dumps(values, ensure_ascii=False))


def unseal_contact(sealed_contact: SealedContact) -> Contact:
    """Open a sealed contact. Only the reveal service, re-sealing, the notice phone
    (`notice_contacts.phone_for_notice`), the hotline's lost-link cancel (which compares a
    name in memory and shows nothing: `lost_link`) and tests may call this."""
    return Contact.from_values(json.loads(sealing.unseal(bytes(sealed_contact.sealed))))


def reseal_plaintext(plaintext: str) -> tuple[bytes, str, str]:
    """A contact's opened JSON sealed under the current keys, with its phone and address
    indexes recomputed. Also called by migration 0004 (which opens contacts sealed before
    period keys with its own opener): keep its name and signature."""
    values = json.loads(plaintext)
    return (
        sealing.seal(plaintext),
        phone_index(values.get("phone", "")),
        address_index(values.get("address", "")),
    )


def reseal_contact(sealed_contact: SealedContact) -> None:
    """Seal the contact again under the current keys, and recompute its blind indexes
    (whose key the wipe, or a new BLIND_INDEX_KEY, changes), with its door word. Does not
    save. Raises SealingError when the contact or its door word cannot be opened."""
    sealed_contact.sealed, sealed_contact.phone_index, sealed_contact.address_index = (
        reseal_plaintext(sealing.unseal(bytes(sealed_contact.sealed)))
    )
    sealed_contact.sealed_word = reseal_word(sealed_contact.sealed_word)
