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
    (whose key the wipe, or a new BLIND_INDEX_KEY, changes). Does not save.
    Raises SealingError when the contact cannot be opened."""
    sealed_contact.sealed, sealed_contact.phone_index, sealed_contact.address_index = (
        reseal_plaintext(sealing.unseal(bytes(sealed_contact.sealed)))
    )
