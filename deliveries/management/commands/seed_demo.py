from typing import Any

from django.core.management.base import BaseCommand

from deliveries.demo import DEMO_LOGINS, demo_exists, seed_demo


class Command(BaseCommand):
    help = "Load demo data (catalogue, a week of donations, demo members) once."

    def handle(self, *args: Any, **options: Any) -> None:
        if demo_exists():
            self.stdout.write("Demo data already loaded; nothing to do.")
        else:
            seed_demo()
            self.stdout.write("Demo data loaded.")
        self.stdout.write("Demo logins (username / password):")
        for username, role, password in DEMO_LOGINS:
            self.stdout.write(f"  {role:9} {username} / {password}")
