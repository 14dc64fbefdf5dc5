"""Volunteers from the web (issue 12), the pages: the persona matrix, an invitation from the
form to the first login, reset and deactivation pages, the log, password change."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.contrib.sessions.models import Session
from django.core import mail
from django.test import Client
from rest_framework.test import APIClient

from deliveries.drivers import driver_save, member_invite
from mutualaid.models import AccessLink, MemberEvent
from mutualaid.sessions import SessionStore
from tests.conftest import PASSWORD, page_client
from tests.household_requests.factories import make_zone
from tests.household_requests.pickups import desk_volunteer
from tests.querycount import count_queries

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-long-new-password-for-maria"
LINK = re.compile(r'<code id="access-link">(http://testserver(/accounts/welcome/[^<]+/))</code>')


def organizer_pages(member: User) -> list[str]:
    return [
        "/volunteers/",
        "/volunteers/invite/",
        f"/volunteers/{member.pk}/reset/",
        f"/volunteers/{member.pk}/deactivate/",
    ]


def text_of(response: Any) -> str:
    return html.unescape(response.content.decode())


def link_path(response: Any) -> str:
    found = LINK.search(response.content.decode())
    assert found, "no link on the page"
    return found.group(2)


def logs_in(username: str, password: str) -> bool:
    answer = Client().post("/accounts/login/", {"username": username, "password": password})
    return answer.status_code == 302


# Persona matrix -------------------------------------------------------------------------------


def test_it_shows_the_volunteer_pages_to_organizers(organizer: User, driver: User):
    client = page_client(organizer)

    for url in organizer_pages(driver):
        assert client.get(url).status_code == 200, url


def test_it_refuses_drivers_and_the_desk(organizer: User, driver: User):
    for user in (driver, desk_volunteer()):
        client = page_client(user)
        for url in organizer_pages(organizer):
            assert client.get(url).status_code == 403, (user.username, url)
            assert client.post(url, {"username": "x", "role": "organizer"}).status_code == 403
    assert not User.objects.filter(username="x").exists()
    assert logs_in("olga", PASSWORD) and organizer.is_active


def test_it_sends_anonymous_visitors_to_log_in(driver: User):
    for url in organizer_pages(driver):
        answer = Client().get(url)
        assert answer.status_code == 302 and answer["Location"].startswith("/accounts/login/")
    assert Client().get("/accounts/password_change/").status_code == 302


def test_it_answers_an_unknown_member_with_404(organizer: User):
    member_without_role = User.objects.create_user("nobody", password=PASSWORD)

    client = page_client(organizer)
    for url in organizer_pages(member_without_role)[2:]:
        assert client.get(url).status_code == 404
        assert client.post(url).status_code == 404


def test_the_list_makes_the_same_queries_for_more_members(organizer: User):
    client = page_client(organizer)
    member_invite(username="a1", role="driver", by=organizer)
    few = count_queries(lambda: client.get("/volunteers/"))
    for n in range(5):
        member_invite(username=f"b{n}", role="driver", by=organizer)
        member_invite(username=f"c{n}", role="desk", by=organizer)

    assert count_queries(lambda: client.get("/volunteers/")) == few


# From the invitation to the first login -------------------------------------------------


def test_an_invited_driver_sets_a_password_and_logs_in(organizer: User):
    zone = make_zone("Phillips", ("55407",))
    client = page_client(organizer)

    answer = client.post(
        "/volunteers/invite/", {"username": "maria", "role": "driver", "zones": [zone.pk]}
    )

    assert answer.status_code == 200
    path = link_path(answer)
    maria = User.objects.get(username="maria")
    assert not maria.driver_profile.vetted
    assert list(maria.driver_profile.zones.all()) == [zone]

    person = Client()
    opened = person.get(path)
    assert opened.status_code == 302 and opened["Location"] == "/accounts/welcome/set-password/"
    form = person.get("/accounts/welcome/set-password/")
    assert "maria" in text_of(form)
    # The session keeps the link's id, never its token.
    token = path.rstrip("/").rsplit("/", 1)[1]
    session_data = [SessionStore().decode(s.session_data) for s in Session.objects.all()]
    assert token not in str(session_data) and "access_link_id" in str(session_data)

    weak = person.post(
        "/accounts/welcome/set-password/", {"new_password1": "maria", "new_password2": "maria"}
    )
    assert weak.status_code == 200 and not logs_in("maria", "maria")
    done = person.post(
        "/accounts/welcome/set-password/",
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert done.status_code == 302 and done["Location"] == "/accounts/login/"
    assert logs_in("maria", NEW_PASSWORD)
    assert "does not work" in text_of(Client().get(path))  # used: the link is spent
    log = text_of(client.get("/volunteers/"))
    assert "invited (driver)" in log and "set a password with a link" in log


def test_it_emails_the_link_when_mail_is_configured(organizer: User):
    answer = page_client(organizer).post(
        "/volunteers/invite/", {"username": "maria", "role": "desk", "email": "m@example.org"}
    )

    assert "/accounts/welcome/" not in answer.content.decode()  # the organizer never sees it
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["m@example.org"]
    path = re.search(r"http://testserver(/accounts/welcome/\S+/)", str(mail.outbox[0].body))
    assert path and Client().get(path.group(1)).status_code == 302


def test_a_taken_username_is_shown_on_the_form(organizer: User, driver: User):
    answer = page_client(organizer).post(
        "/volunteers/invite/", {"username": "dario", "role": "desk"}
    )

    assert answer.status_code == 200
    assert "Someone already has this username." in text_of(answer)
    assert not AccessLink.objects.exists()


# Reset and deactivation -------------------------------------------------------------------


def test_a_reset_link_lets_the_member_in_again_and_is_logged(organizer: User, driver: User):
    client = page_client(organizer)

    answer = client.post(f"/volunteers/{driver.pk}/reset/")

    assert not logs_in("dario", PASSWORD)
    person = Client()
    person.get(link_path(answer))
    person.post(
        "/accounts/welcome/set-password/",
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert logs_in("dario", NEW_PASSWORD)
    log = text_of(client.get("/volunteers/"))
    assert "reset link issued" in log and "olga" in log


def test_deactivation_is_confirmed_first(organizer: User, driver: User):
    client = page_client(organizer)

    client.get(f"/volunteers/{driver.pk}/deactivate/")
    assert User.objects.get(pk=driver.pk).is_active
    answer = client.post(f"/volunteers/{driver.pk}/deactivate/", follow=True)

    assert "dario is deactivated." in text_of(answer)
    assert not User.objects.get(pk=driver.pk).is_active
    assert not logs_in("dario", PASSWORD)


def test_an_organizer_cannot_reset_themselves_here(organizer: User):
    answer = page_client(organizer).post(f"/volunteers/{organizer.pk}/reset/", follow=True)

    assert "Change password" in text_of(answer)
    assert logs_in("olga", PASSWORD)


def test_the_page_flags_a_vetting_held_for_a_second_organizer(organizer: User):
    maria = member_invite(username="maria", role="driver", by=organizer).member
    driver_save(user=maria, vetted=True, by=organizer)

    page = text_of(page_client(organizer).get("/volunteers/"))

    assert "Vetting awaits a second organizer" in page
    assert MemberEvent.objects.filter(member=maria, flagged=True).count() == 1


def test_the_driver_form_says_when_vetting_is_held(organizer: User):
    maria = member_invite(username="maria", role="driver", by=organizer).member
    data = {"vehicle_capacity": 100, "max_active_routes": 2, "vetted": "on", "active": "on"}

    answer = page_client(organizer).post(
        f"/deliveries/drivers/{maria.driver_profile.pk}/", data, follow=True
    )

    assert "until another organizer vets them" in text_of(answer)
    maria.driver_profile.refresh_from_db()
    assert not maria.driver_profile.vetted


# Passwords ----------------------------------------------------------------------------------


def test_every_member_changes_their_own_password(driver: User):
    client = page_client(driver)
    other_browser = page_client(driver)
    token = APIClient().post(
        "/api/v1/auth/token/", {"username": "dario", "password": PASSWORD}, format="json"
    )
    lost_phone = APIClient(HTTP_AUTHORIZATION=f"Token {token.json()['token']}")
    assert lost_phone.get("/api/v1/routes/").status_code == 200  # its token works until then

    answer = client.post(
        "/accounts/password_change/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        follow=True,
    )

    assert "Your password is changed." in text_of(answer)
    assert logs_in("dario", NEW_PASSWORD) and not logs_in("dario", PASSWORD)
    assert client.get("/drive/").status_code == 200
    assert other_browser.get("/drive/").status_code == 302  # signed out elsewhere
    assert lost_phone.get("/api/v1/routes/").status_code == 401  # and its API token ended


def test_the_forgotten_password_page_says_to_ask_an_organizer():
    answer = Client().get("/accounts/password_reset/")

    assert answer.status_code == 200 and "Ask an organizer" in text_of(answer)
