from typing import Any

from django.core.management.base import BaseCommand, CommandError

from household_requests.retention import contacts_reseal
from mutualaid import sealing


class Command(BaseCommand):
    help = (
        "Re-seal every contact with the first key in SEALING_KEYS (and the current period's "
        "key in KEY_DIR), and recompute its blind indexes with BLIND_INDEX_KEY. Steps: put "
        "a new key (manage.py new_sealing_key) first in SEALING_KEYS (and, to re-index, set "
        "a new BLIND_INDEX_KEY), restart, run this, then remove the old key from "
        "SEALING_KEYS and restart."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        sealing.reset_key_cache()
        result = contacts_reseal()
        self.stdout.write(
            f"re-sealed {result.resealed} contact(s) with the newest key and recomputed "
            "their blind indexes"
        )
        if result.unopened:
            raise CommandError(
                f"{result.unopened} contact(s) do not open with SEALING_KEYS and KEY_DIR and "
                "were left as they are; they are unreadable already"
            )
        if len(sealing.configured_keys()) > 1:
            self.stdout.write("you can now remove the older key(s) from SEALING_KEYS")
