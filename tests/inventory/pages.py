"""Helpers for the organizer pages' tests: a signed-in client, the errors a page shows,
and the intake page's POST data."""

from __future__ import annotations

import datetime as dt
import html
import re
from typing import Any

from django.contrib.auth.models import User
from django.test import Client

from inventory.models import Location
from mutualaid.timeutil import local_today

LOGIN = "/accounts/login/"
MISSING = 424242


def page_client(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def field_errors(response: Any, field_id: str) -> list[str]:
    """The error messages rendered for one field, tied to it the way screen readers see it."""
    text = response.content.decode()
    match = re.search(rf'<ul class="errorlist" id="{re.escape(field_id)}_error">(.*?)</ul>', text)
    if match is None:
        return []
    field = re.search(rf'<[^>]* id="{re.escape(field_id)}"[^>]*>', text)
    assert field is not None, f"no field {field_id}"
    assert 'aria-invalid="true"' in field.group(0), field.group(0)
    assert f"{field_id}_error" in field.group(0), "the field must point at its errors"
    return [html.unescape(li) for li in re.findall(r"<li>(.*?)</li>", match.group(1))]


def page_errors(response: Any) -> list[str]:
    """Errors shown for the form as a whole (not tied to one field)."""
    text = response.content.decode()
    lists = re.findall(r'<ul class="errorlist nonfield">(.*?)</ul>', text)
    lists += re.findall(r'<ul class="errorlist nonform">(.*?)</ul>', text)
    return [html.unescape(li) for found in lists for li in re.findall(r"<li>(.*?)</li>", found)]


def in_days(days: int) -> str:
    return (local_today() + dt.timedelta(days=days)).isoformat()


def intake_form(
    location: Location,
    lines: list[tuple[Any, str, str]],
    *,
    donor: str = "Parish food drive",
    rows: int | None = None,
) -> dict[str, Any]:
    """POST data of the intake page: the donation, the management form and the line rows
    (item id, quantity, expiry) as typed; rows past `lines` are left blank."""
    total = rows if rows is not None else max(len(lines), 3)
    data: dict[str, Any] = {
        "location": location.pk,
        "donor": donor,
        "note": "",
        "lines-TOTAL_FORMS": str(total),
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "50",
    }
    for index in range(total):
        item, quantity, expires_on = lines[index] if index < len(lines) else ("", "", "")
        data[f"lines-{index}-item"] = item
        data[f"lines-{index}-quantity"] = quantity
        data[f"lines-{index}-expires_on"] = expires_on
    return data
