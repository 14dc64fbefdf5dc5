"""Email through Django's mail settings (EMAIL_BACKEND, EMAIL_HOST...)."""

from __future__ import annotations

import smtplib

from django.core.mail import send_mail

from deliveries.notify import Message, SendFailed


class EmailBackend:
    def send(self, address: str, message: Message) -> str | None:
        try:
            send_mail(message.subject, message.body, None, [address])
        except TimeoutError:
            raise SendFailed("timeout") from None
        except (smtplib.SMTPException, OSError) as failure:
            # smtplib turns a read that timed out (EMAIL_TIMEOUT) into a disconnection.
            timed_out = isinstance(failure.__context__, TimeoutError)
            raise SendFailed("timeout" if timed_out else "error") from None
        return None

    def delete_record(self, ref: str) -> bool:
        return True  # nothing kept by a provider that we could delete
