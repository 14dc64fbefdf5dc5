"""Household request tests read the pages in every language, so the catalogs are compiled."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.signals import setting_changed


@pytest.fixture(scope="session", autouse=True)
def _compiled_translations() -> None:
    call_command("compile_translations", verbosity=0)
    # Forget catalogs (and "is this language available?" answers) loaded before the .mo files
    # existed, as Django does when LOCALE_PATHS changes.
    setting_changed.send(
        sender=None, setting="LOCALE_PATHS", value=settings.LOCALE_PATHS, enter=False
    )
