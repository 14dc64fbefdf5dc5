import getpass
import sys
from typing import Any

from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from deliveries.drivers import member_enrol
from mutualaid.errors import ServiceError
from mutualaid.roles import ROLES


class Command(BaseCommand):
    help = (
        "Add a member (or reset their password) with a role: organizer, driver, desk or dispatcher."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=ROLES)
        parser.add_argument(
            "--zone",
            action="append",
            default=[],
            help="Delivery zone for a driver (repeatable).",
        )
        parser.add_argument("--password-stdin", action="store_true")
        parser.add_argument("--email", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["password_stdin"]:
            password = sys.stdin.readline().rstrip("\n")
        else:
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password (again): "):
                raise CommandError("The passwords do not match.")
        if not password:
            raise CommandError("A password is required.")
        try:
            validate_password(
                password, user=User(username=options["username"], email=options["email"])
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        try:
            user = member_enrol(
                username=options["username"],
                role=options["role"],
                password=password,
                email=options["email"],
                zones=options["zone"],
            )
        except ServiceError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"{user.username} is now a member with role {options['role']}.")
