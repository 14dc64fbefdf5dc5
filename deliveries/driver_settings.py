"""A driver's own settings: how notices reach them (a channel and, for Signal or SMS, a
number sealed at once) and their language. Never shows the number back."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from deliveries.driver_numbers import normalize_number, seal_number
from deliveries.models import Driver, NoticeChannel
from deliveries.notify import enabled_channels
from mutualaid.errors import ServiceError

CHANNEL_OFF = _("This way of sending is not switched on here. Choose another.")
NUMBER_NEEDED = _("Give the number Signal or text messages should go to.")
BAD_NUMBER = _("Please enter a phone number with its country code, for example +1 612 555 0123.")
NO_EMAIL = _("Your account has no email address. Ask an organizer, or choose another way.")
UNKNOWN_LANGUAGE = _("Please choose one of the options.")


@transaction.atomic
def driver_settings_update(
    *, driver: Driver, channel: str, number: str, forget_number: bool, language: str
) -> Driver:
    """Save the driver's channel, language and (sealed) number. A blank number keeps the
    one on file; `forget_number` destroys it. Locks the driver's row."""
    driver = Driver.objects.select_for_update().select_related("user").get(pk=driver.pk)
    if channel and channel not in enabled_channels():
        raise ServiceError(CHANNEL_OFF, field="channel")
    if language not in {code for code, _name in settings.LANGUAGES}:
        raise ServiceError(UNKNOWN_LANGUAGE, field="language")
    sealed = None if forget_number else driver.notice_number
    if number.strip():
        normalized = normalize_number(number)
        if not normalized:
            raise ServiceError(BAD_NUMBER, field="number")
        sealed = seal_number(normalized)
    if channel in (NoticeChannel.SIGNAL, NoticeChannel.SMS) and sealed is None:
        raise ServiceError(NUMBER_NEEDED, field="number")
    if channel == NoticeChannel.EMAIL and not driver.user.email:
        raise ServiceError(NO_EMAIL, field="channel")
    driver.notice_channel, driver.notice_number, driver.language = channel, sealed, language
    driver.save(update_fields=["notice_channel", "notice_number", "language"])
    return driver
