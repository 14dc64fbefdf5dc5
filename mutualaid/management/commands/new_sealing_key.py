from typing import Any

from django.core.management.base import BaseCommand

from mutualaid.sealing import new_key


class Command(BaseCommand):
    help = (
        "Print a new sealing key. Put it first in SEALING_KEYS, then run rotate_sealing_key. "
        "It opens nothing without the period keys in KEY_DIR."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(new_key())
