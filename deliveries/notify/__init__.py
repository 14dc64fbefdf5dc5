"""How notices leave the server: one interface, one small module per channel.

A backend sends one `Message` to one address (an email address, or a phone number in
international form) and raises `SendFailed` when the provider did not take it. Which
backend sends is configuration (NOTIFY_CHANNELS, NOTIFY_DRIVER_DEFAULT,
NOTIFY_FAMILY_CHANNEL); what is sent and to whom is `deliveries.notices`. A message
never carries a contact: drivers hear area, day, stops, load and the board's link;
families a neutral line.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from django.conf import settings


@dataclass(frozen=True, repr=False)
class Message:
    subject: str
    body: str

    def __repr__(self) -> str:  # never in a log line by accident
        return "Message(<text>)"


class SendFailed(Exception):
    """The provider did not take the message. `reason` is ours (error, timeout), never the
    provider's answer, which may echo the number."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Backend(Protocol):
    def send(self, address: str, message: Message) -> str | None:
        """Send; return the provider's id of the message where its record can be deleted
        later (`delete_record`), else None."""
        ...

    def delete_record(self, ref: str) -> bool:
        """Delete the provider's record of a sent message: True once it is gone, False
        while the provider refuses (the message is not final yet: try again later)."""
        ...


def backend_for(channel: str) -> Backend:
    """The backend of an enabled channel (a KeyError for one not enabled)."""
    if channel not in enabled_channels():
        raise KeyError(channel)
    if channel == "console":
        from deliveries.notify.console import ConsoleBackend

        return ConsoleBackend()
    if channel == "email":
        from deliveries.notify.email import EmailBackend

        return EmailBackend()
    if channel == "signal":
        from deliveries.notify.signal import SignalBackend

        return SignalBackend()
    if channel == "sms":
        from deliveries.notify.sms import TwilioBackend

        return TwilioBackend()
    raise KeyError(channel)


def enabled_channels() -> list[str]:
    return list(settings.NOTIFY_CHANNELS)
