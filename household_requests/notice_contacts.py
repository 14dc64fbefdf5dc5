"""The one place a family's phone is opened for an automatic text (issue 13).

Called only by `deliveries.notices`, in the worker, just before a send; the number goes
to the provider and nowhere else (never a log line, never a row). The family must have
asked for automatic texts (`Contact.auto_texts`, sealed with the contact, off unless
chosen); the text goes only to the phone they gave.
"""

from __future__ import annotations

import re

from household_requests.contacts import unseal_contact
from household_requests.models import SealedContact
from mutualaid.sealing import SealingError


def phone_for_notice(request_id: int) -> str | None:
    """The family's phone in international form, if they asked for automatic texts and
    their contact still exists and opens; else None."""
    sealed = SealedContact.objects.filter(request_id=request_id).first()
    if sealed is None:
        return None
    try:
        contact = unseal_contact(sealed)
    except (SealingError, ValueError, TypeError):
        return None
    if not contact.auto_texts:
        return None
    return _international(contact.phone)


def _international(phone: str) -> str | None:
    digits = re.sub(r"\D", "", phone)
    if not phone.strip().startswith("+") and len(digits) == 10:
        digits = "1" + digits  # a North American number typed without its country code
    return f"+{digits}" if 8 <= len(digits) <= 15 else None
