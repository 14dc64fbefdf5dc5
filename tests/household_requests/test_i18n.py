"""Translations: complete catalogs, and the public form in the family's own language.

A family picks Spanish, Somali or Hmong with the language switcher; every label and every
error message on the request form must then be in that language, and the choice must stick.
"""

from __future__ import annotations

import gettext as gnu_gettext
import re
from collections import Counter
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.utils.html import escape
from django.utils.translation import gettext, ngettext, override
from django_stubs_ext import StrPromise

from household_requests import request_rules as rules
from household_requests.models import HouseholdRequest
from household_requests.zones import zone_save
from inventory.models import Item
from tests.household_requests.factories import as_form, request_payload
from tests.inventory.factories import ItemFactory

LANGUAGES = ["es", "so", "hmn"]
PLURAL_FORMS = {
    "es": "nplurals=2; plural=(n != 1);",
    "so": "nplurals=2; plural=(n != 1);",
    "hmn": "nplurals=1; plural=0;",
}
LOCALE_DIR = Path(settings.BASE_DIR) / "locale"
# printf-style conversions as Python's % operator reads them, including %%.
PLACEHOLDER = re.compile(r"%(?:\(\w+\))?[#0 +-]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa%]")
NAMED = re.compile(r"%\((\w+)\)")
POSTAL_CODE = "55407"


# compile_translations (Babel) leaves Plural-Forms out of a .mo for a locale Babel does not
# know, and Hmong is one: gettext then assumes two forms and Hmong plurals fall back to English.
# Strict, so the marker goes as soon as the compiler keeps the header.
def po_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / "django.po"


def read_catalog(language: str) -> Catalog:
    with po_path(language).open("rb") as po_file:
        return read_po(po_file, locale=None)


def entries(catalog: Catalog) -> list[Message]:
    return [message for message in catalog if message.id]


def msgids(message: Message) -> list[str]:
    """The English: one text, or the singular and the plural."""
    return [message.id] if isinstance(message.id, str) else list(message.id)


def msgstrs(message: Message) -> list[str]:
    """The translation: one text, or one per plural form ("" where missing)."""
    if isinstance(message.string, str):
        return [message.string]
    return [text or "" for text in message.string or [""]]


def placeholders(text: str) -> Counter[str]:
    return Counter(PLACEHOLDER.findall(text))


def label(message: Message) -> str:
    return f"{msgids(message)[0]!r} ({', '.join(f'{f}:{n}' for f, n in message.locations)})"


def translated(language: str, msgid: Any, params: dict[str, Any] | None = None) -> str:
    """The catalog's translation, as the site will show it (lazy messages too)."""
    with override(language):
        text = gettext(msgid) if isinstance(msgid, str) else str(msgid)
        if params:
            text %= params
    assert text, msgid
    return text


def assert_shows(body: str, text: str) -> None:
    """Text from templates is inserted as is; labels and errors are HTML-escaped."""
    assert text in body or escape(text) in body, f"{text!r} is not on the page"


# --- the catalogs ----------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_it_has_a_complete_header(language: str) -> None:
    catalog = read_catalog(language)
    header = po_path(language).read_text(encoding="utf-8").split("\n\n", 1)[0]
    fields = dict(re.findall(r'^"([\w-]+): (.*)\\n"$', header, re.MULTILINE))

    assert not catalog.fuzzy and "fuzzy" not in header
    assert fields["Language"] == language
    assert fields["Content-Type"] == "text/plain; charset=UTF-8"
    assert fields["Plural-Forms"] == PLURAL_FORMS[language]


@pytest.mark.parametrize("language", LANGUAGES)
def test_it_translates_every_entry(language: str) -> None:
    catalog = read_catalog(language)

    assert len(entries(catalog)) > 100
    fuzzy = [label(m) for m in entries(catalog) if m.fuzzy]
    empty = [label(m) for m in entries(catalog) if not all(msgstrs(m))]
    assert fuzzy == [], f"fuzzy in {language}: {fuzzy}"
    assert empty == [], f"untranslated in {language}: {empty}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_it_keeps_every_placeholder(language: str) -> None:
    catalog = read_catalog(language)
    wrong = []
    for message in entries(catalog):
        forms_ = msgstrs(message)
        if message.pluralizable:
            plural = msgids(message)[1]
            if len(forms_) != catalog.num_plurals:
                wrong.append(f"{label(message)}: {len(forms_)} plural forms")
                continue
            # Each form may stand for the singular or the plural: it keeps the plural's names.
            wanted = set(placeholders(plural))
            wrong += [
                f"{label(message)}: {form!r}"
                for form in forms_
                if set(placeholders(form)) != wanted
            ]
        elif placeholders(forms_[0]) != placeholders(msgids(message)[0]):
            wrong.append(f"{label(message)}: {forms_[0]!r}")
    assert wrong == [], f"placeholders differ in {language}: {wrong}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_it_formats_every_translation_like_the_english(language: str) -> None:
    broken = []
    for message in entries(read_catalog(language)):
        if "python-format" not in message.flags:
            continue
        for text in msgstrs(message):
            values = {name: 1 for name in NAMED.findall(text)}
            try:
                text % values
            except (KeyError, TypeError, ValueError) as error:
                broken.append(f"{label(message)}: {error}")
    assert broken == []


@pytest.mark.parametrize("language", ["es", "so", "hmn"])
def test_it_compiles_every_translation(language: str) -> None:
    call_command("compile_translations", verbosity=0)

    mo_path = po_path(language).with_suffix(".mo")
    assert mo_path.stat().st_mtime >= po_path(language).stat().st_mtime
    with mo_path.open("rb") as mo_file:
        compiled = gnu_gettext.GNUTranslations(mo_file)
    assert compiled.info()["language"] == language
    lost = []
    for message in entries(read_catalog(language)):
        ids, strs = msgids(message), msgstrs(message)
        if message.pluralizable:
            found = [compiled.ngettext(ids[0], ids[1], n) for n in (1, 2)]
            wanted = [strs[0], strs[-1]]
        elif message.context:
            found, wanted = [compiled.pgettext(message.context, ids[0])], strs
        else:
            found, wanted = [compiled.gettext(ids[0])], strs
        if found != wanted:
            lost.append(label(message))
    assert lost == []


# --- the public form in each language --------------------------------------------------------


@pytest.fixture
def rice(db: None) -> Item:
    zone_save(name="Phillips", postal_codes=[POSTAL_CODE])
    return ItemFactory.create(name="Rice", max_per_household=4)


def valid_form(rice: Item, **overrides: Any) -> dict[str, Any]:
    return as_form(request_payload(rice, **{"postal_code": POSTAL_CODE, **overrides}))


def choose_language(client: Client, language: str) -> str:
    """Press the switcher's button; answer the page it sends the family back to."""
    response = client.post(
        "/i18n/setlang/", {"language": language, "next": "/request/"}, follow=True
    )
    assert response.redirect_chain == [("/request/", 302)]
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == language
    return response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
def test_it_shows_the_form_in_the_chosen_language(client: Client, rice: Item, language: str):
    body = choose_language(client, language)

    assert f'<html lang="{language}">' in body
    for msgid in ("Ask for food and essentials", "Adults", "Postal code", "Send my request"):
        text = translated(language, msgid)
        assert text != msgid
        assert_shows(body, text)
    assert_shows(body, translated(language, rules.DIETARY_CHOICES[1][1]))
    assert "Send my request" not in body and ">Adults" not in body
    assert f'value="{language}" lang="{language}" aria-current="true"' in body


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["es", "so", "hmn"])
def test_it_explains_how_details_are_kept_in_the_chosen_language(
    client: Client, rice: Item, language: str
):
    (retention,) = [
        m
        for m in entries(read_catalog(language))
        if m.pluralizable
        and ("templates/household_requests/_request_fields.html" in {f for f, _ in m.locations})
    ]
    singular, plural = msgids(retention)
    days = settings.CONTACT_RETENTION_DAYS

    body = choose_language(client, language)

    with override(language):
        expected = ngettext(singular, plural, days) % {"days": days}
    assert expected != plural % {"days": days}
    assert_shows(body, expected)


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
def test_it_remembers_the_language_on_later_pages(client: Client, rice: Item, language: str):
    choose_language(client, language)

    form = client.get("/request/")
    needed = client.get("/needed/")
    landing = client.get("/")

    assert form["Content-Language"] == language
    assert_shows(form.content.decode(), translated(language, "Send my request"))
    assert_shows(needed.content.decode(), translated(language, "What families need most right now"))
    assert f'<html lang="{language}">' in landing.content.decode()
    assert_shows(landing.content.decode(), translated(language, "Volunteer login"))


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
def test_it_thanks_the_family_in_their_language(client: Client, rice: Item, language: str):
    choose_language(client, language)

    response = client.post("/request/", valid_form(rice), follow=True)

    assert response.redirect_chain[0][1] == 303 and response.status_code == 200
    assert_shows(response.content.decode(), translated(language, "We received your request"))
    assert HouseholdRequest.objects.get().language == language


class Invalid(NamedTuple):
    """What a family typed, the field at fault, and the message they must read."""

    typed: dict[str, Any]
    field: str
    message: StrPromise
    params: dict[str, Any] | None = None


INVALID = {
    "empty household": Invalid(
        {"adults": 0, "children": 0, "infants": 0}, "adults", rules.HOUSEHOLD_EMPTY
    ),
    "unknown postal code": Invalid(
        {"postal_code": "99999"}, "postal_code", rules.UNKNOWN_POSTAL_CODE
    ),
    "endless address": Invalid(
        {"address": "A" * 10_000},
        "address",
        rules.TOO_LONG,
        {"limit_value": rules.ADDRESS_MAX},
    ),
    "control characters in the name": Invalid(
        {"name": "Hodan\x00\x07"}, "name", rules.PLAIN_TEXT_ONLY
    ),
    "emoji in the name": Invalid({"name": "Hodan \U0001f600"}, "name", rules.PLAIN_TEXT_ONLY),
    "markup in the notes": Invalid(
        {"notes": "<script>alert(1)</script>"}, "notes", rules.PLAIN_TEXT_ONLY
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("case", list(INVALID))
def test_it_explains_invalid_input_in_the_chosen_language(
    client: Client, rice: Item, language: str, case: str
):
    invalid = INVALID[case]
    choose_language(client, language)

    response = client.post("/request/", valid_form(rice, **invalid.typed))

    assert response.status_code == 200
    body = response.content.decode()
    expected = translated(language, invalid.message, invalid.params)
    assert expected != translated("en", invalid.message, invalid.params)
    assert_shows(body, translated(language, "Please check the fields marked below."))
    assert_shows(body, expected)
    with override(language):
        # Exactly one message, on the field at fault: no second, English-only one from Django.
        assert response.context["form"].errors == {invalid.field: [expected]}
    assert "<script>alert(1)</script>" not in body
    assert HouseholdRequest.objects.count() == 0
