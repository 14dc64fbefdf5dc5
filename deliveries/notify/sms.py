"""SMS through Twilio's REST API (the `twilio` package): `Messages.create(to, from_, body)`.
TWILIO_API_URL points it elsewhere (tests: a local server that speaks its API). After a
message is sent its body is redacted at Twilio, where the API allows it."""

from __future__ import annotations

import logging

from django.conf import settings

from deliveries.notify import Message, SendFailed

logger = logging.getLogger(__name__)
# Twilio's client logs requests at INFO; its own logger is kept to warnings.
_client_log = logging.getLogger("deliveries.notify.sms.client")
_client_log.setLevel(logging.WARNING)


class TwilioBackend:
    def send(self, address: str, message: Message) -> None:
        from requests.exceptions import RequestException, Timeout
        from twilio.base.exceptions import TwilioException
        from twilio.http.http_client import TwilioHttpClient
        from twilio.rest import Client

        client = Client(
            settings.TWILIO_ACCOUNT_SID,
            settings.TWILIO_AUTH_TOKEN,
            http_client=TwilioHttpClient(
                timeout=settings.NOTIFY_TIMEOUT_SECONDS, logger=_client_log
            ),
        )
        client.api.base_url = settings.TWILIO_API_URL
        messages = client.api.v2010.accounts(settings.TWILIO_ACCOUNT_SID).messages
        try:
            sent = messages.create(to=address, from_=settings.TWILIO_FROM_NUMBER, body=message.body)
        except Timeout:
            raise SendFailed("timeout") from None
        except (TwilioException, RequestException, OSError):
            raise SendFailed("error") from None
        try:
            # Twilio keeps a message's body for its log; blank it once handed over.
            messages(sent.sid).update(body="")
        except (TwilioException, RequestException, OSError):
            logger.info("sms: the sent message's body could not be redacted yet")
