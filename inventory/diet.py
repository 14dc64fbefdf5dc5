"""Diet tags on items, and each dietary need a family can ask for as a rule on those tags.

The one place that says which item suits which household: allocation asks `item_suits`,
the catalogue (page, API, admin) reads and checks tags through `read_diet_tags`.

A need is one of two kinds:

- "must be tagged": only an item tagged suitable passes (halal: only items tagged halal).
  An untagged item never passes: nobody has said it is halal, so it is not given.
- "must not be tagged": an item tagged as containing something never passes (no pork:
  never an item tagged pork); an untagged item passes.

An item tagged "not food" (diapers, soap, a coat) passes every need, and carries no other
tag. A need without a rule here (stored before a rule was removed) lets only such items
pass: unknown means no.

The needs' codes are the ones the request form offers; a test keeps the two lists the
same (inventory knows nothing of requests, so it cannot read that list itself).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class DietTag(models.TextChoices):
    # Suitable for ...
    HALAL = "halal", _("Halal")
    VEGETARIAN = "vegetarian", _("Vegetarian")
    DIABETIC_FRIENDLY = "diabetic_friendly", _("Diabetic-friendly")
    GLUTEN_FREE = "gluten_free", _("Gluten free")
    LACTOSE_FREE = "lactose_free", _("Lactose free")
    NUT_FREE = "nut_free", _("Nut free")
    # Contains ...
    PORK = "pork", _("Contains pork")
    MILK = "milk", _("Contains milk (lactose)")
    NUTS = "nuts", _("Contains nuts")
    GLUTEN = "gluten", _("Contains gluten")
    # Neither: no diet applies.
    NOT_FOOD = "not_food", _("Not food (no diet applies)")


class NeedKind(enum.StrEnum):
    MUST_BE_TAGGED = "must be tagged suitable"
    MUST_NOT_BE_TAGGED = "must not be tagged as containing"


@dataclass(frozen=True)
class NeedRule:
    """An item passes when it carries `requires` (if any) and none of `excludes`."""

    requires: DietTag | None = None
    excludes: frozenset[DietTag] = field(default_factory=frozenset)

    @property
    def kind(self) -> NeedKind:
        return NeedKind.MUST_NOT_BE_TAGGED if self.requires is None else NeedKind.MUST_BE_TAGGED


# Severe or strict needs (religion, allergy, celiac, diabetes) need a positive tag: an
# unchecked item may hide the thing. Pork and milk are plain on a label and an untagged
# shelf is mostly free of them, so those two needs only exclude.
NEED_RULES: Mapping[str, NeedRule] = {
    "halal": NeedRule(requires=DietTag.HALAL, excludes=frozenset({DietTag.PORK})),
    "no_pork": NeedRule(excludes=frozenset({DietTag.PORK})),
    "vegetarian": NeedRule(requires=DietTag.VEGETARIAN, excludes=frozenset({DietTag.PORK})),
    "diabetic": NeedRule(requires=DietTag.DIABETIC_FRIENDLY),
    "gluten_free": NeedRule(requires=DietTag.GLUTEN_FREE, excludes=frozenset({DietTag.GLUTEN})),
    "lactose_free": NeedRule(excludes=frozenset({DietTag.MILK})),
    "nut_allergy": NeedRule(requires=DietTag.NUT_FREE, excludes=frozenset({DietTag.NUTS})),
}

# Tags that contradict each other on one item.
CLASHES: frozenset[frozenset[DietTag]] = frozenset(
    {
        frozenset({DietTag.HALAL, DietTag.PORK}),
        frozenset({DietTag.VEGETARIAN, DietTag.PORK}),
        frozenset({DietTag.GLUTEN_FREE, DietTag.GLUTEN}),
        frozenset({DietTag.LACTOSE_FREE, DietTag.MILK}),
        frozenset({DietTag.NUT_FREE, DietTag.NUTS}),
    }
)

NOT_A_LIST = _("Please give the diet tags as a list.")
UNKNOWN_TAG = _("“%(tag)s” is not a diet tag. Please choose from: %(choices)s.")
TAGS_CLASH = _("An item cannot be tagged both “%(first)s” and “%(second)s”.")
NOT_FOOD_ALONE = _("An item that is not food carries no other diet tag.")

_ORDER = {tag: position for position, tag in enumerate(DietTag.values)}


def item_suits(needs: Iterable[str], tags: Iterable[str]) -> bool:
    """Whether an item with these diet tags may be given to a household with these needs.

    Pure: plain values in, no database. No needs: every item suits.
    """
    tagged = frozenset(tags)
    if tagged == {DietTag.NOT_FOOD}:
        return True
    for need in needs:
        rule = NEED_RULES.get(need)
        if rule is None:
            return False
        if rule.requires is not None and rule.requires not in tagged:
            return False
        if rule.excludes & tagged:
            return False
    return True


def read_diet_tags(value: Any) -> list[str]:
    """Tags as an organizer sent them, checked and in the one order; ValidationError
    (with a message that names the problem) for anything else."""
    if not isinstance(value, list | tuple):
        raise ValidationError(NOT_A_LIST, code="not_a_list")
    for tag in value:
        if not isinstance(tag, str) or tag not in _ORDER:
            raise ValidationError(
                UNKNOWN_TAG,
                code="invalid_choice",
                params={"tag": str(tag)[:40], "choices": ", ".join(DietTag.values)},
            )
    tags = sorted(set(value), key=_ORDER.__getitem__)
    if DietTag.NOT_FOOD in tags and len(tags) > 1:
        raise ValidationError(NOT_FOOD_ALONE, code="clash")
    for clash in CLASHES:
        if clash <= set(tags):
            first, second = sorted(clash, key=_ORDER.__getitem__)
            raise ValidationError(
                TAGS_CLASH, code="clash", params={"first": first.label, "second": second.label}
            )
    return tags


def validate_diet_tags(value: Any) -> None:
    """The model field's validator: the same check as `read_diet_tags`."""
    read_diet_tags(value)


def diet_tag_labels(tags: Iterable[str]) -> list[str]:
    """The tags' labels in the active language, skipping any this list no longer has."""
    return [str(DietTag(tag).label) for tag in tags if tag in _ORDER]
