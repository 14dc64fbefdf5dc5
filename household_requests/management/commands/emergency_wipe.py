import sys
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from household_requests.retention import contacts_wipe_all

CONFIRMATION = "WIPE"


class Command(BaseCommand):
    help = (
        "Destroy every sealed contact (names, phones, addresses, notes) at once: overwrite "
        "every key in KEY_DIR with a fresh one (so no earlier dump or database file can be "
        "opened), then delete the contacts. Requests, "
        "statistics and inventory stay. This cannot be undone."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--yes-destroy-all-contacts",
            action="store_true",
            help=f"do not ask; otherwise type {CONFIRMATION} to confirm",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["yes_destroy_all_contacts"]:
            if not sys.stdin.isatty():
                raise CommandError("Refusing without --yes-destroy-all-contacts (no terminal).")
            answer = input(f"Type {CONFIRMATION} to destroy every contact: ")
            if answer.strip() != CONFIRMATION:
                raise CommandError("Nothing was destroyed.")
        count = contacts_wipe_all()
        self.stdout.write(
            f"destroyed {count} sealed contact(s) and every key in {settings.KEY_DIR}; "
            "inventory is untouched"
        )
