"""Each notice backend against a local server that speaks its provider's API: what it
sends, field by field; an error answer and a timeout leave the notice to be tried again
later, and the action behind it stands."""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Iterator

import pytest
from django.contrib.auth.models import User
from django.test import override_settings
from django.utils import timezone

from deliveries import notices, offers, services
from deliveries.driver_settings import driver_settings_update
from deliveries.models import Driver, NoticeOutcome, NoticeSent, RouteOffer
from tests.deliveries.factories import make_driver, on_its_day, planned_route
from tests.deliveries.notice_servers import (
    TWILIO_SID,
    TWILIO_TOKEN,
    ProviderServer,
    provider_server,
)
from tests.household_requests.factories import SECRET_ADDRESS, SECRET_NAME, SECRET_PHONE

DRIVER_NUMBER = "+1 612 555 0177"
DRIVER_NUMBER_SENT = "+16125550177"
SENDING_NUMBER = "+15550001111"
ALL_CHANNELS = ["console", "email", "signal", "sms"]


@pytest.fixture
def signal_server() -> Iterator[ProviderServer]:
    with (
        provider_server("signal") as server,
        override_settings(
            NOTIFY_CHANNELS=ALL_CHANNELS,
            SIGNAL_CLI_URL=server.url,
            SIGNAL_NUMBER=SENDING_NUMBER,
            NOTIFY_TIMEOUT_SECONDS=1,
        ),
    ):
        yield server


@pytest.fixture
def twilio_server() -> Iterator[ProviderServer]:
    with (
        provider_server("twilio") as server,
        override_settings(
            NOTIFY_CHANNELS=ALL_CHANNELS,
            TWILIO_API_URL=server.url,
            TWILIO_ACCOUNT_SID=TWILIO_SID,
            TWILIO_AUTH_TOKEN=TWILIO_TOKEN,
            TWILIO_FROM_NUMBER=SENDING_NUMBER,
            NOTIFY_TIMEOUT_SECONDS=1,
        ),
    ):
        yield server


def offered_driver(user: User, channel: str) -> Driver:
    """A route is planned and `user` (a driver by `channel`) is offered it."""
    route = planned_route()
    driver = make_driver(user, route.zone)
    driver_settings_update(
        driver=driver, channel=channel, number=DRIVER_NUMBER, forget_number=False, language="en"
    )
    assert offers.routes_offer() == 1
    return driver


def assert_no_contact(text: str) -> None:
    for secret in (SECRET_NAME, SECRET_PHONE, SECRET_ADDRESS, "555-0199", "5550199"):
        assert secret not in text


def test_it_sends_an_offer_through_signal_cli(driver: User, signal_server: ProviderServer):
    offered_driver(driver, "signal")

    assert notices.notices_send() == 1

    [send] = signal_server.sends()
    assert send.headers["Content-Type"] == "application/json"
    payload = send.json()
    assert set(payload) == {"message", "number", "recipients"}
    assert payload["number"] == SENDING_NUMBER
    assert payload["recipients"] == [DRIVER_NUMBER_SENT]
    assert "Phillips" in payload["message"] and "1 stop(s)" in payload["message"]
    assert "/drive/" in payload["message"]
    assert_no_contact(payload["message"])
    notice = NoticeSent.objects.get()
    assert (notice.outcome, notice.channel, notice.kind) == ("sent", "signal", "route_offered")


@pytest.mark.parametrize("answer, reason", [("error", "error"), ("slow", "timeout")])
def test_it_tries_a_failed_signal_send_again_later(
    driver: User, signal_server: ProviderServer, answer: str, reason: str
):
    signal_server.answer = answer
    offered_driver(driver, "signal")

    assert notices.notices_send() == 0

    # The offer stands; the notice waits for its next try.
    assert RouteOffer.objects.count() == 1
    notice = NoticeSent.objects.get()
    assert (notice.outcome, notice.attempts, notice.reason) == ("pending", 1, reason)
    assert notices.notices_send() == 0  # not yet due
    assert len(signal_server.sends()) == 1

    signal_server.answer = "ok"
    later = timezone.now() + dt.timedelta(hours=1)
    assert notices.notices_send(now=later) == 1
    notice.refresh_from_db()
    assert (notice.outcome, notice.attempts, notice.reason) == ("sent", 2, "")


def test_it_gives_up_after_the_last_attempt(driver: User, signal_server: ProviderServer):
    signal_server.answer = "error"
    offered_driver(driver, "signal")

    with override_settings(NOTIFY_MAX_ATTEMPTS=2):
        notices.notices_send()
        notices.notices_send(now=timezone.now() + dt.timedelta(hours=1))
        notices.notices_send(now=timezone.now() + dt.timedelta(hours=3))

    notice = NoticeSent.objects.get()
    assert (notice.outcome, notice.attempts) == ("failed", 2)
    assert len(signal_server.sends()) == 2


def test_it_sends_an_sms_through_twilio_and_deletes_its_record_once_final(
    driver: User, twilio_server: ProviderServer
):
    offered_driver(driver, "sms")

    assert notices.notices_send() == 1

    [create] = twilio_server.received
    assert create.path == f"/2010-04-01/Accounts/{TWILIO_SID}/Messages.json"
    credentials = base64.b64encode(f"{TWILIO_SID}:{TWILIO_TOKEN}".encode()).decode()
    assert create.headers["Authorization"] == f"Basic {credentials}"
    form = create.form()
    assert set(form) == {"To", "From", "Body"}
    assert form["To"] == [DRIVER_NUMBER_SENT] and form["From"] == [SENDING_NUMBER]
    assert "Phillips" in form["Body"][0]
    assert_no_contact(form["Body"][0])
    notice = NoticeSent.objects.get()
    [sid] = twilio_server.messages
    assert (notice.outcome, notice.provider_ref) == (NoticeOutcome.SENT, sid)

    # Still queued at Twilio: the delete is refused, and asked again later.
    notices.notices_send(now=timezone.now() + dt.timedelta(minutes=2))
    delete = twilio_server.received[-1]
    assert (delete.method, delete.path) == (
        "DELETE",
        f"/2010-04-01/Accounts/{TWILIO_SID}/Messages/{sid}.json",
    )
    notice.refresh_from_db()
    assert notice.provider_ref == sid and sid in twilio_server.messages

    # Delivered: the next sweep deletes Twilio's record and forgets the id.
    twilio_server.messages[sid] = "delivered"
    notices.notices_send(now=timezone.now() + dt.timedelta(minutes=30))
    notice.refresh_from_db()
    assert notice.provider_ref == ""
    assert twilio_server.messages == {}
    assert [r.method for r in twilio_server.received] == ["POST", "DELETE", "DELETE"]


@pytest.mark.parametrize("answer, reason", [("error", "error"), ("slow", "timeout")])
def test_it_tries_a_failed_sms_again_later(
    driver: User, twilio_server: ProviderServer, answer: str, reason: str
):
    twilio_server.answer = answer
    offered_driver(driver, "sms")

    assert notices.notices_send() == 0

    notice = NoticeSent.objects.get()
    assert (notice.outcome, notice.reason) == ("pending", reason)
    twilio_server.answer = "ok"
    assert notices.notices_send(now=timezone.now() + dt.timedelta(hours=1)) == 1


def test_it_sends_no_number_it_cannot_open(driver: User, signal_server: ProviderServer):
    """A driver who chose Signal and then forgot the number: recorded as not sent."""
    route = planned_route()
    driver_profile = make_driver(driver, route.zone)
    Driver.objects.filter(pk=driver_profile.pk).update(notice_channel="signal")
    offers.routes_offer()

    notices.notices_send()

    assert signal_server.sends() == []
    notice = NoticeSent.objects.get()
    assert (notice.outcome, notice.reason) == ("skipped", "no number")


def test_it_reminds_the_driver_on_the_routes_day_once(driver: User, signal_server: ProviderServer):
    route = planned_route()
    profile = make_driver(driver, route.zone)
    driver_settings_update(
        driver=profile, channel="signal", number=DRIVER_NUMBER, forget_number=False, language="en"
    )
    services.route_claim(route_id=route.pk, driver=profile)
    notices.notices_send()
    assert signal_server.sends() == []  # not its day yet

    on_its_day(route)
    notices.notices_send()
    notices.notices_send()

    [reminder] = signal_server.sends()
    message = reminder.json()["message"]
    assert message.startswith("Today is the day of your route Phillips")
    assert_no_contact(message)


def test_it_sends_no_offer_for_a_route_taken_meanwhile(
    driver: User, other_driver: User, signal_server: ProviderServer
):
    profile = offered_driver(driver, "signal")
    route = RouteOffer.objects.get(driver=profile).route
    services.route_claim(route_id=route.pk, driver=make_driver(other_driver, route.zone))

    notices.notices_send()

    assert signal_server.sends() == []
    notice = NoticeSent.objects.get(kind="route_offered")
    assert (notice.outcome, notice.reason) == ("skipped", "route moved on")


def test_it_tells_a_driver_whose_claim_is_taken_back(driver: User, signal_server: ProviderServer):
    route = planned_route()
    profile = make_driver(driver, route.zone)
    driver_settings_update(
        driver=profile, channel="signal", number=DRIVER_NUMBER, forget_number=False, language="en"
    )
    services.route_claim(route_id=route.pk, driver=profile)

    assert services.routes_take_back(driver=profile, every_route=True) == 1
    notices.notices_send()

    [notice] = signal_server.sends()
    message = notice.json()["message"]
    assert message.startswith("The route Phillips") and "no longer yours" in message
    assert notice.json()["recipients"] == [DRIVER_NUMBER_SENT]
    assert_no_contact(message)


def test_it_sends_the_hold_at_once_past_the_daily_limit(
    driver: User, signal_server: ProviderServer
):
    route = planned_route()
    profile = make_driver(driver, route.zone)
    driver_settings_update(
        driver=profile, channel="signal", number=DRIVER_NUMBER, forget_number=False, language="es"
    )
    services.route_claim(route_id=route.pk, driver=profile)
    route.refresh_from_db()

    with override_settings(NOTIFY_PER_RECIPIENT_PER_DAY=1, NOTIFY_PER_DAY=1):
        assert notices.hold_notice_send(route=route)
        assert notices.hold_notice_send(route=route)

    messages = [send.json()["message"] for send in signal_server.sends()]
    assert (
        messages
        == ["Las entregas en esta zona están en pausa por seguridad. No vaya allí ahora."] * 2
    )
    assert all(send.json()["recipients"] == [DRIVER_NUMBER_SENT] for send in signal_server.sends())
