from typing import Any

from django.core.management.base import BaseCommand

from household_requests.retention import contacts_reseal
from mutualaid import sealing


class Command(BaseCommand):
    help = (
        "Re-seal every contact with the first key in SEALING_KEYS (and the current period's "
        "key in KEY_DIR). Steps: put a new key (manage.py new_sealing_key) first in "
        "SEALING_KEYS, restart, run this, then remove the old key from SEALING_KEYS."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        sealing.reset_key_cache()
        count = contacts_reseal()
        self.stdout.write(f"re-sealed {count} contact(s) with the newest key")
        if len(sealing.configured_keys()) > 1:
            self.stdout.write("you can now remove the older key(s) from SEALING_KEYS")
