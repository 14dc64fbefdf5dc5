"""The send sweep under faults: a hung provider spends the sweep's time budget and no more;
the job's soft time limit goes up, never recorded as a provider's failure; a notice that
cannot be prepared counts its attempts; a family's rows go when its contact goes; the
wipe clears drivers' numbers."""

from __future__ import annotations

import datetime as dt
import io
import signal
from collections.abc import Iterator
from types import FrameType

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.contrib.auth.models import User
from django.core.management import call_command, load_command_class
from django.test import override_settings
from django.utils import timezone

from deliveries import notices, services
from deliveries.driver_settings import driver_settings_update
from deliveries.models import Driver, NoticeKind, NoticeSent, Route, StopOutcome
from household_requests import retention
from tests.deliveries.factories import make_driver, planned_route
from tests.deliveries.notice_servers import ProviderServer, silent_server
from tests.deliveries.test_notices_families import started, two_families

DRIVER_NUMBER = "+1 612 555 0177"


@pytest.fixture
def hung_signal() -> Iterator[None]:
    with (
        silent_server() as url,
        override_settings(
            NOTIFY_CHANNELS=["console", "signal"],
            SIGNAL_CLI_URL=url,
            SIGNAL_NUMBER="+15550001111",
            NOTIFY_TIMEOUT_SECONDS=1,
        ),
    ):
        yield


def signal_driver(user: User) -> tuple[Driver, Route]:
    route = planned_route()
    profile = driver_settings_update(
        driver=make_driver(user, route.zone),
        channel="signal",
        number=DRIVER_NUMBER,
        forget_number=False,
        language="en",
    )
    return profile, route


def queue_claim_ended(profile: Driver, route: Route, count: int) -> None:
    notices.notices_to_drivers(
        notices.DriverNotice(NoticeKind.CLAIM_ENDED, profile, route.pk, f"test {n}")
        for n in range(count)
    )


def test_a_hung_provider_spends_the_sweeps_budget_and_no_more(driver: User, hung_signal: None):
    profile, route = signal_driver(driver)
    queue_claim_ended(profile, route, 5)

    with override_settings(NOTIFY_BATCH_SECONDS=2):
        assert notices.notices_send() == 0

    attempts = sorted(NoticeSent.objects.values_list("attempts", "reason"))
    # Each try timed out after a second; the sweep stopped starting sends after two, and
    # left the rest untouched for the next sweep.
    assert (0, "") in attempts
    assert {reason for tries, reason in attempts if tries} == {"timeout"}


def test_the_soft_time_limit_is_raised_not_recorded(driver: User, hung_signal: None):
    """The worker's soft time limit raises in the task, as this signal handler does (the
    way celery's pool delivers it); the sweep lets it through."""
    profile, route = signal_driver(driver)
    queue_claim_ended(profile, route, 1)

    def time_is_up(signum: int, frame: FrameType | None) -> None:
        raise SoftTimeLimitExceeded()

    previous = signal.signal(signal.SIGALRM, time_is_up)
    signal.setitimer(signal.ITIMER_REAL, 0.3)
    try:
        with override_settings(NOTIFY_TIMEOUT_SECONDS=5), pytest.raises(SoftTimeLimitExceeded):
            notices.notices_send()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)

    notice = NoticeSent.objects.get()
    assert (notice.outcome, notice.attempts, notice.reason) == ("pending", 1, "")


def test_a_notice_that_cannot_be_prepared_counts_its_attempts(
    driver: User, signal_server: ProviderServer
):
    """A row of a kind this version does not know (left by a newer one, rolled back)."""
    profile, route = signal_driver(driver)
    NoticeSent.objects.create(
        key="from a newer version", kind="rerouted", channel="signal", driver=profile, route=route
    )

    with override_settings(NOTIFY_MAX_ATTEMPTS=2):
        notices.notices_send()
        notice = NoticeSent.objects.get()
        assert (notice.outcome, notice.attempts, notice.reason) == (
            "pending",
            1,
            "not prepared",
        )
        notices.notices_send(now=timezone.now() + dt.timedelta(hours=1))

    notice.refresh_from_db()
    assert (notice.outcome, notice.attempts, notice.reason) == ("failed", 2, "not prepared")
    assert signal_server.sends() == []


def test_a_familys_rows_go_when_its_contact_is_purged(driver: User, signal_server: ProviderServer):
    route, asked, silent = two_families()
    started(route, driver)
    notices.notices_send()
    # Positive control: the rows name both families before the purge.
    assert set(NoticeSent.objects.values_list("request_id", flat=True)) == {asked.pk, silent.pk}
    assert route.driver is not None
    stop = route.stops.get(request=asked)
    services.stop_complete(stop_id=stop.pk, driver=route.driver, outcome=StopOutcome.DELIVERED)

    assert retention.contacts_purge(now=timezone.now() + dt.timedelta(days=30)) == 1
    notices.notices_send()

    assert set(NoticeSent.objects.values_list("request_id", flat=True)) == {silent.pk}


def test_the_wipe_takes_every_familys_rows_and_every_drivers_number(
    driver: User, signal_server: ProviderServer
):
    route, _asked, _silent = two_families()
    started(route, driver)
    notices.notices_send()
    assert route.driver is not None
    driver_settings_update(
        driver=route.driver,
        channel="signal",
        number=DRIVER_NUMBER,
        forget_number=False,
        language="en",
    )
    assert NoticeSent.objects.filter(request__isnull=False).count() == 2
    assert Driver.objects.filter(notice_number__isnull=False).count() == 1

    out = io.StringIO()
    call_command("emergency_wipe", "--yes-destroy-all-contacts", stdout=out)
    notices.notices_send()

    assert not NoticeSent.objects.filter(request__isnull=False).exists()
    assert not Driver.objects.filter(notice_number__isnull=False).exists()
    assert "cleared 1 volunteer driver number(s)" in out.getvalue()


def test_the_wipe_says_it_destroys_drivers_numbers():
    command = load_command_class("household_requests", "emergency_wipe")
    assert "driver's notice number" in command.help
