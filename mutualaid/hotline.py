"""The network's hotline: its number and hours come from configuration (HOTLINE_PHONE,
HOTLINE_HOURS), and every page or message that mentions the hotline shows them."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def hotline_line() -> str:
    """'612-555-0100 (Mon-Fri 9-5)', just the number without hours, or '' when unset."""
    phone = settings.HOTLINE_PHONE.strip()
    if not phone:
        return ""
    hours = settings.HOTLINE_HOURS.strip()
    return f"{phone} ({hours})" if hours else phone


def hotline_context(request: HttpRequest) -> dict[str, str]:
    """Context processor: `hotline_phone`, `hotline_hours` and `hotline` (both in a line)."""
    return {
        "hotline_phone": settings.HOTLINE_PHONE.strip(),
        "hotline_hours": settings.HOTLINE_HOURS.strip(),
        "hotline": hotline_line(),
    }
