import sys
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from household_requests.retention import contacts_wipe_all

CONFIRMATION = "WIPE"
RESTART = (
    "Now restart web, worker and beat on every host: a running process may still hold "
    "the old keys in memory (or see a cached KEY_DIR, over NFS)."
)


class Command(BaseCommand):
    help = (
        "Destroy every sealed contact (names, phones, addresses, notes) and every volunteer "
        "driver's notice number at once: overwrite every key in KEY_DIR with a fresh one (so "
        "no earlier dump or database file can be opened), then delete the contacts and clear "
        "the drivers' numbers. Requests, statistics and inventory stay. This "
        "cannot be undone. Exits non-zero if this KEY_DIR lacks keys that stored contacts "
        "were sealed with (not the site's KEY_DIR: the real keys survive)."
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
            answer = input(
                f"Type {CONFIRMATION} to destroy every family's contact and every "
                "volunteer driver's notice number: "
            )
            if answer.strip() != CONFIRMATION:
                raise CommandError("Nothing was destroyed.")
        wipe = contacts_wipe_all()
        self.stdout.write(
            f"destroyed {wipe.contacts} sealed contact(s); replaced "
            f"{wipe.period_keys_replaced} period key file(s) and the blind-index key in "
            f"{settings.KEY_DIR}; inventory is untouched"
        )
        # By name, not by import: household_requests knows nothing of deliveries.
        call_command("forget_driver_numbers", stdout=self.stdout)
        if wipe.contacts_without_key:
            raise CommandError(
                f"KEY_DIR {settings.KEY_DIR} IS NOT THE ONE THIS SITE SEALS WITH: "
                f"{wipe.contacts_without_key} of the deleted contact(s) were sealed with "
                "keys that are not in it, so those keys survive wherever the site keeps "
                "them, with every earlier copy of the database. Run this again with the "
                f"site's KEY_DIR.\n{RESTART}"
            )
        self.stdout.write(RESTART)
