"""The request form (public and hotline), the status page's contact form, triage forms."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django import forms
from django.forms.utils import ErrorDict
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext_lazy as _

from household_requests import submission, validation
from household_requests.contacts import Contact
from household_requests.models import Fulfilment, Urgency
from household_requests.services import RequestInput
from household_requests.submission import Reading
from inventory.models import Item, Location


@dataclass(frozen=True)
class CatalogueEntry:
    """What the form needs of an item: read as plain values, no model instances."""

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


@dataclass(frozen=True)
class ItemQuantity:
    """One quantity input of the request form, as the template draws it."""

    item: CatalogueEntry
    name: str
    value: str
    error: str


def _count_field(label: Any, initial: int = 0) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        initial=initial,
        required=False,
        widget=forms.NumberInput(
            attrs={"inputmode": "numeric", "min": 0, "max": validation.MAX_PEOPLE_PER_GROUP}
        ),
    )


def _text_field(label: Any, limit: int, *, required: bool = True, **kwargs: Any) -> forms.CharField:
    return forms.CharField(label=label, max_length=limit, required=required, **kwargs)


class ReadForm(forms.Form):
    """A form that draws fields and shows the messages of a `submission` reading; the
    reading, not Django's field cleaning, decides what is valid."""

    def __init__(self, *args: Any, reading: Reading | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.reading = reading

    def read(self) -> Reading:
        raise NotImplementedError

    def posted(self) -> submission.Posted:
        data = self.data
        if isinstance(data, MultiValueDict):
            return data
        return MultiValueDict({key: [value] for key, value in data.items()})

    def full_clean(self) -> None:
        self._errors = ErrorDict(renderer=self.renderer)
        self.cleaned_data = {}
        if not self.is_bound:
            return
        if self.reading is None:
            self.reading = self.read()
        self.cleaned_data = dict(self.reading.values)
        for name, message in self.reading.errors:
            self.add_error(name if name in self.fields else None, message)


class ContactFields(ReadForm):
    """Name, phone, address, notes: typed in, sealed, never shown back."""

    name = _text_field(
        _("Name or nickname"),
        validation.NAME_MAX,
        help_text=_("Any name the driver can ask for. It does not need to be your legal name."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    phone = _text_field(
        _("Phone number"),
        validation.PHONE_MAX,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "off"}),
    )
    address = _text_field(
        _("Address for delivery"),
        validation.ADDRESS_MAX,
        required=False,
        help_text=_("Street, number and apartment. Not needed for pickup."),
        widget=forms.Textarea(attrs={"rows": 2, "autocomplete": "off"}),
    )
    notes = _text_field(
        _("Drop-off notes (optional)"),
        validation.NOTES_MAX,
        required=False,
        help_text=_("For example: knock twice, leave at the side door."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    safe_to_call = forms.BooleanField(label=_("It is safe to call this number"), required=False)
    safe_to_text = forms.BooleanField(label=_("It is safe to send text messages"), required=False)

    def read(self) -> Reading:
        return submission.read_contact(self.posted())

    def contact(self) -> Contact:
        assert self.reading is not None and self.reading.is_valid
        return self.reading.contact()


class RequestForm(ContactFields):
    """The public request form. Item quantities are plain inputs grouped by category."""

    adults = _count_field(_("Adults"), initial=1)
    children = _count_field(_("Children (2 to 17)"))
    infants = _count_field(_("Babies (under 2)"))
    postal_code = _text_field(
        _("Postal code"),
        submission.POSTAL_CODE_MAX,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "postal-code"}),
    )
    fulfilment = forms.ChoiceField(
        label=_("How do you want to receive it?"),
        choices=Fulfilment.choices,
        initial=Fulfilment.DELIVERY,
        widget=forms.RadioSelect,
    )
    pickup_location = forms.ModelChoiceField(
        label=_("Pickup place"),
        queryset=Location.objects.filter(active=True),
        empty_label=_("Choose a place"),
        required=False,
    )
    dietary_needs = forms.MultipleChoiceField(
        label=_("Food needs"),
        choices=submission.DIETARY_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    preferred_days = forms.MultipleChoiceField(
        label=_("Good days for us to come"),
        choices=submission.DAY_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    consent = forms.BooleanField(label=_("I understand how my details are kept and destroyed."))
    # Honeypot: hidden from people (and from the keyboard and autofill), filled in by bots.
    website = forms.CharField(
        required=False,
        label="Website",
        max_length=200,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    field_order = [
        "adults",
        "children",
        "infants",
        "postal_code",
        "fulfilment",
        "pickup_location",
    ]

    def __init__(
        self, *args: Any, items: list[CatalogueEntry] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.items = items if items is not None else catalogue()

    def read(self) -> Reading:
        return submission.read_request(self.posted())

    @property
    def item_errors(self) -> dict[int, str]:
        return self.reading.item_errors if self.is_bound and self.reading else {}

    def item_groups(self) -> list[tuple[str, list[ItemQuantity]]]:
        """Quantity inputs per category. Plain inputs, not form fields: a catalogue of 40
        items would otherwise build and deep-copy 40 fields for every page."""
        groups: dict[str, list[ItemQuantity]] = defaultdict(list)
        errors = self.item_errors
        for item in self.items:
            name = f"{submission.ITEM_PREFIX}{item.pk}"
            value = str(self.data.get(name, "")).strip()[:6] if self.is_bound else ""
            groups[item.category].append(ItemQuantity(item, name, value, errors.get(item.pk, "")))
        return list(groups.items())

    def request_input(self, language: str) -> RequestInput:
        assert self.reading is not None and self.reading.is_valid
        return self.reading.request_input(language)


class UpdateContactForm(ContactFields):
    """On the status page: new details replace the sealed ones; old ones are not shown."""


class UrgencyForm(forms.Form):
    urgency = forms.TypedChoiceField(label=_("Urgency"), choices=Urgency.choices, coerce=int)


class CloseForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300)
