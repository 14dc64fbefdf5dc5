"""The door word: a word pair the volunteer at the door says first, so a family can tell a
real volunteer from someone pretending to be one.

Each request gets one pair in the family's language, one word from each of the shipped
lists in `door_words/` (64 x 64 = 4,096 pairs per language), drawn with `secrets`. It is
sealed on its own (`SealedContact.sealed_word`) under the same period keys as the contact
(`mutualaid.sealing`), so it is destroyed with the contact (purge, wipe) and moved with it
by the re-seal job. It is replaced when a route is taken back from its driver.

Three readers, and no others: the driver of a started route through the one reveal
function (`deliveries.reveal`), the family's status page and the hotline's thank-you page
through `door_word_for_family`. THREAT_MODEL.md, "Someone impersonating a volunteer",
says what it defends and its limits (it is only as secret as the status link).
"""

from __future__ import annotations

import functools
import json
import secrets
from dataclasses import dataclass
from pathlib import Path

from household_requests.models import Fulfilment, HouseholdRequest, SealedContact
from mutualaid import sealing
from mutualaid.locks import Turn, take_turn

LISTS_DIR = Path(__file__).resolve().parent / "door_words"
LIST_SIZE = 64
SYLLABLE = "·"


@dataclass(frozen=True, repr=False)
class DoorWord:
    """A door word: `words` as said ("apple rabbit"), `hint` how to say them, and the
    language they are in. Never printed in a log or an error report by accident."""

    words: str
    hint: str
    language: str

    def __repr__(self) -> str:
        return "DoorWord(<sealed>)"

    __str__ = __repr__


Entry = tuple[str, str]


def _entry(line: str) -> Entry:
    if "|" in line:
        word, hint = (part.strip() for part in line.split("|", 1))
        return word, hint
    return line.replace(SYLLABLE, ""), line


@functools.cache
def word_lists(language: str) -> tuple[tuple[Entry, ...], tuple[Entry, ...]]:
    """The language's two lists of (word, hint); English for a language without lists."""
    path = LISTS_DIR / f"{language}.txt"
    if not path.exists():
        path = LISTS_DIR / "en.txt"
    lists: dict[str, list[Entry]] = {}
    section = ""
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            section = line.strip("[]")
            lists[section] = []
            continue
        lists[section].append(_entry(line))
    return tuple(lists["first"]), tuple(lists["second"])


def list_language(language: str) -> str:
    """The language whose lists a request of `language` draws from."""
    return language if (LISTS_DIR / f"{language}.txt").exists() else "en"


def choose(language: str) -> DoorWord:
    """A fresh door word in `language`, drawn with `secrets`."""
    first, second = word_lists(language)
    (word_a, hint_a), (word_b, hint_b) = secrets.choice(first), secrets.choice(second)
    return DoorWord(
        words=f"{word_a} {word_b}", hint=f"{hint_a} {hint_b}", language=list_language(language)
    )


def seal_word(door_word: DoorWord) -> bytes:
    """Seal under the current period (inside the transaction that stores it)."""
    values = {"words": door_word.words, "hint": door_word.hint, "language": door_word.language}
    return sealing.seal(json.dumps(values, ensure_ascii=False))


def sealed_new_word(language: str) -> bytes:
    return seal_word(choose(language))


def unseal_word(token: bytes | memoryview | None) -> DoorWord | None:
    """Open a sealed door word; None when there is none or it no longer opens (its key
    destroyed). Only the reveal service, `door_word_for_family` and re-sealing call it."""
    if not token:
        return None
    try:
        values = json.loads(sealing.unseal(bytes(token)))
    except (sealing.SealingError, ValueError):
        return None
    return DoorWord(words=values["words"], hint=values["hint"], language=values["language"])


def reseal_word(token: bytes | memoryview | None) -> bytes | None:
    """The same door word sealed again under the current keys (the re-seal job, key
    rotation). Raises SealingError when it does not open."""
    if not token:
        return None
    return sealing.seal(sealing.unseal(bytes(token)))


def door_word_for_family(household_request: HouseholdRequest) -> DoorWord | None:
    """The one small unsealer for the family (their status page) and the hotline's
    thank-you page: the word of an open delivery request, else None."""
    if household_request.fulfilment != Fulfilment.DELIVERY or not household_request.is_open:
        return None
    token = (
        SealedContact.objects.filter(request_id=household_request.pk)
        .values_list("sealed_word", flat=True)
        .first()
    )
    return unseal_word(token)


def door_words_replace(*, request_ids: list[int]) -> int:
    """Give each of these requests a new door word (a route taken back from its driver:
    whoever saw the old one no longer drives it). Runs in the caller's transaction;
    sealing takes the SEALING_KEYS lock shared. Returns how many were replaced."""
    if not request_ids:
        return 0
    # The keys' lock before the rows', in the re-seal job's order.
    take_turn(Turn.SEALING_KEYS, shared=True)
    rows = (
        SealedContact.objects.select_for_update(of=("self",))
        .filter(request_id__in=request_ids)
        .order_by("pk")
        .values_list("pk", "request__language")
    )
    replaced = 0
    for pk, language in rows:
        replaced += SealedContact.objects.filter(pk=pk).update(
            sealed_word=sealed_new_word(language)
        )
    return replaced
