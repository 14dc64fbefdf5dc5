"""A blank request form (and the status page's blank contact form) is drawn once per
process and kept (household_requests.forms.RequestForm.body_html). What a family sees must
not change for it: a catalogue or pickup change shows on the very next page, each language
gets its own drawing, and a form sent back with problems still shows what was typed."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils.translation import gettext, override

from inventory.models import Item
from tests.household_requests.factories import as_form, make_zone, request_payload, submit
from tests.inventory.factories import ItemFactory, LocationFactory

pytestmark = pytest.mark.django_db


def form_page(language: str = "en") -> str:
    response = Client(HTTP_ACCEPT_LANGUAGE=language).get("/request/")
    assert response.status_code == 200
    return response.content.decode()


def test_it_shows_a_catalogue_change_on_the_next_form():
    rice = ItemFactory.create(name="Rice")
    beans = ItemFactory.create(name="Black beans")
    before = form_page()
    assert f'name="item_{rice.pk}"' in before and "Black beans" in before

    rice.name = "Brown rice"
    rice.save()
    Item.objects.filter(pk=beans.pk).update(active=False)
    lentils = ItemFactory.create(name="Lentils")
    after = form_page()

    assert "Brown rice" in after and "Lentils" in after and f'name="item_{lentils.pk}"' in after
    assert "Black beans" not in after and f'name="item_{beans.pk}"' not in after


def test_it_shows_a_new_pickup_place_on_the_next_form():
    ItemFactory.create(name="Rice")
    LocationFactory.create(name="Church basement")
    before = form_page()
    assert "Church basement" in before

    LocationFactory.create(name="Library annex")
    after = form_page()

    assert "Church basement" in after and "Library annex" in after


@pytest.mark.parametrize("language", ["es", "so", "hmn"])
def test_it_draws_the_blank_form_in_each_language(language: str):
    ItemFactory.create(name="Rice")
    english = form_page("en")
    with override(language):
        adults = gettext("Adults")
    assert adults != "Adults" and ">Adults" in english

    translated = form_page(language)

    assert adults in translated and ">Adults" not in translated
    assert ">Adults" in form_page("en")  # and English again, after the other language


def test_it_shows_what_was_typed_on_a_form_sent_back():
    rice = ItemFactory.create(name="Rice", max_per_household=4)
    make_zone()
    form_page()  # a blank drawing is kept first

    sent = as_form(request_payload(rice, quantity=3, adults=5), consent="")
    body = Client().post("/request/", sent).content.decode()

    assert 'name="adults" value="5"' in body
    assert f'name="item_{rice.pk}" value="3"' in body
    assert "errorlist" in body


@pytest.mark.parametrize("language", ["es", "so", "hmn"])
def test_it_draws_the_status_pages_contact_form_in_each_language(language: str):
    submitted = submit()
    path = f"/request/status/{submitted.request.reference}/{submitted.status_secret}/"
    with override(language):
        label = gettext("Phone number")
    assert label != "Phone number"

    english = Client(HTTP_ACCEPT_LANGUAGE="en").get(path).content.decode()
    translated = Client(HTTP_ACCEPT_LANGUAGE=language).get(path).content.decode()

    assert "Phone number" in english
    assert label in translated and "Phone number" not in translated
