"""What the delivery tests check on every answer: no contact leaks, who was sent where."""

from __future__ import annotations

import html
from typing import Any

from deliveries.models import Route, Stop
from tests.household_requests.factories import (
    SECRET_ADDRESS,
    SECRET_NAME,
    SECRET_NOTES,
    SECRET_PHONE,
)

LOGIN = "/accounts/login/"
MISSING = 424242
SECRETS = (SECRET_NAME, SECRET_PHONE, SECRET_ADDRESS, SECRET_NOTES)


def text_of(response: Any) -> str:
    return html.unescape(response.content.decode())


def shown(text: str, *details: str) -> list[bool]:
    """Which of `details` `text` holds. Assert on a local holding this, never on the text,
    so that a failing test prints no contact."""
    return [detail in text for detail in details]


def shows_secrets(text: str) -> bool:
    """Every detail of the SECRET_* family is in `text`."""
    seen = shown(text, *SECRETS)
    return seen == [True] * len(SECRETS)


def assert_no_secret(text: str) -> None:
    # "Leakcheck" also catches the url-encoded address of a map link.
    seen = shown(text, *SECRETS, "Leakcheck")
    assert seen == [False] * len(seen)


def assert_login_redirect(response: Any) -> None:
    assert response.status_code == 302
    assert response["Location"].startswith(f"{LOGIN}?next=")


def messages_of(response: Any) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def route_snapshot() -> list[tuple[Any, ...]]:
    """Every route's state and driver and every stop's outcome: to prove nothing changed."""
    return list(Route.objects.values_list("pk", "status", "driver_id").order_by("pk")) + list(
        Stop.objects.values_list("pk", "outcome").order_by("pk")
    )
