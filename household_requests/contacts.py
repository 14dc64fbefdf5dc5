"""The family's contact details: normalizing, sealing, blind indexes, unsealing.

Sealing and forgetting (the keys, their periods, the wipe) are in `mutualaid.sealing`.
`Contact` never prints its contents (its repr is redacted) so it cannot leak into a log
line or an error report by accident.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass

from household_requests.models import SealedContact
from mutualaid import sealing


@dataclass(frozen=True, repr=False)
class Contact:
    name: str
    phone: str
    address: str = ""
    notes: str = ""
    safe_to_call: bool = True
    safe_to_text: bool = True

    def __repr__(self) -> str:
        return "Contact(<sealed>)"

    __str__ = __repr__


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
    # vars(), not asdict(): every field is a str or a bool, nothing to copy deeply.
    return sealing.seal(json.dumps(vars(contact), ensure_ascii=False))


def unseal_contact(sealed_contact: SealedContact) -> Contact:
    """Open a sealed contact. Only the reveal service, re-sealing and tests may call this."""
    return Contact(**json.loads(sealing.unseal(bytes(sealed_contact.sealed))))


def reseal_contact(sealed_contact: SealedContact) -> None:
    """Seal the contact again under the current keys, and recompute its blind indexes
    (whose key the wipe, or an upgrade to keys in KEY_DIR, changes). Does not save."""
    contact = unseal_contact(sealed_contact)
    sealed_contact.sealed = seal_contact(contact)
    sealed_contact.phone_index = phone_index(contact.phone)
    sealed_contact.address_index = address_index(contact.address)
