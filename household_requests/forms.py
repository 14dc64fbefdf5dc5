"""The request form (public and hotline), the status page's contact form, triage forms.

The request and contact forms draw their inputs and hand what was typed to the request
rules, so that a family reads the same messages here as through the API; their fields
check nothing themselves.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django import forms
from django.utils.choices import CallableChoiceIterator
from django.utils.translation import gettext_lazy as _

from household_requests import request_check, request_rules
from household_requests.contacts import Contact
from household_requests.models import Fulfilment, Urgency
from household_requests.request_check import RequestInput
from household_requests.request_rules import Problem
from inventory.models import Item, Location

ITEM_PREFIX = "item_"
CONSENT_REQUIRED = _("Please tick this box so we can keep your details to deliver.")


@dataclass(frozen=True)
class CatalogueEntry:
    """What the form needs of an item."""

    pk: int
    name: str
    category: str
    max_per_household: int


def catalogue() -> list[CatalogueEntry]:
    rows = (
        Item.objects.filter(active=True)
        .order_by("category__sort_order", "category__name", "name")
        .values_list("pk", "name", "category__name", "max_per_household")
    )
    return [CatalogueEntry(*row) for row in rows]


def _pickup_places() -> list[tuple[Any, str]]:
    places = Location.objects.filter(active=True).order_by("name").values_list("pk", "name")
    return [("", str(_("Choose a place"))), *places]


def _typed(label: Any, widget: forms.Widget | type[forms.Widget], **kwargs: Any) -> forms.Field:
    """An input that hands over what was typed, unchecked: the request rules check it."""
    return forms.Field(label=label, required=False, widget=widget, **kwargs)


class _Tick(forms.CheckboxInput):
    """A checkbox that hands over what was posted; the request rules decide what is yes."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, check_test=request_rules.ticked)

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        return data.get(name)


def _text(
    label: Any, limit: int, widget: type[forms.Widget] = forms.TextInput, **kwargs: Any
) -> forms.Field:
    attrs = {"maxlength": limit, **kwargs.pop("attrs", {})}
    return _typed(label, widget(attrs=attrs), **kwargs)


def _count(label: Any, initial: int = 0) -> forms.Field:
    attrs = {"inputmode": "numeric", "min": 0, "max": request_rules.MAX_PEOPLE_PER_GROUP}
    return _typed(label, forms.NumberInput(attrs=attrs), initial=initial)


class ContactForm(forms.Form):
    """Name, phone, address, notes: typed in, sealed, never shown back."""

    name = _text(
        _("Name or nickname"),
        request_rules.NAME_MAX,
        help_text=_("Any name the driver can ask for. It does not need to be your legal name."),
        attrs={"autocomplete": "off", "required": True},
    )
    phone = _text(
        _("Phone number"),
        request_rules.PHONE_MAX,
        attrs={"type": "tel", "inputmode": "tel", "autocomplete": "off", "required": True},
    )
    address = _text(
        _("Address for delivery"),
        request_rules.ADDRESS_MAX,
        forms.Textarea,
        help_text=_("Street, number and apartment. Not needed for pickup."),
        attrs={"rows": 2, "autocomplete": "off"},
    )
    notes = _text(
        _("Drop-off notes (optional)"),
        request_rules.NOTES_MAX,
        forms.Textarea,
        help_text=_("For example: knock twice, leave at the side door."),
        attrs={"rows": 2},
    )
    safe_to_call = _typed(_("It is safe to call this number"), _Tick)
    safe_to_text = _typed(_("It is safe to send text messages"), _Tick)

    def show_problems(self, problems: list[Problem]) -> None:
        for problem in problems:
            self.add_error(self.field_of(problem), problem.message)

    def field_of(self, problem: Problem) -> str | None:
        return problem.field if problem.field in self.fields else None

    def clean(self) -> dict[str, Any]:
        reading = request_rules.read_contact(self.cleaned_data)
        self.show_problems(reading.problems)
        return reading.values

    def contact(self) -> Contact:
        assert self.is_valid()
        return Contact(**{name: self.cleaned_data[name] for name in request_rules.CONTACT_FIELDS})


class RequestForm(ContactForm):
    """The request form: household, place, needs (one input per catalogue item, grouped by
    category), contact and consent. Read as the API reads a request: an amount typed next
    to an item is the line `{"item": id, "quantity": amount}`."""

    adults = _count(_("Adults"), initial=1)
    children = _count(_("Children (2 to 17)"))
    infants = _count(_("Babies (under 2)"))
    postal_code = _text(
        _("Postal code"),
        request_rules.POSTAL_CODE_MAX,
        attrs={"inputmode": "numeric", "autocomplete": "postal-code", "required": True},
    )
    fulfilment = _typed(
        _("How do you want to receive it?"),
        forms.RadioSelect(attrs={"required": True}, choices=Fulfilment.choices),
        initial=Fulfilment.DELIVERY,
    )
    pickup_location = _typed(
        _("Pickup place"), forms.Select(choices=CallableChoiceIterator(_pickup_places))
    )
    dietary_needs = _typed(
        _("Food needs"), forms.CheckboxSelectMultiple(choices=request_rules.DIETARY_CHOICES)
    )
    preferred_days = _typed(
        _("Good days for us to come"),
        forms.CheckboxSelectMultiple(choices=request_rules.DAY_CHOICES),
    )
    consent = forms.BooleanField(
        label=_("I understand how my details are kept and destroyed."),
        error_messages={"required": CONSENT_REQUIRED},
    )
    # Honeypot: hidden from people (and from the keyboard and autofill), filled in by bots.
    website = _text("Website", 200, attrs={"tabindex": "-1", "autocomplete": "off"})

    def __init__(self, *args: Any, language: str = "en", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.language = language
        self.items = catalogue()
        self.line_items: list[CatalogueEntry] = []  # the item of each line sent, in order
        self.checked: request_check.CheckedRequest | None = None
        for item in self.items:
            attrs = {"min": 0, "max": item.max_per_household, "inputmode": "numeric"}
            self.fields[f"{ITEM_PREFIX}{item.pk}"] = _typed(item.name, forms.NumberInput(attrs))

    @property
    def is_spam(self) -> bool:
        return bool(self.data.get("website"))

    def clean(self) -> dict[str, Any]:
        typed = self.cleaned_data
        values = {name: typed.get(name) for name in request_rules.REQUEST_FIELDS}
        amounts = {
            item.pk: (typed.get(f"{ITEM_PREFIX}{item.pk}") or "").strip() for item in self.items
        }
        # A blank input next to an item is not a line: the page offers every item.
        self.line_items = [item for item in self.items if amounts[item.pk]]
        values["lines"] = [
            {"item": item.pk, "quantity": amounts[item.pk]} for item in self.line_items
        ]
        self.checked = request_check.check_request(values, language=self.language)
        self.show_problems(self.checked.problems)
        return typed

    def field_of(self, problem: Problem) -> str | None:
        """A line's problem shows next to its item; one about all the lines, above them."""
        if problem.index is not None:
            return f"{ITEM_PREFIX}{self.line_items[problem.index].pk}"
        return super().field_of(problem)

    def request_input(self) -> RequestInput:
        assert self.is_valid() and self.checked is not None and self.checked.data is not None
        return self.checked.data

    @property
    def has_item_errors(self) -> bool:
        return any(name.startswith(ITEM_PREFIX) for name in self.errors)

    def item_groups(self) -> list[tuple[str, list[forms.BoundField]]]:
        """The item inputs per category."""
        groups: dict[str, list[forms.BoundField]] = defaultdict(list)
        for item in self.items:
            groups[item.category].append(self[f"{ITEM_PREFIX}{item.pk}"])
        return list(groups.items())


class UpdateContactForm(ContactForm):
    """On the status page: new details replace the sealed ones; old ones are not shown."""


class UrgencyForm(forms.Form):
    urgency = forms.TypedChoiceField(label=_("Urgency"), choices=Urgency.choices, coerce=int)


class CloseForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300)
