from typing import Any

from django.core.management.base import BaseCommand

from deliveries.driver_numbers import numbers_forget_all


class Command(BaseCommand):
    help = (
        "Clear every volunteer driver's sealed notice number (Signal or SMS). The emergency "
        "wipe runs this after it replaced the key that opened them."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        cleared = numbers_forget_all()
        self.stdout.write(f"cleared {cleared} volunteer driver number(s)")
