"""The request form (public and hotline), the status page's contact form, triage forms."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.validators import ProhibitNullCharactersValidator
from django.utils.translation import gettext_lazy as _

from household_requests import validation
from household_requests.contacts import Contact
from household_requests.models import Fulfilment, Urgency, Zone
from household_requests.services import LineInput, RequestInput
from inventory.models import Item, Location

DIETARY_CHOICES = [
    ("halal", _("Halal")),
    ("no_pork", _("No pork")),
    ("vegetarian", _("Vegetarian")),
    ("diabetic", _("Diabetic")),
    ("gluten_free", _("Gluten free")),
    ("lactose_free", _("No milk (lactose)")),
    ("nut_allergy", _("Nut allergy")),
]
DAY_CHOICES = [
    ("mon", _("Monday")),
    ("tue", _("Tuesday")),
    ("wed", _("Wednesday")),
    ("thu", _("Thursday")),
    ("fri", _("Friday")),
    ("sat", _("Saturday")),
    ("sun", _("Sunday")),
]

REQUIRED = _("Please fill in this field.")
WHOLE_NUMBER = _("Please enter a whole number.")
TOO_LONG = _("Please use at most %(limit_value)d characters.")
NOT_NEGATIVE = _("Please enter 0 or more.")
AT_MOST = _("Please enter %(limit_value)s or less.")
CONSENT_REQUIRED = _("Please tick this box so we can keep your details to deliver.")
CHOOSE_FROM_LIST = _("Please choose one of the options.")
CHECK_QUANTITIES = _("Please check the amounts marked below.")


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


def _count_field(label: Any, initial: int = 0, maximum: int = 20) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        min_value=0,
        max_value=maximum,
        initial=initial,
        required=False,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 0, "max": maximum}),
        error_messages={"invalid": WHOLE_NUMBER, "min_value": NOT_NEGATIVE, "max_value": AT_MOST},
    )


def _without_django_null_check(field: forms.CharField) -> forms.CharField:
    """Our validators refuse NUL themselves, in the family's language; Django's check would
    add a second, English-only message."""
    field.validators = [
        v for v in field.validators if not isinstance(v, ProhibitNullCharactersValidator)
    ]
    return field


def _text_field(label: Any, limit: int, *, required: bool = True, **kwargs: Any) -> forms.CharField:
    return _without_django_null_check(
        forms.CharField(
            label=label,
            max_length=limit,
            required=required,
            validators=[validation.validate_plain_text],
            error_messages={"required": REQUIRED, "max_length": TOO_LONG},
            **kwargs,
        )
    )


class ContactFields(forms.Form):
    """Name, phone, address, notes: typed in, sealed, never shown back."""

    name = _text_field(
        _("Name or nickname"),
        validation.NAME_MAX,
        help_text=_("Any name the driver can ask for. It does not need to be your legal name."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    phone = _without_django_null_check(
        forms.CharField(
            label=_("Phone number"),
            max_length=validation.PHONE_MAX,
            validators=[validation.validate_phone],
            error_messages={"required": REQUIRED, "max_length": TOO_LONG},
            widget=forms.TextInput(
                attrs={"type": "tel", "inputmode": "tel", "autocomplete": "off"}
            ),
        )
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

    def contact(self) -> Contact:
        data = self.cleaned_data
        return Contact(
            name=data["name"].strip(),
            phone=data["phone"].strip(),
            address=data.get("address", "").strip(),
            notes=data.get("notes", "").strip(),
            safe_to_call=bool(data.get("safe_to_call")),
            safe_to_text=bool(data.get("safe_to_text")),
        )


class RequestForm(ContactFields):
    """The public request form. One quantity field per catalogue item, grouped by category."""

    adults = _count_field(_("Adults"), initial=1)
    children = _count_field(_("Children (2 to 17)"))
    infants = _count_field(_("Babies (under 2)"))
    postal_code = forms.CharField(
        label=_("Postal code"),
        max_length=10,
        error_messages={
            "required": REQUIRED,
            "max_length": TOO_LONG,
            # Kept (a NUL would break the zone query), but in the family's language.
            "null_characters_not_allowed": validation.PLAIN_TEXT_ONLY,
        },
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "postal-code"}),
    )
    fulfilment = forms.ChoiceField(
        label=_("How do you want to receive it?"),
        choices=Fulfilment.choices,
        initial=Fulfilment.DELIVERY,
        widget=forms.RadioSelect,
        error_messages={"required": REQUIRED, "invalid_choice": CHOOSE_FROM_LIST},
    )
    pickup_location = forms.ModelChoiceField(
        label=_("Pickup place"),
        queryset=Location.objects.filter(active=True),
        empty_label=_("Choose a place"),
        required=False,
        error_messages={"invalid_choice": CHOOSE_FROM_LIST},
    )
    dietary_needs = forms.MultipleChoiceField(
        label=_("Food needs"),
        choices=DIETARY_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": CHOOSE_FROM_LIST},
    )
    preferred_days = forms.MultipleChoiceField(
        label=_("Good days for us to come"),
        choices=DAY_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": CHOOSE_FROM_LIST},
    )
    consent = forms.BooleanField(
        label=_("I understand how my details are kept and destroyed."),
        error_messages={"required": CONSENT_REQUIRED},
    )
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
        self.quantities: dict[int, int] = {}
        self.item_errors: dict[int, str] = {}
        self.zone: Zone | None = None

    @staticmethod
    def item_field_name(item: CatalogueEntry) -> str:
        return f"item_{item.pk}"

    def item_groups(self) -> list[tuple[str, list[ItemQuantity]]]:
        """Quantity inputs per category. Plain inputs, not form fields: a catalogue of 40
        items would otherwise build and deep-copy 40 fields on every submission."""
        groups: dict[str, list[ItemQuantity]] = defaultdict(list)
        for item in self.items:
            name = self.item_field_name(item)
            value = str(self.data.get(name, "")).strip()[:6] if self.is_bound else ""
            groups[item.category].append(
                ItemQuantity(item, name, value, self.item_errors.get(item.pk, ""))
            )
        return list(groups.items())

    def _clean_quantities(self) -> None:
        for item in self.items:
            raw = str(self.data.get(self.item_field_name(item), "")).strip()
            if raw == "":
                continue
            if raw.startswith("-") and raw[1:].isdigit():
                self.item_errors[item.pk] = str(NOT_NEGATIVE)
            elif not (raw.isascii() and raw.isdigit()) or len(raw) > 6:
                self.item_errors[item.pk] = str(WHOLE_NUMBER)
            elif int(raw) > item.max_per_household:
                self.item_errors[item.pk] = str(AT_MOST % {"limit_value": item.max_per_household})
            elif int(raw) > 0:
                self.quantities[item.pk] = int(raw)

    def is_spam(self) -> bool:
        return bool(self.data.get("website"))

    def clean_postal_code(self) -> str:
        code = validation.normalize_postal_code(self.cleaned_data["postal_code"])
        self.zone = validation.zone_for_postal_code(code)
        if self.zone is None:
            raise forms.ValidationError(validation.UNKNOWN_POSTAL_CODE)
        return code

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name in ("adults", "children", "infants"):
            if data.get(name) is None and name not in self.errors:
                data[name] = 0
        if not self.errors.keys() & {"adults", "children", "infants"} and (
            data["adults"] + data["children"] + data["infants"] < 1
        ):
            self.add_error("adults", validation.HOUSEHOLD_EMPTY)
        if data.get("fulfilment") == Fulfilment.PICKUP:
            if not data.get("pickup_location") and "pickup_location" not in self.errors:
                self.add_error("pickup_location", validation.PICKUP_LOCATION_REQUIRED)
        elif not (data.get("address") or "").strip() and "address" not in self.errors:
            self.add_error("address", validation.ADDRESS_REQUIRED)
        self._clean_quantities()
        if self.item_errors:
            raise forms.ValidationError(CHECK_QUANTITIES)
        if not self.quantities:
            raise forms.ValidationError(validation.NO_ITEMS)
        return data

    def lines(self) -> list[LineInput]:
        return [
            # An unsaved stand-in is enough: the service needs the id and the limit.
            LineInput(
                item=Item(pk=item.pk, name=item.name, max_per_household=item.max_per_household),
                quantity=self.quantities[item.pk],
            )
            for item in self.items
            if item.pk in self.quantities
        ]

    def request_input(self, language: str) -> RequestInput:
        data = self.cleaned_data
        return RequestInput(
            postal_code=data["postal_code"],
            zone=self.zone,
            contact=self.contact(),
            lines=self.lines(),
            adults=data["adults"],
            children=data["children"],
            infants=data["infants"],
            language=language,
            fulfilment=data["fulfilment"],
            pickup_location=data.get("pickup_location"),
            dietary_needs=data.get("dietary_needs") or [],
            preferred_days=data.get("preferred_days") or [],
        )


class UpdateContactForm(ContactFields):
    """On the status page: new details replace the sealed ones; old ones are not shown."""


class UrgencyForm(forms.Form):
    urgency = forms.TypedChoiceField(label=_("Urgency"), choices=Urgency.choices, coerce=int)


class CloseForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300)
