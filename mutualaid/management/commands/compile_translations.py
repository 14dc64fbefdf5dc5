"""Compile locale/*/LC_MESSAGES/*.po into .mo files without GNU gettext.

Django's compilemessages needs the `msgfmt` program, which a fresh machine with only
Python lacks; Babel's pure-Python reader and writer do the same job.
"""

from pathlib import Path
from typing import Any

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from django.conf import settings
from django.core.management.base import BaseCommand


class PluralFormsCatalog(Catalog):
    """Keeps Plural-Forms in the compiled header even for a locale Babel does not know.

    Babel writes Plural-Forms only for locales in its CLDR data, and Hmong is not one;
    without the header gettext assumes two plural forms and Hmong plurals fall back to
    English.
    """

    def _headers_with_plural_forms(self) -> list[tuple[str, str]]:
        headers = list(self._get_mime_headers())
        if not any(name == "Plural-Forms" for name, _value in headers):
            headers.append(("Plural-Forms", self.plural_forms))
        return headers

    mime_headers = property(_headers_with_plural_forms, Catalog._set_mime_headers)


class Command(BaseCommand):
    help = "Compile the project's .po translation files into .mo files (no gettext needed)."

    def handle(self, *args: Any, **options: Any) -> None:
        compiled = 0
        for locale_dir in settings.LOCALE_PATHS:
            for po_path in sorted(Path(locale_dir).glob("*/LC_MESSAGES/*.po")):
                mo_path = po_path.with_suffix(".mo")
                if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
                    continue
                with po_path.open("rb") as po_file:
                    catalog = read_po(po_file, locale=None)
                catalog.__class__ = PluralFormsCatalog
                with mo_path.open("wb") as mo_file:
                    write_mo(mo_file, catalog)
                compiled += 1
        if options["verbosity"] > 0:
            self.stdout.write(f"compiled {compiled} translation file(s)")
