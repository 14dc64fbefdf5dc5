"""The driver's settings page (channel, sealed number, language) and the organizer's
notice counts: who may open them, what they keep, and what they never show."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import override_settings

from deliveries import driver_numbers
from deliveries.models import Driver, NoticeChannel, NoticeOutcome, NoticeSent
from household_requests import retention
from mutualaid.sealing import SealingError
from tests.conftest import page_client
from tests.deliveries.factories import make_driver
from tests.mutualaid.stored import every_stored_value
from tests.querycount import assert_queries, count_queries

SETTINGS_URL = "/drive/settings/"
NOTICES_URL = "/deliveries/notices/"
NUMBER = "+1 612 555 0177"
DIGITS = "6125550177"


@pytest.fixture
def profile(driver: User) -> Driver:
    return make_driver(driver)


@override_settings(NOTIFY_CHANNELS=["console", "email", "signal", "sms"])
def test_it_seals_the_number_and_never_shows_it_back(driver: User, profile: Driver):
    client = page_client(driver)

    saved = client.post(
        SETTINGS_URL, {"channel": "signal", "number": NUMBER, "language": "so"}, follow=True
    )

    assert saved.status_code == 200
    page = saved.content.decode()
    assert "A number is on file" in page or "Lambar ayaa kaydsan" in page
    assert DIGITS not in page and "555" not in page
    profile.refresh_from_db()
    assert (profile.notice_channel, profile.language) == ("signal", "so")
    assert profile.notice_number is not None
    stored = every_stored_value()
    assert DIGITS not in stored
    # Positive control: the sealed value opens to the number, which the search would find.
    opened = driver_numbers.open_number(profile.notice_number)
    assert opened == "+16125550177" and DIGITS in opened


@override_settings(NOTIFY_CHANNELS=["console", "signal"])
def test_it_refuses_a_phone_channel_without_a_number(driver: User, profile: Driver):
    answer = page_client(driver).post(SETTINGS_URL, {"channel": "signal", "language": "en"})

    assert answer.status_code == 200
    assert "Give the number Signal or text messages should go to." in answer.content.decode()
    profile.refresh_from_db()
    assert profile.notice_channel == ""


@override_settings(NOTIFY_CHANNELS=["console", "signal"])
def test_it_refuses_a_channel_not_switched_on(driver: User, profile: Driver):
    answer = page_client(driver).post(
        SETTINGS_URL, {"channel": "sms", "number": NUMBER, "language": "en"}
    )

    assert answer.status_code == 200
    profile.refresh_from_db()
    assert profile.notice_number is None


@override_settings(NOTIFY_CHANNELS=["console", "signal"])
def test_it_forgets_the_number(driver: User, profile: Driver):
    client = page_client(driver)
    client.post(SETTINGS_URL, {"channel": "signal", "number": NUMBER, "language": "en"})

    client.post(SETTINGS_URL, {"channel": "", "forget_number": "on", "language": "en"})

    profile.refresh_from_db()
    assert profile.notice_number is None and profile.notice_channel == ""


@pytest.mark.parametrize("who, status", [("driver", 200), ("organizer", 403), ("anonymous", 302)])
def test_the_settings_page_is_for_drivers(
    request: pytest.FixtureRequest, profile: Driver, who: str, status: int
):
    user = None if who == "anonymous" else request.getfixturevalue(who)
    assert page_client(user).get(SETTINGS_URL).status_code == status


@pytest.mark.parametrize("who, status", [("organizer", 200), ("driver", 403), ("anonymous", 302)])
def test_the_notice_counts_are_for_organizers(
    request: pytest.FixtureRequest, who: str, status: int
):
    user = None if who == "anonymous" else request.getfixturevalue(who)
    assert page_client(user).get(NOTICES_URL).status_code == status


def test_it_counts_sent_and_failed_per_channel(organizer: User, profile: Driver):
    for n, outcome in enumerate(["sent", "sent", "failed"]):
        NoticeSent.objects.create(
            key=f"t{n}",
            kind="route_offered",
            channel=NoticeChannel.SIGNAL,
            driver=profile,
            outcome=NoticeOutcome(outcome),
        )

    page = page_client(organizer).get(NOTICES_URL).content.decode()

    row = page.split("<td>Signal</td>")[1].split("</tr>")[0]
    assert '<td class="num">2</td><td class="num">1</td>' in row
    assert "dario" not in page


@override_settings(NOTIFY_CHANNELS=["console", "signal"])
def test_the_emergency_wipe_destroys_volunteers_numbers(driver: User, profile: Driver):
    page_client(driver).post(
        SETTINGS_URL, {"channel": "signal", "number": NUMBER, "language": "en"}
    )
    profile.refresh_from_db()
    assert profile.notice_number is not None
    assert driver_numbers.open_number(profile.notice_number) == "+16125550177"

    retention.contacts_wipe_all()

    with pytest.raises(SealingError):
        driver_numbers.open_number(profile.notice_number)


def test_the_notice_counts_cost_the_same_however_many_notices(organizer: User, profile: Driver):
    client = page_client(organizer)
    few = count_queries(lambda: client.get(NOTICES_URL))
    NoticeSent.objects.bulk_create(
        NoticeSent(key=f"many {n} {channel}", kind="route_offered", channel=channel, driver=profile)
        for n in range(30)
        for channel in ("signal", "sms")
    )

    assert_queries(few, lambda: client.get(NOTICES_URL))
