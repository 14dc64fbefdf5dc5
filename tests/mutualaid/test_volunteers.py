"""Volunteers from the web (issue 12), the services: invitations and reset links work once,
expire, and are kept only as a hash; a reset or a deactivation ends the member's sessions,
API tokens and routes at once; self-vetting waits for a second organizer; all is logged."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth.models import User
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from deliveries.drivers import (
    driver_save,
    member_deactivate,
    member_enrol,
    member_invite,
    member_reset,
)
from deliveries.models import Driver, Route, RouteStatus
from deliveries.services import route_claim
from household_requests.models import HouseholdRequest, RequestStatus
from mutualaid.errors import Kind, ServiceError
from mutualaid.members import member_add
from mutualaid.models import AccessLink, MemberEvent, MemberEventKind
from mutualaid.roles import ROLES
from mutualaid.volunteers import (
    LINK_INVALID,
    NOT_ON_YOURSELF,
    SUPERUSER_ACCOUNT,
    USERNAME_TAKEN,
    invite_accept,
    link_digest,
    link_open,
)
from tests.conftest import PASSWORD
from tests.deliveries.factories import make_driver, route_in_state
from tests.deliveries.scenario import routed_request
from tests.mutualaid.stored import as_an_attacker_reads_it, every_stored_value

NEW_PASSWORD = "a-long-new-password-for-maria"


def accept(token: str, password: str = NEW_PASSWORD) -> User:
    return invite_accept(link_id=link_open(token=token).pk, password=password)


def signs_in(username: str, password: str) -> bool:
    """Through the login page (and its lockout), as a person would."""
    answer = Client().post("/accounts/login/", {"username": username, "password": password})
    return answer.status_code == 302


def kinds(member: User) -> list[str]:
    return list(
        MemberEvent.objects.filter(member=member)
        .order_by("at", "id")
        .values_list("kind", flat=True)
    )


@pytest.fixture
def second_organizer(db: None) -> User:
    return member_add(username="omar", role="organizer", password=PASSWORD)


# Invitations ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_it_invites_a_driver_unvetted_in_their_zones(organizer: User):
    zone = routed_request().zone

    issued = member_invite(username="maria", role="driver", zones=[zone], by=organizer)

    maria = issued.member
    assert not maria.has_usable_password()
    assert list(maria.groups.values_list("name", flat=True)) == ["driver"]
    profile = Driver.objects.get(user=maria)
    assert not profile.vetted and list(profile.zones.all()) == [zone]
    assert kinds(maria) == ["invited"]
    assert MemberEvent.objects.get(member=maria).actor == organizer
    assert not signs_in("maria", NEW_PASSWORD)

    accept(issued.token)

    assert signs_in("maria", NEW_PASSWORD)
    assert kinds(maria) == ["invited", "password_set"]


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["organizer", "desk"])
def test_it_invites_other_roles_without_a_driver_profile(organizer: User, role: str):
    issued = member_invite(username="sam", role=role, by=organizer)

    accept(issued.token)

    assert list(issued.member.groups.values_list("name", flat=True)) == [role]
    assert not Driver.objects.filter(user=issued.member).exists()
    assert signs_in("sam", NEW_PASSWORD)


@pytest.mark.django_db
def test_it_refuses_a_taken_username_and_an_unknown_role(organizer: User, driver: User):
    with pytest.raises(ServiceError) as taken:
        member_invite(username="DARIO", role="driver", by=organizer)
    with pytest.raises(ServiceError) as role:
        member_invite(username="new", role="admin", by=organizer)

    assert taken.value.message == USERNAME_TAKEN and taken.value.kind == Kind.CONFLICT
    assert role.value.field == "role"
    assert not User.objects.filter(username="new").exists()


# Links: once, until they expire, a hash at rest ----------------------------------------------


@pytest.mark.django_db
def test_a_link_works_once(organizer: User):
    issued = member_invite(username="maria", role="desk", by=organizer)
    link_id = link_open(token=issued.token).pk

    invite_accept(link_id=link_id, password=NEW_PASSWORD)

    with pytest.raises(ServiceError) as reopened:
        link_open(token=issued.token)
    with pytest.raises(ServiceError) as reused:
        invite_accept(link_id=link_id, password="another-long-password-42")
    assert reopened.value.message == LINK_INVALID == reused.value.message
    assert signs_in("maria", NEW_PASSWORD)
    assert not signs_in("maria", "another-long-password-42")


@pytest.mark.django_db
def test_a_link_expires(organizer: User):
    issued_at = timezone.now()
    issued = member_invite(username="maria", role="desk", by=organizer)
    lifetime = dt.timedelta(hours=settings.MEMBER_LINK_HOURS)

    with time_machine.travel(issued_at + lifetime - dt.timedelta(minutes=1), tick=False):
        assert link_open(token=issued.token).member == issued.member
    with time_machine.travel(issued_at + lifetime + dt.timedelta(minutes=1), tick=False):
        with pytest.raises(ServiceError):
            link_open(token=issued.token)
        with pytest.raises(ServiceError):
            invite_accept(link_id=AccessLink.objects.get().pk, password=NEW_PASSWORD)
    assert not issued.member.has_usable_password()


@pytest.mark.django_db
def test_a_refused_password_leaves_the_link_working(organizer: User):
    issued = member_invite(username="maria", role="desk", by=organizer)

    with pytest.raises(ServiceError) as weak:
        accept(issued.token, password="password")

    assert weak.value.field == "password"
    accept(issued.token)
    assert signs_in("maria", NEW_PASSWORD)


@pytest.mark.django_db
def test_a_new_link_voids_the_older_one(organizer: User, driver: User):
    first = member_reset(member=driver, by=organizer)
    second = member_reset(member=driver, by=organizer)

    with pytest.raises(ServiceError):
        link_open(token=first.token)
    accept(second.token)
    assert signs_in("dario", NEW_PASSWORD)


@pytest.mark.django_db
def test_a_member_locked_out_by_wrong_passwords_gets_in_with_a_reset_link(
    organizer: User, driver: User
):
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        signs_in("dario", "not-the-password")
    assert not signs_in("dario", PASSWORD)  # locked out, even with the right password

    accept(member_reset(member=driver, by=organizer).token)

    assert signs_in("dario", NEW_PASSWORD)


@pytest.mark.django_db(transaction=True)
def test_the_database_holds_no_usable_link(organizer: User, driver: User):
    invite = member_invite(username="maria", role="driver", by=organizer)
    reset = member_reset(member=driver, by=organizer)
    tokens = [invite.token, reset.token]

    stored = as_an_attacker_reads_it()  # pg_dump on PostgreSQL, every row elsewhere

    found = [token in stored for token in tokens]
    assert found == [False, False]
    # What is stored is the hash, and the same reading finds a token when one is there.
    assert all(link_digest(token) in stored for token in tokens)
    User.objects.filter(pk=organizer.pk).update(first_name=invite.token)
    assert invite.token in as_an_attacker_reads_it()
    assert invite.token in every_stored_value()


# Reset and deactivation end access at once -----------------------------------------------------


def page_login(username: str) -> Client:
    browser = Client()
    answer = browser.post("/accounts/login/", {"username": username, "password": PASSWORD})
    assert answer.status_code == 302, answer.content
    return browser


def token_login(username: str) -> APIClient:
    answer = APIClient().post(
        "/api/v1/auth/token/", {"username": username, "password": PASSWORD}, format="json"
    )
    assert answer.status_code == 200, answer.content
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {answer.json()['token']}")
    return api


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("state", "route_after"),
    [("claimed", RouteStatus.OPEN), ("in_progress", RouteStatus.CANCELLED)],
)
@pytest.mark.parametrize("action", ["reset", "deactivate"])
def test_it_ends_sessions_tokens_and_routes_at_once(
    organizer: User, driver: User, state: str, route_after: str, action: str
):
    world = routed_request()
    route = route_in_state(world.route, state, make_driver(driver, world.zone))
    browser, api = page_login("dario"), token_login("dario")
    organizers_browser = page_login("olga")
    # Positive control: the driver's session and token open the route, with its families.
    assert browser.get(f"/drive/routes/{route.pk}/").status_code == 200
    assert api.get(f"/api/v1/routes/{route.pk}/").status_code == 200
    assert Session.objects.count() == 2 and AuthToken.objects.filter(user=driver).count() == 1

    if action == "reset":
        member_reset(member=driver, by=organizer)
    else:
        member_deactivate(member=driver, by=organizer)

    assert browser.get(f"/drive/routes/{route.pk}/")["Location"].startswith("/accounts/login/")
    assert api.get(f"/api/v1/routes/{route.pk}/").status_code == 401
    assert Session.objects.count() == 1  # the driver's row is gone, the organizer's stays
    assert AuthToken.objects.filter(user=driver).count() == 0
    assert organizers_browser.get("/volunteers/").status_code == 200
    route.refresh_from_db()
    assert route.status == route_after  # off the driver: back on the board, or cancelled
    assert route.driver_id is None or route.status == RouteStatus.CANCELLED
    # The family is not lost: on the open route again, or back in the queue to be planned.
    request = HouseholdRequest.objects.get(pk=world.request.pk)
    expected = RequestStatus.SCHEDULED if route_after == RouteStatus.OPEN else RequestStatus.MATCHED
    assert request.status == expected
    assert not signs_in("dario", PASSWORD)  # the old password no longer works
    if action == "reset":
        assert kinds(driver)[-2:] == ["reset", "unvetted"]
    else:
        assert kinds(driver)[-1] == "deactivated"


@pytest.mark.django_db
def test_whoever_resets_a_driver_cannot_drive_as_them(
    organizer: User, second_organizer: User, driver: User
):
    """An organizer who resets a driver and uses the link themselves finds an unvetted
    account: no claim, no offer, and their own vetting of it waits for someone else."""
    world = routed_request()
    route = route_in_state(world.route, "claimed", make_driver(driver, world.zone))
    issued = member_reset(member=driver, by=organizer)
    invite_accept(link_id=link_open(token=issued.token).pk, password="a-new-long-passphrase-42")
    taken_over = Driver.objects.get(user=driver)

    assert not taken_over.vetted
    with pytest.raises(ServiceError):
        route_claim(route_id=route.pk, driver=taken_over)
    assert not driver_save(user=driver, vetted=True, by=organizer).vetted  # held
    assert driver_save(user=driver, vetted=True, by=second_organizer).vetted
    assert route_claim(route_id=route.pk, driver=Driver.objects.get(user=driver)).pk == route.pk


@pytest.mark.django_db
def test_a_deactivated_member_cannot_use_a_link(organizer: User, driver: User):
    issued = member_reset(member=driver, by=organizer)

    member_deactivate(member=driver, by=organizer)

    with pytest.raises(ServiceError):
        link_open(token=issued.token)
    assert not AccessLink.objects.filter(member=driver).exists()
    with pytest.raises(ServiceError) as again:
        member_reset(member=driver, by=organizer)
    assert again.value.kind == Kind.CONFLICT
    member_deactivate(member=driver, by=organizer)  # idempotent
    assert kinds(driver).count("deactivated") == 1


@pytest.mark.django_db
def test_it_refuses_to_reset_yourself_or_a_superuser(organizer: User):
    root = User.objects.create_superuser("root", password=PASSWORD)
    root.groups.add(*organizer.groups.all())

    with pytest.raises(ServiceError) as yourself:
        member_reset(member=organizer, by=organizer)
    with pytest.raises(ServiceError) as superuser:
        member_deactivate(member=root, by=organizer)

    assert yourself.value.message == NOT_ON_YOURSELF
    assert superuser.value.message == SUPERUSER_ACCOUNT
    assert signs_in("olga", PASSWORD) and signs_in("root", PASSWORD)


# Vetting -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_vetting_a_driver_you_invited_waits_for_a_second_organizer(
    organizer: User, second_organizer: User
):
    maria = member_invite(username="maria", role="driver", by=organizer).member

    held = driver_save(user=maria, vetted=True, by=organizer)

    assert not held.vetted
    event = MemberEvent.objects.get(member=maria, kind=MemberEventKind.VETTING_HELD)
    assert event.flagged and event.actor == organizer

    vetted = driver_save(user=maria, vetted=True, by=second_organizer)

    assert vetted.vetted
    assert kinds(maria) == ["invited", "vetting_held", "vetted"]
    assert MemberEvent.objects.get(member=maria, kind="vetted").actor == second_organizer


@pytest.mark.django_db
def test_it_logs_every_vetting(organizer: User, second_organizer: User):
    maria = member_invite(username="maria", role="driver", by=organizer).member
    member_enrol(username="carlos", role="driver", password=PASSWORD)  # the command line
    carlos = User.objects.get(username="carlos")

    driver_save(user=maria, vetted=True, by=second_organizer)
    driver_save(user=maria, vetted=False, by=organizer)
    driver_save(user=maria, vetted=False, by=organizer)  # no change, nothing logged

    assert kinds(maria) == ["invited", "vetted", "unvetted"]
    assert list(MemberEvent.objects.filter(member=carlos).values_list("kind", "actor")) == [
        ("vetted", None)
    ]
    assert Route.objects.count() == 0


def test_the_log_names_roles_from_the_list_of_roles():
    choices = {value for value, _label in MemberEvent._meta.get_field("role").choices or []}

    assert choices == set(ROLES)
