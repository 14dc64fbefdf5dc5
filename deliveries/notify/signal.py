"""Signal through a self-hosted signal-cli REST API (bbernhard/signal-cli-rest-api):
`POST {SIGNAL_CLI_URL}/v2/send` with `{"message", "number": SIGNAL_NUMBER, "recipients"}`;
it answers 201 with a timestamp. The operator runs it next to the site; it keeps the
recipients' numbers in its data directory (THREAT_MODEL.md, "Notices")."""

from __future__ import annotations

import requests
from django.conf import settings

from deliveries.notify import Message, SendFailed


class SignalBackend:
    def send(self, address: str, message: Message) -> str | None:
        payload = {
            "message": message.body,
            "number": settings.SIGNAL_NUMBER,
            "recipients": [address],
        }
        try:
            answer = requests.post(
                settings.SIGNAL_CLI_URL.rstrip("/") + "/v2/send",
                json=payload,
                timeout=settings.NOTIFY_TIMEOUT_SECONDS,
            )
        except requests.Timeout:
            raise SendFailed("timeout") from None
        except requests.RequestException:
            raise SendFailed("error") from None
        if answer.status_code not in (200, 201):
            raise SendFailed("error")
        return None

    def delete_record(self, ref: str) -> bool:
        return True  # nothing kept by a provider that we could delete
