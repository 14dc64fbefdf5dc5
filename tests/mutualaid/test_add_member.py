"""manage.py add_member: a member with a role, a checked password, safe to run twice."""

from __future__ import annotations

import io
import sys

import pytest
from django.contrib.auth import authenticate as _authenticate
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.test import RequestFactory

from deliveries.models import Driver
from mutualaid.roles import is_driver, is_organizer
from tests.household_requests.factories import make_zone

pytestmark = pytest.mark.django_db

GOOD_PASSWORD = "plum-ladder-quietly-42"


def authenticate(**credentials: str) -> User | None:
    """A login as the site sees one: with its request (the lockout needs it, issue 10)."""
    return _authenticate(RequestFactory().post("/accounts/login/"), **credentials)


def _add(monkeypatch: pytest.MonkeyPatch, *args: str, stdin: str = GOOD_PASSWORD + "\n") -> str:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    out = io.StringIO()
    call_command("add_member", *args, "--password-stdin", stdout=out)
    return out.getvalue()


def test_it_adds_an_organizer(monkeypatch: pytest.MonkeyPatch):
    out = _add(monkeypatch, "maria", "--role", "organizer")

    assert out.strip() == "maria is now a member with role organizer."
    user = User.objects.get(username="maria")
    assert list(user.groups.values_list("name", flat=True)) == ["organizer"]
    assert is_organizer(user) and not is_driver(user)
    assert user.is_active and not user.is_staff and not user.is_superuser
    assert authenticate(username="maria", password=GOOD_PASSWORD) == user


def test_it_adds_a_driver(monkeypatch: pytest.MonkeyPatch):
    _add(monkeypatch, "dev", "--role", "driver", "--email", "dev@example.org")

    user = User.objects.get(username="dev")
    assert is_driver(user) and not is_organizer(user)
    assert user.email == "dev@example.org"


def test_it_does_not_store_the_password_in_the_clear(monkeypatch: pytest.MonkeyPatch):
    _add(monkeypatch, "maria", "--role", "organizer")

    assert GOOD_PASSWORD not in User.objects.get(username="maria").password


@pytest.mark.parametrize("role", ["admin", "Organizer", "superuser", ""])
def test_it_refuses_an_unknown_role(monkeypatch: pytest.MonkeyPatch, role: str):
    with pytest.raises(CommandError, match="invalid choice"):
        _add(monkeypatch, "maria", "--role", role)

    assert not User.objects.filter(username="maria").exists()


def test_it_requires_a_role(monkeypatch: pytest.MonkeyPatch):
    with pytest.raises(CommandError, match="--role"):
        _add(monkeypatch, "maria")

    assert not User.objects.exists()


@pytest.mark.parametrize(
    "password, says",
    [
        ("password", "too common"),
        ("short1", "too short"),
        ("83920174651", "entirely numeric"),
        ("", "A password is required."),
    ],
)
def test_it_refuses_a_weak_password(monkeypatch: pytest.MonkeyPatch, password: str, says: str):
    with pytest.raises(CommandError, match=says):
        _add(monkeypatch, "maria", "--role", "organizer", stdin=password + "\n")

    assert not User.objects.filter(username="maria").exists()


def test_it_reads_only_the_first_line_of_stdin(monkeypatch: pytest.MonkeyPatch):
    _add(monkeypatch, "maria", "--role", "organizer", stdin=f"{GOOD_PASSWORD}\nsomething else\n")

    assert authenticate(username="maria", password=GOOD_PASSWORD) is not None


def test_it_resets_the_password_when_run_again(monkeypatch: pytest.MonkeyPatch):
    _add(monkeypatch, "maria", "--role", "organizer")
    new_password = "another-long-passphrase-7"

    _add(monkeypatch, "maria", "--role", "organizer", stdin=new_password + "\n")

    assert User.objects.filter(username="maria").count() == 1
    user = User.objects.get(username="maria")
    assert list(user.groups.values_list("name", flat=True)) == ["organizer"]
    assert authenticate(username="maria", password=new_password) == user
    assert authenticate(username="maria", password=GOOD_PASSWORD) is None


def test_it_keeps_a_deactivated_member_deactivated_on_a_second_run(
    monkeypatch: pytest.MonkeyPatch,
):
    _add(monkeypatch, "maria", "--role", "organizer")
    User.objects.filter(username="maria").update(is_active=False)

    _add(monkeypatch, "maria", "--role", "organizer")  # a password reset is not a pardon

    assert authenticate(username="maria", password=GOOD_PASSWORD) is None
    assert not User.objects.get(username="maria").is_active


def test_it_keeps_the_old_password_when_the_new_one_is_refused(monkeypatch: pytest.MonkeyPatch):
    _add(monkeypatch, "maria", "--role", "organizer")

    with pytest.raises(CommandError):
        _add(monkeypatch, "maria", "--role", "organizer", stdin="password\n")

    assert authenticate(username="maria", password=GOOD_PASSWORD) is not None


def test_it_adds_a_vetted_driver_with_zones_and_refuses_an_unknown_zone_whole(
    monkeypatch: pytest.MonkeyPatch,
):
    make_zone("Phillips", ("55407",))

    _add(monkeypatch, "lupe", "--role", "driver", "--zone", "Phillips")

    driver = Driver.objects.get(user__username="lupe")
    assert driver.vetted and [z.name for z in driver.zones.all()] == ["Phillips"]
    with pytest.raises(CommandError, match="No zone named Nowhere"):
        _add(monkeypatch, "mo", "--role", "driver", "--zone", "Nowhere")
    assert not User.objects.filter(username="mo").exists()


def test_it_keeps_an_unvetted_driver_unvetted_when_the_password_is_reset(
    monkeypatch: pytest.MonkeyPatch,
):
    _add(monkeypatch, "lupe", "--role", "driver")
    Driver.objects.filter(user__username="lupe").update(vetted=False)  # an organizer's doing

    _add(monkeypatch, "lupe", "--role", "driver", stdin="another-long-passphrase-7\n")

    assert not Driver.objects.get(user__username="lupe").vetted
