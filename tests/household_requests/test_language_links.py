"""A link per language (`/request/?lang=so`, `/so/request/`) and a printable flyer per
language whose QR code holds that link (issue 11)."""

from __future__ import annotations

import re

import pytest
import segno
from django.contrib.auth.models import User
from django.test import Client
from django.utils.translation import gettext, override

from tests.conftest import page_client
from tests.household_requests.factories import SECRET_NAME, SECRET_PHONE, make_zone, submit

pytestmark = pytest.mark.django_db

LANGUAGES = ["en", "es", "so", "hmn"]
FORM_TITLE = "Ask for food and essentials"


def translated(text: str, language: str) -> str:
    with override(language):
        return gettext(text)


def heading(body: str) -> str:
    found = re.search(r"<h1>(.*?)</h1>", body, re.S)
    assert found is not None
    return found.group(1).strip()


# ?lang= on any page --------------------------------------------------------------------------


def test_a_link_with_lang_opens_the_form_in_somali_and_keeps_it():
    make_zone()
    client = Client()

    linked = client.get("/request/?lang=so")
    next_page = client.get("/request/")

    somali = translated(FORM_TITLE, "so")
    assert somali != FORM_TITLE
    assert linked.status_code == 200
    assert heading(linked.content.decode()) == somali
    assert '<html lang="so">' in linked.content.decode()
    assert linked["Content-Language"] == "so"
    assert linked.cookies["django_language"].value == "so"
    # The choice is kept: the next page, without the parameter, is Somali too.
    assert heading(next_page.content.decode()) == somali


def test_without_the_parameter_or_with_an_unknown_one_nothing_changes():
    """Positive control: a fresh browser gets English, and `?lang=xx` keeps it so."""
    make_zone()

    plain = Client().get("/request/")
    unknown = Client().get("/request/?lang=xx")

    assert heading(plain.content.decode()) == FORM_TITLE
    assert heading(unknown.content.decode()) == FORM_TITLE
    assert "django_language" not in unknown.cookies


def test_every_public_page_takes_the_parameter():
    for path in ("/", "/needed/"):
        page = Client().get(f"{path}?lang=es")
        assert page.status_code == 200 and page["Content-Language"] == "es", path
        assert '<html lang="es">' in page.content.decode()


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_short_link_opens_the_form_in_its_language(language: str):
    make_zone()
    client = Client()

    response = client.get(f"/{language}/request/", follow=True)

    assert response.redirect_chain == [(f"/request/?lang={language}", 302)]
    assert heading(response.content.decode()) == translated(FORM_TITLE, language)


def test_a_short_link_for_no_language_of_ours_is_not_found():
    assert Client().get("/xx/request/").status_code == 404


# The flyer -----------------------------------------------------------------------------------


def _svg_matrix(svg: str) -> list[list[bool]]:
    """The dark modules drawn by a segno SVG path, border included: a decoding of what the
    page draws, independent of how segno spells it (M/m moves, h runs of modules)."""
    box = re.search(r'viewBox="0 0 (\d+) (\d+)"', svg)
    path = re.search(r' d="([^"]+)"', svg)
    assert box and path, svg[:200]
    size = int(box.group(1))
    grid = [[False] * size for _ in range(size)]
    x = y = 0.0
    for command, numbers in re.findall(r"([MmHhVv])([-\d. ]+)", path.group(1).replace(",", " ")):
        values = [float(v) for v in numbers.split()]
        if command == "M":
            x, y = values
        elif command == "m":
            x, y = x + values[0], y + values[1]
        elif command == "h":
            for column in range(int(x), int(x + values[0])):
                grid[int(y)][column] = True
            x += values[0]
        else:
            raise AssertionError(f"unexpected path command {command}")
    return grid


def _expected_matrix(link: str, size: int) -> list[list[bool]]:
    """The QR code of `link` (what a phone's camera reads as `link`) with a quiet border
    bringing it to `size` modules."""
    symbol = [[bool(bit) for bit in row] for row in segno.make(link, error="m").matrix]
    border = (size - len(symbol)) // 2
    assert border >= 4 and 2 * border + len(symbol) == size
    light = [False] * size
    return (
        [light] * border
        + [[False] * border + row + [False] * border for row in symbol]
        + [light] * border
    )


def _qr_of(body: str) -> str:
    found = re.search(r"<svg [^>]*class=\"qr\".*?</svg>", body, re.S)
    assert found is not None, "no QR code on the page"
    return found.group(0)


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_flyer_holds_its_link_as_text_and_as_a_qr_code(language: str):
    response = Client().get(f"/flyer/{language}/")

    assert response.status_code == 200
    body = response.content.decode()
    link = f"http://testserver/{language}/request/"
    assert f'<p class="link">{link}</p>' in body
    assert f'<html lang="{language}">' in body and response["Content-Language"] == language
    if language != "en":
        assert translated("Food and essentials, brought to your door", language) in body
    svg = _qr_of(body)
    drawn = _svg_matrix(svg)
    assert drawn == _expected_matrix(link, len(drawn))
    # Positive control: the decoding tells links apart.
    other = "http://testserver/es/request/" if language != "es" else link.replace("es", "so")
    assert drawn != _expected_matrix(other, len(drawn))


def test_the_flyer_draws_nothing_the_csp_would_refuse():
    body = Client().get("/flyer/so/").content.decode()

    assert re.search(r"\sstyle=", '<p style="x">') is not None  # the check finds one
    assert re.search(r"\sstyle=", body) is None
    assert "<style" not in body and "<script" not in body
    assert '<link rel="stylesheet" href="/static/css/flyer.css">' in body


def test_a_flyer_holds_nothing_personal():
    submit()

    body = Client().get("/flyer/es/").content.decode()

    assert SECRET_NAME not in body and SECRET_PHONE not in body


def test_a_flyer_in_no_language_of_ours_is_not_found():
    assert Client().get("/flyer/xx/").status_code == 404


# Where families and organizers find them -----------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/needed/"])
def test_the_landing_and_needed_pages_link_to_each_language(path: str):
    body = Client().get(path).content.decode()

    for language in LANGUAGES:
        assert f'href="/request/?lang={language}"' in body, language
        assert f'href="/flyer/{language}/"' in body, language


def test_organizers_reach_the_flyers_from_their_dashboard(organizer: User):
    body = page_client(organizer).get("/dashboard/").content.decode()

    for language in LANGUAGES:
        assert f'href="/flyer/{language}/"' in body, language
