"""Email through Django's mail settings (EMAIL_BACKEND, EMAIL_HOST...)."""

from __future__ import annotations

import smtplib

from django.core.mail import send_mail

from deliveries.notify import Message, SendFailed


class EmailBackend:
    def send(self, address: str, message: Message) -> None:
        try:
            send_mail(message.subject, message.body, None, [address])
        except TimeoutError:
            raise SendFailed("timeout") from None
        except (smtplib.SMTPException, OSError):
            raise SendFailed("error") from None
