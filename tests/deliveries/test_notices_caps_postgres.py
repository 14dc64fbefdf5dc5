"""The daily caps hold with two workers at once (PostgreSQL): a notice is counted under an
advisory lock, so a worker that counts while another is counting the last slot waits for
it, sees the slot taken and holds its notice for the next day instead of overshooting."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection, connections, transaction
from django.test import override_settings
from django.utils import timezone

from deliveries import notices
from deliveries.models import NoticeKind, NoticeSent
from mutualaid.locks import Turn, take_turn
from tests.deliveries.factories import make_driver, planned_route
from tests.integration.helpers import wait_for

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def waiting_for_an_advisory_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
        return bool(cursor.fetchone()[0])


@override_settings(NOTIFY_CHANNELS=["console"], NOTIFY_DRIVER_DEFAULT="console", NOTIFY_PER_DAY=1)
def test_a_second_worker_waits_for_the_count_and_does_not_overshoot(driver: User):
    assert connection.vendor == "postgresql"
    route = planned_route()
    profile = make_driver(driver, route.zone)
    notices.notices_to_drivers(
        notices.DriverNotice(NoticeKind.CLAIM_ENDED, profile, route.pk, f"test {n}")
        for n in range(2)
    )
    first, second = NoticeSent.objects.order_by("pk").values_list("pk", flat=True)
    holding, release = threading.Event(), threading.Event()
    results: dict[str, Any] = {}

    def counting_the_last_slot() -> None:
        """Another worker, in the middle of counting `first` (the network's last slot)."""
        try:
            with transaction.atomic():
                take_turn(Turn.NOTICE_CAPS)
                NoticeSent.objects.filter(pk=first).update(counted_at=timezone.now())
                holding.set()
                release.wait(timeout=60)
        finally:
            connections.close_all()

    def sending_the_second() -> None:
        try:
            results["sent"] = notices.notice_send(notice_id=second, now=timezone.now())
        except Exception as exc:  # reported by the assertions below
            results["sent"] = exc
        finally:
            connections.close_all()

    other = threading.Thread(target=counting_the_last_slot)
    other.start()
    assert holding.wait(timeout=30)
    sender = threading.Thread(target=sending_the_second)
    sender.start()
    try:
        # The second worker waits on the lock while the first one counts.
        wait_for(waiting_for_an_advisory_lock, timeout=30, message="nobody waited")
        assert "sent" not in results
    finally:
        release.set()
        other.join(timeout=60)
        sender.join(timeout=60)

    assert results["sent"] is False
    held = NoticeSent.objects.get(pk=second)
    assert (held.outcome, held.reason, held.counted_at) == ("pending", "limit", None)
    assert NoticeSent.objects.filter(counted_at__isnull=False).count() == 1
