"""A driver's map link to a stop: the sealed address with its postal code and the
network's state (NETWORK_STATE), so the phone's maps find the right street.

The server calls no map service and sends no address anywhere: the link is an href on the
route page that only the stop's driver sees, and it leaves the phone only when the driver
taps it, to whatever the phone opens it with (as the old geo: link did). Android opens
`geo:` with the maps app the driver chose (an offline one works too); an iPhone does not
open `geo:` at all, and opens `https://maps.apple.com/?q=` in Apple Maps. The page offers
the one that fits the phone that asked for it (its User-Agent) as the big "Map" button and
the other one beside it, small, for a phone that says it is something else (an iPad
asking for desktop pages says "Macintosh").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from household_requests.contacts import Contact

_APPLE = re.compile(r"iPhone|iPad|iPod|Macintosh")


@dataclass(frozen=True)
class MapLinks:
    href: str  # the big "Map" button: the kind this phone opens
    other_href: str  # the other kind, in case the phone is not what it says
    other_label: StrOrPromise


def map_query(contact: Contact, state: str) -> str:
    """The address on one line, then state and postal code: `4417 Main St, MN 55407`."""
    lines = [line.strip(" ,") for line in contact.address.splitlines()]
    place = " ".join(part for part in (state, contact.postal_code) if part)
    return ", ".join(part for part in [*lines, place] if part)


def map_links(contact: Contact | None, user_agent: str) -> MapLinks | None:
    if contact is None or not contact.address.strip():
        return None
    query = quote(map_query(contact, settings.NETWORK_STATE), safe="")
    geo = f"geo:0,0?q={query}"
    apple = f"https://maps.apple.com/?q={query}"
    if _APPLE.search(user_agent):
        return MapLinks(href=apple, other_href=geo, other_label=_("Map on Android"))
    return MapLinks(href=geo, other_href=apple, other_label=_("Map on iPhone"))
