"""Dates in the organization's time zone."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone


def organization_tz() -> ZoneInfo:
    return ZoneInfo(settings.ORGANIZATION_TIME_ZONE)


def local_today() -> dt.date:
    """Today's date where the network operates (not in UTC)."""
    return timezone.now().astimezone(organization_tz()).date()
