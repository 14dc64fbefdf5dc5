"""Email notices through Django's SMTP backend to a local SMTP server (aiosmtpd)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from email import message_from_bytes
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.contrib.auth.models import User
from django.test import override_settings

from deliveries import notices, offers
from deliveries.driver_settings import driver_settings_update
from deliveries.models import NoticeSent
from tests.deliveries.factories import make_driver, planned_route
from tests.deliveries.notice_servers import silent_server
from tests.household_requests.factories import SECRET_ADDRESS, SECRET_NAME, SECRET_PHONE


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], Message]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append((list(envelope.rcpt_tos), message_from_bytes(envelope.content)))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp_inbox() -> Iterator[Inbox]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        with override_settings(
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=controller.port,
            EMAIL_USE_TLS=False,
            EMAIL_TIMEOUT=5,
        ):
            yield inbox
    finally:
        controller.stop()


def test_it_emails_an_offer_in_the_drivers_language(driver: User, smtp_inbox: Inbox):
    driver.email = "dario@example.org"
    driver.save()
    route = planned_route()
    profile = make_driver(driver, route.zone)
    driver_settings_update(
        driver=profile, channel="email", number="", forget_number=False, language="es"
    )
    offers.routes_offer()

    assert notices.notices_send() == 1

    [(recipients, message)] = smtp_inbox.messages
    assert recipients == ["dario@example.org"]
    assert "Phillips" in message["Subject"]
    body = message.get_payload(decode=True).decode("utf-8")  # type: ignore[union-attr]
    assert "Reclámela en el tablero de conductores" in body
    for secret in (SECRET_NAME, SECRET_PHONE, SECRET_ADDRESS):
        assert secret not in body
    assert NoticeSent.objects.get().outcome == "sent"


def test_it_tries_again_when_the_mail_server_is_down(driver: User):
    driver.email = "dario@example.org"
    driver.save()
    route = planned_route()
    make_driver(driver, route.zone)

    with override_settings(
        NOTIFY_DRIVER_DEFAULT="email",
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=_free_port(),  # nothing listens there
    ):
        assert offers.routes_offer() == 1
        assert notices.notices_send() == 0

    notice = NoticeSent.objects.get()
    assert (notice.outcome, notice.channel, notice.reason) == ("pending", "email", "error")


def test_a_hung_mail_server_times_out(driver: User):
    """A server that accepts and never greets: the send gives up after EMAIL_TIMEOUT."""
    driver.email = "dario@example.org"
    driver.save()
    route = planned_route()
    make_driver(driver, route.zone)

    with (
        silent_server() as url,
        override_settings(
            NOTIFY_DRIVER_DEFAULT="email",
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=int(url.rsplit(":", 1)[1]),
            EMAIL_TIMEOUT=1,
        ),
    ):
        assert offers.routes_offer() == 1
        assert notices.notices_send() == 0

    notice = NoticeSent.objects.get()
    assert (notice.outcome, notice.reason) == ("pending", "timeout")


def test_the_mail_settings_are_read_from_the_environment():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "mutualaid.settings",
        "EMAIL_HOST": "smtp.example.org",
        "EMAIL_PORT": "2525",
        "EMAIL_HOST_USER": "notices",
        "EMAIL_HOST_PASSWORD": "not-a-real-password",
        "EMAIL_USE_TLS": "yes",
        "NOTIFY_TIMEOUT_SECONDS": "7",
    }
    script = (
        "from django.conf import settings as s; print(s.EMAIL_HOST, s.EMAIL_PORT, "
        "s.EMAIL_HOST_USER, s.EMAIL_HOST_PASSWORD, s.EMAIL_USE_TLS, s.EMAIL_USE_SSL, "
        "s.EMAIL_TIMEOUT)"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    )
    assert done.stdout.split() == [
        "smtp.example.org",
        "2525",
        "notices",
        "not-a-real-password",
        "True",
        "False",
        "7",
    ]
