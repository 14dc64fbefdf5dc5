"""The request form (public and hotline), the status page's contact form, triage forms.

The request and contact forms draw their inputs and hand what was typed to the request
rules, so that a family reads the same messages here as through the API; their fields
check nothing themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import groupby
from operator import itemgetter
from typing import Any

from django import forms
from django.conf import settings
from django.template.loader import render_to_string
from django.utils.choices import CallableChoiceIterator
from django.utils.safestring import SafeString
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from household_requests import request_check, request_rules
from household_requests.contacts import Contact
from household_requests.models import ORGANIZER_CLOSE_REASONS, Fulfilment, Urgency
from household_requests.request_check import RequestInput
from household_requests.request_rules import Problem
from inventory.models import Item, local_name_fields, local_name_of
from inventory.selectors import pickup_points

ITEM_PREFIX = "item_"
BODY_TEMPLATE = "household_requests/_request_fields.html"
CONTACT_BODY_TEMPLATE = "household_requests/_contact_form_body.html"
# What a blank form draws, by everything it depends on; see RequestForm.body_html.
_BLANK_BODIES: dict[tuple[object, ...], SafeString] = {}


def _keep_blank(key: tuple[object, ...], html: SafeString) -> SafeString:
    """Keep a blank form's drawing; a few at most (each language, the latest catalogue)."""
    if len(_BLANK_BODIES) >= 32:
        _BLANK_BODIES.clear()
    _BLANK_BODIES[key] = html
    return html


CONSENT_REQUIRED = _("Please tick this box so we can keep your details to deliver.")


@dataclass(frozen=True)
class CatalogueEntry:
    """What the form needs of an item."""

    pk: int
    name: str
    category: str
    max_per_household: int
    category_id: int


def catalogue() -> list[CatalogueEntry]:
    """Active items named in the active language (the original name where no translation
    is entered), in the organizers' order of categories and, within one, by the name the
    family reads. One query. The names are part of `RequestForm.body_html`'s key, so a
    translation entered in the catalogue is drawn on the next page."""
    rows = (
        Item.objects.filter(active=True)
        .order_by("category__sort_order", "category__name", "name")
        .values(
            "pk",
            "category_id",
            "max_per_household",
            *local_name_fields(),
            *local_name_fields("category__"),
        )
    )
    entries: list[CatalogueEntry] = []
    for _category, group in groupby(rows, key=itemgetter("category_id")):
        named = [
            CatalogueEntry(
                pk=row["pk"],
                name=local_name_of(row),
                category=local_name_of(row, "category__"),
                max_per_household=row["max_per_household"],
                category_id=row["category_id"],
            )
            for row in group
        ]
        entries.extend(sorted(named, key=lambda entry: entry.name.casefold()))
    return entries


def _pickup_places() -> list[tuple[Any, str]]:
    places = pickup_points().values_list("pk", "name")
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


AUTO_TEXTS_HELP = _(
    "Off unless you tick it. We would text the phone above only: when your delivery is on "
    "its way, when your pickup is ready, or if we missed you. The texts name no items, no "
    "address and no organization. The phone company and the text service see the number, "
    "the text and the time."
)


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
        attrs={"rows": 2, "autocomplete": "off"},
    )
    # Nothing preselected: the family chooses (see request_rules._read_reach).
    reach = _typed(
        _("How may the driver reach you before coming?"),
        forms.RadioSelect(attrs={"required": True}, choices=request_rules.FORM_REACH_CHOICES),
    )
    # Apart from the driver's call or text: automatic texts from the network (issue 13).
    auto_texts = _typed(
        _("Send me automatic text messages about my request"),
        _Tick(),
        help_text=AUTO_TEXTS_HELP,
    )

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
        # Off, as every contact field: a shared phone's autofill must not offer it (issue 14).
        attrs={"inputmode": "numeric", "autocomplete": "off", "required": True},
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

    def body_html(self) -> SafeString:
        """The form's inputs, drawn. A blank form draws the same for every visitor while
        the language, the catalogue and the pickup places stay the same, so each process
        draws it once per (language, catalogue, places): both lists are read on every
        request as the key, and a change to either draws it anew. The CSRF token is not in
        it (the page draws it around)."""
        context = {"form": self, "retention_days": settings.CONTACT_RETENTION_DAYS}
        if self.is_bound:
            return render_to_string(BODY_TEMPLATE, context)
        places = _pickup_places()
        key = (
            get_language(),
            self.auto_id,
            self.prefix,
            context["retention_days"],
            tuple(self.items),
            tuple(places),
        )
        html = _BLANK_BODIES.get(key)
        if html is None:
            self.fields["pickup_location"].widget.choices = places
            html = _keep_blank(key, render_to_string(BODY_TEMPLATE, context))
        return html

    def item_groups(self) -> list[tuple[str, list[forms.BoundField]]]:
        """The item inputs per category (by the category itself: two categories may read
        alike in a language where one of them has no translation yet)."""
        groups: dict[int, tuple[str, list[forms.BoundField]]] = {}
        for item in self.items:
            _name, inputs = groups.setdefault(item.category_id, (item.category, []))
            inputs.append(self[f"{ITEM_PREFIX}{item.pk}"])
        return list(groups.values())


class UpdateContactForm(ContactForm):
    """On the status page: new details replace the sealed ones; old ones are not shown."""

    field_order = ["name", "phone", "address", "postal_code", "notes", "reach"]
    # Sealed with the address, for the driver's map; the request's zone stays as it is.
    postal_code = _text(
        _("Postal code"),
        request_rules.POSTAL_CODE_MAX,
        attrs={"inputmode": "numeric", "autocomplete": "off"},
    )

    def body_html(self) -> SafeString:
        """The form's inputs, drawn; a blank form once per process and language (as
        RequestForm.body_html). The CSRF token is not in it."""
        if self.is_bound:
            return render_to_string(CONTACT_BODY_TEMPLATE, {"form": self})
        key = ("contact", get_language(), self.auto_id, self.prefix)
        html = _BLANK_BODIES.get(key)
        if html is None:
            html = _keep_blank(key, render_to_string(CONTACT_BODY_TEMPLATE, {"form": self}))
        return html


class UrgencyForm(forms.Form):
    urgency = forms.TypedChoiceField(label=_("Urgency"), choices=Urgency.choices, coerce=int)


class CloseForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Reason"), choices=[("", "---------"), *ORGANIZER_CLOSE_REASONS]
    )
