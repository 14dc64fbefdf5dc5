"""How drivers hear about routes. One small interface; console and email now, an SMS
gateway later implements the same `send` method. Messages never carry contact details:
only area, day, number of stops and load."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.core.mail import send_mail
from django.utils.module_loading import import_string

from deliveries.models import Driver

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RouteNotice:
    route_id: int
    zone: str
    service_date: str
    window: str
    stops: int
    load: int

    def subject(self) -> str:
        return f"Route open: {self.zone} on {self.service_date}"

    def body(self) -> str:
        return (
            f"A delivery route needs a driver: {self.zone}, {self.service_date} {self.window}, "
            f"{self.stops} stop(s), about {self.load} unit(s). Claim it on the driver board."
        )


class Notifier(Protocol):
    def send(self, driver: Driver, notice: RouteNotice) -> None: ...


class ConsoleNotifier:
    """Development default: the offer is written to the log."""

    def send(self, driver: Driver, notice: RouteNotice) -> None:
        logger.info("offer to %s: %s", driver.user.get_username(), notice.body())


class EmailNotifier:
    """Email through Django's mail settings, to drivers who gave an address."""

    def send(self, driver: Driver, notice: RouteNotice) -> None:
        if driver.user.email:
            send_mail(notice.subject(), notice.body(), None, [driver.user.email])


def notifier() -> Notifier:
    backend: Notifier = import_string(settings.NOTIFICATION_BACKEND)()
    return backend
