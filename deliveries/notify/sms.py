"""SMS through Twilio's REST API (the `twilio` package): `Messages.create(to, from_, body)`.
TWILIO_API_URL points it elsewhere (tests: a local server that speaks its API).

Twilio keeps each message (number and body) in its log until it is deleted, and refuses
the delete (error 20009) until the message is final (delivered, undelivered, failed or
sent). So `send` returns the message's SID, which `deliveries.notices` keeps and the send
sweep hands back to `delete_record` until Twilio takes the delete."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings

from deliveries.notify import Message, SendFailed

logger = logging.getLogger(__name__)
# Twilio's client logs requests at INFO; its own logger is kept to warnings.
_client_log = logging.getLogger("deliveries.notify.sms.client")
_client_log.setLevel(logging.WARNING)
NOT_FOUND = 404


def _messages() -> Any:
    from twilio.http.http_client import TwilioHttpClient
    from twilio.rest import Client

    client = Client(
        settings.TWILIO_ACCOUNT_SID,
        settings.TWILIO_AUTH_TOKEN,
        http_client=TwilioHttpClient(timeout=settings.NOTIFY_TIMEOUT_SECONDS, logger=_client_log),
    )
    client.api.base_url = settings.TWILIO_API_URL
    return client.api.v2010.accounts(settings.TWILIO_ACCOUNT_SID).messages


class TwilioBackend:
    def send(self, address: str, message: Message) -> str | None:
        from requests.exceptions import RequestException, Timeout
        from twilio.base.exceptions import TwilioException

        try:
            sent = _messages().create(
                to=address, from_=settings.TWILIO_FROM_NUMBER, body=message.body
            )
        except Timeout:
            raise SendFailed("timeout") from None
        except (TwilioException, RequestException, OSError):
            raise SendFailed("error") from None
        return str(sent.sid) if sent.sid else None

    def delete_record(self, ref: str) -> bool:
        from requests.exceptions import RequestException
        from twilio.base.exceptions import TwilioException, TwilioRestException

        try:
            _messages()(ref).delete()
        except TwilioRestException as refusal:
            if refusal.status == NOT_FOUND:
                return True  # gone already
            logger.info("sms: Twilio keeps a sent message's record for now (not final yet)")
            return False
        except (TwilioException, RequestException, OSError):
            logger.info("sms: Twilio could not be asked to delete a sent message's record")
            return False
        return True
