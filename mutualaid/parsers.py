"""The API's body parsers: hostile bodies answer 400 before anything deep is built.

The standard library's JSON decoder recurses once per level, so `[` x 100000 ends in a
RecursionError (a 500). The depth is checked on the raw text first, without recursion.
A NUL in a body's text is refused by the fields that read it (DRF's CharField, the request
rules, with the field's own message); a NUL in a URL by mutualaid.bounds.
"""

from __future__ import annotations

import codecs
import re
from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError
from rest_framework.settings import api_settings
from rest_framework.utils import json

MAX_JSON_DEPTH = 32
TOO_DEEP = _("The body is nested too deeply.")
TOO_LARGE = _("The body is too large.")

# A JSON string, escapes included, or an unterminated one to the end of the text: a
# pattern that cannot fail once it starts, so it never retries (linear time).
_STRING = re.compile(r'"[^"\\]*(?:\\[\s\S]?[^"\\]*)*(?:"|\Z)')
# Keeps brackets only, all as [ and ]: which closer matches which opener is json.loads's job.
_AS_SQUARE = bytes.maketrans(b"{}", b"[]")
_NOT_A_BRACKET = bytes(code for code in range(256) if code not in b"[]{}")
_RUN = re.compile(rb"\[+|\]+")


def nested_deeper_than(text: str, bound: int) -> bool:
    """Whether `text` nests arrays and objects more than `bound` deep, found without
    parsing it, in time linear in its length.

    Each pass removes every innermost `[]` (C speed), one level of every branch; passes
    run while they shrink the text by a tenth, and what stays (a deep spine: few runs of
    brackets) is walked run by run."""
    brackets = _STRING.sub("", text).encode().translate(_AS_SQUARE, _NOT_A_BRACKET)
    levels = 0  # removed by the passes
    while brackets and levels <= bound:
        fewer = brackets.replace(b"[]", b"")
        if len(fewer) == len(brackets):
            break
        levels += 1
        shrunk_by_a_tenth = len(fewer) < 0.9 * len(brackets)
        brackets = fewer
        if not shrunk_by_a_tenth:
            break
    depth = levels
    for run in _RUN.finditer(brackets):
        step = len(run.group())
        depth += step if run.group()[:1] == b"[" else -step
        if depth > bound:
            return True
        if depth < levels:
            return False  # a closer that closes nothing: malformed, json.loads says where
    return depth > bound


class BoundedJSONParser(parsers.JSONParser):
    """DRF's JSON parser with a depth bound."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        encoding = parsers.get_encoding(parser_context or {})  # type: ignore[attr-defined]
        # DRF reads the stream itself, so Django's upload limit is applied here.
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw = b"" if stream is None else stream.read(-1 if limit is None else limit + 1)
        if limit is not None and len(raw) > limit:
            raise ParseError(TOO_LARGE)
        try:
            text = codecs.decode(raw, encoding)
        except (UnicodeDecodeError, LookupError) as exc:
            raise ParseError(f"JSON parse error - {exc}") from None
        if nested_deeper_than(text, MAX_JSON_DEPTH):
            raise ParseError(TOO_DEEP)
        try:
            parse_constant = json.strict_constant if api_settings.STRICT_JSON else None
            data = json.loads(text, parse_constant=parse_constant)
        except (ValueError, RecursionError) as exc:
            raise ParseError(f"JSON parse error - {exc}") from None
        return data
