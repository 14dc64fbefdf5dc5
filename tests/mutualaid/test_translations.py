"""Every message the code and templates mark for translation is translated, and the API
answers in the language the client asks for.

The marked messages are collected the way `makemessages` collects them, by running it
(xgettext) on a copy of the source tree in a temporary directory: the real tree and its
catalogs are never written to. It takes about a second.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings
from django.utils.translation import override
from rest_framework.test import APIClient

from inventory.api import MAX_LINES_PER_DONATION, TOO_MANY_LINES
from inventory.services import PERISHABLE_NEEDS_EXPIRY
from mutualaid.timeutil import local_today
from tests.conftest import need
from tests.inventory.factories import ItemFactory, LocationFactory, donation_payload

LANGUAGES = ["es", "so", "hmn"]
BASE_DIR = Path(settings.BASE_DIR)
# Not application code: tests and benchmarks may call gettext on their own strings.
NOT_SCANNED = ("tests", "benchmarks", "locale", "var", "static", "node_modules")

Key = tuple[str | None, str]  # (context, msgid; the singular for a plural)


def key(message: Message) -> Key:
    msgid = message.id if isinstance(message.id, str) else message.id[0]
    return message.context, msgid


def read_catalog(path: Path) -> Catalog:
    # A fresh template says "nplurals=INTEGER", which Babel cannot read: drop that header.
    text = path.read_text(encoding="utf-8")
    text = re.sub(r'^"Plural-Forms: nplurals=INTEGER.*\n', "", text, flags=re.MULTILINE)
    return read_po(text.splitlines(keepends=True), locale=None)


def translated(message: Message | None) -> bool:
    if message is None or message.fuzzy:
        return False
    forms = [message.string] if isinstance(message.string, str) else list(message.string or [])
    return bool(forms) and all(forms)


def untranslated(marked: Iterable[Key], catalog: Catalog) -> list[str]:
    """The marked messages with no entry, an empty msgstr or a fuzzy entry in `catalog`."""
    return sorted(
        msgid for context, msgid in marked if not translated(catalog.get(msgid, context=context))
    )


def catalog_of(language: str) -> Catalog:
    return read_catalog(BASE_DIR / "locale" / language / "LC_MESSAGES" / "django.po")


@pytest.fixture(scope="module")
def marked(tmp_path_factory: pytest.TempPathFactory) -> set[Key]:
    """Every message marked in the code and templates, as `makemessages` extracts them."""
    # Skips on a machine without GNU gettext; CI installs it and fails without it.
    need("GNU xgettext for makemessages (apt-get install gettext)", bool(shutil.which("xgettext")))
    copy = tmp_path_factory.mktemp("extract") / "src"
    shutil.copytree(
        BASE_DIR,
        copy,
        ignore=lambda folder, names: [
            name
            for name in names
            if name.startswith(".")
            or name == "__pycache__"
            or (Path(folder) == BASE_DIR and name in NOT_SCANNED)
        ],
    )
    pot = copy / "locale" / "django.pot"
    with pytest.MonkeyPatch.context() as patch, override_settings(LOCALE_PATHS=[copy / "locale"]):
        patch.chdir(copy)
        # --all with no locale folder yet: only the template is built, and kept.
        call_command("makemessages", all=True, keep_pot=True, no_location=True, verbosity=0)
    found = {key(m) for m in read_catalog(pot) if m.id}
    assert len(found) > 100, f"extraction found too little: {sorted(found)}"
    return found


def test_every_marked_message_is_translated_in_every_language(marked: set[Key]) -> None:
    # Positive controls: a marked message with no entry, and an entry with an empty
    # msgstr, are both reported.
    fake: Key = (None, "Zq: a message nobody has translated yet.")
    spanish = catalog_of("es")
    blanked = catalog_of("es")
    _context, some_msgid = min(key for key in marked if key[0] is None)
    blanked[some_msgid].string = "" if isinstance(blanked[some_msgid].string, str) else ("",)
    assert untranslated(marked | {fake}, spanish) == [fake[1]]
    assert untranslated(marked, blanked) == [some_msgid]

    missing = {language: untranslated(marked, catalog_of(language)) for language in LANGUAGES}

    assert missing == {language: [] for language in LANGUAGES}


# --- the API answers in the client's language ---------------------------------------------


@pytest.fixture
def payload(db: None) -> dict[str, Any]:
    milk = ItemFactory.create(name="Milk", perishable=True)
    rice = ItemFactory.create(name="Rice")
    return donation_payload(
        LocationFactory.create(), (rice, 2), (milk, 6, local_today() + dt.timedelta(days=5))
    )


def test_an_inventory_refusal_comes_back_in_spanish(
    organizer_api: APIClient, payload: dict[str, Any]
) -> None:
    payload["lines"][1]["expires_on"] = None  # milk is perishable: the service refuses
    too_many = {**payload, "lines": [payload["lines"][0]] * (MAX_LINES_PER_DONATION + 1)}

    refused = organizer_api.post(
        "/api/v1/donations/", payload, format="json", HTTP_ACCEPT_LANGUAGE="es"
    )
    too_long = organizer_api.post(
        "/api/v1/donations/", too_many, format="json", HTTP_ACCEPT_LANGUAGE="es"
    )

    with override("es"):
        perishable = str(PERISHABLE_NEEDS_EXPIRY)
        at_most = TOO_MANY_LINES % {"count": MAX_LINES_PER_DONATION}
    assert perishable == "Los artículos perecederos necesitan fecha de vencimiento."
    assert at_most == f"Como máximo {MAX_LINES_PER_DONATION} líneas por donación."
    assert refused.status_code == 400
    assert refused.json() == {"lines": [{}, {"expires_on": [perishable]}]}
    assert refused["Content-Language"] == "es"
    assert too_long.status_code == 400
    assert too_long.json() == {"lines": [at_most]}
