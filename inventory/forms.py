"""Forms for the organizer pages."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from inventory.diet import DietTag, read_diet_tags
from inventory.models import (
    CATEGORY_FIELDS,
    ITEM_FIELDS,
    LOCATION_FIELDS,
    Category,
    Item,
    Location,
)
from mutualaid.timeutil import local_today

MAX_LINE_QUANTITY = 100_000
# Rows the intake page shows at first; more come from intake.js or `?rows=` without it.
INTAKE_ROWS = 3
MAX_INTAKE_ROWS = 50


ItemChoices = list[tuple[str, list[tuple[int, str]]] | tuple[str, str]]


@dataclass(frozen=True)
class ItemMenu:
    """The intake page's item <select>: active items grouped by category."""

    choices: ItemChoices
    perishable: frozenset[int]


def item_menu() -> ItemMenu:
    """Active items grouped by category, perishables marked with * (one query)."""
    groups: dict[str, list[tuple[int, str]]] = defaultdict(list)
    perishable: set[int] = set()
    for item in Item.objects.filter(active=True).select_related("category"):
        label = f"{item.name} ({item.get_unit_display()})" + (" *" if item.perishable else "")
        groups[item.category.name].append((item.pk, label))
        if item.perishable:
            perishable.add(item.pk)
    return ItemMenu(choices=[("", "---------"), *groups.items()], perishable=frozenset(perishable))


class ItemSelect(forms.Select):
    """A <select> whose perishable options carry data-perishable, for static/js/intake.js."""

    def __init__(self, *args: Any, perishable: frozenset[int] = frozenset(), **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.perishable = perishable

    def create_option(self, name: str, value: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(name, value, *args, **kwargs)
        if value in self.perishable:
            option["attrs"]["data-perishable"] = ""
        return option


class DonationForm(forms.Form):
    location = forms.ModelChoiceField(
        queryset=Location.objects.filter(active=True), label=_("Location"), empty_label=None
    )
    donor = forms.CharField(label=_("Donor (optional)"), max_length=200, required=False)
    note = forms.CharField(label=_("Note (optional)"), max_length=500, required=False)


class DonationLineForm(forms.Form):
    item = forms.TypedChoiceField(label=_("Item"), coerce=int, required=False)
    quantity = forms.IntegerField(
        label=_("Quantity"), min_value=1, max_value=MAX_LINE_QUANTITY, required=False
    )
    expires_on = forms.DateField(
        label=_("Expires on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, menu: ItemMenu | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        menu = menu if menu is not None else item_menu()
        item_field = self.fields["item"]
        assert isinstance(item_field, forms.TypedChoiceField)
        item_field.widget = ItemSelect(perishable=menu.perishable)
        item_field.choices = menu.choices
        # Phones open the date picker at today and grey out past days; the service checks too.
        self.fields["expires_on"].widget.attrs["min"] = local_today().isoformat()

    def is_blank(self) -> bool:
        data = self.cleaned_data
        return not data.get("item") and not data.get("quantity") and not data.get("expires_on")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.is_blank() or self.errors:
            return data
        if not data.get("item"):
            self.add_error("item", _("Which item?"))
        if not data.get("quantity"):
            self.add_error("quantity", _("How many?"))
        return data


class BaseDonationLineFormSet(forms.BaseFormSet[DonationLineForm]):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._menu = item_menu()
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index: int | None) -> dict[str, Any]:
        return {"menu": self._menu}

    def clean(self) -> None:
        if any(self.errors):
            return
        if all(form.is_blank() for form in self.forms):
            raise forms.ValidationError(_("Add at least one item."))


DonationLineFormSet = forms.formset_factory(
    DonationLineForm,
    formset=BaseDonationLineFormSet,
    extra=INTAKE_ROWS,
    max_num=MAX_INTAKE_ROWS,
    absolute_max=MAX_INTAKE_ROWS,
)


class StockFilterForm(forms.Form):
    category = forms.ModelChoiceField(
        queryset=Category.objects.all(),
        required=False,
        label=_("Category"),
        empty_label=_("All categories"),
    )
    show = forms.ChoiceField(
        required=False,
        label=_("Show"),
        choices=[
            ("", _("All items")),
            ("below_target", _("Below target")),
            ("in_stock", _("In stock")),
        ],
    )


class CategoryForm(forms.ModelForm[Category]):
    class Meta:
        model = Category
        fields = CATEGORY_FIELDS


class ItemForm(forms.ModelForm[Item]):
    diet_tags = forms.MultipleChoiceField(
        label=_("Diet tags"),
        choices=DietTag.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Tick what the label shows. An untagged item is never given to a household "
            "that asked for halal, vegetarian, diabetic, gluten free or nut free food."
        ),
    )

    class Meta:
        model = Item
        fields = ITEM_FIELDS

    def clean_diet_tags(self) -> list[str]:
        return read_diet_tags(self.cleaned_data["diet_tags"])


class LocationForm(forms.ModelForm[Location]):
    class Meta:
        model = Location
        fields = LOCATION_FIELDS


class AdjustForm(forms.Form):
    delta = forms.IntegerField(
        label=_("Change (+ or -)"), min_value=-MAX_LINE_QUANTITY, max_value=MAX_LINE_QUANTITY
    )
    reason = forms.CharField(label=_("Reason"), max_length=300)


class ReasonForm(forms.Form):
    """The one field a void or a count needs: why, for the ledger."""

    reason = forms.CharField(label=_("Reason"), max_length=300)


class TransferForm(forms.Form):
    to_location = forms.ModelChoiceField(
        queryset=Location.objects.filter(active=True),
        label=_("Move to"),
        empty_label=None,
    )
    quantity = forms.IntegerField(
        label=_("Units to move"), min_value=1, max_value=MAX_LINE_QUANTITY
    )
    reason = forms.CharField(label=_("Note (optional)"), max_length=200, required=False)

    def __init__(self, *args: Any, here: Location, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["to_location"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Location.objects.filter(active=True).exclude(pk=here.pk)


class CorrectionForm(forms.Form):
    """A donation's lines with the quantity that really came: one field per line."""

    reason = forms.CharField(label=_("Reason"), max_length=300)

    def __init__(self, *args: Any, lines: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lines = lines
        for line in lines:
            self.fields[f"line_{line.pk}"] = forms.IntegerField(
                label=line.item.name,
                min_value=1,
                max_value=MAX_LINE_QUANTITY,
                initial=line.quantity,
            )

    def quantities(self) -> dict[int, int]:
        return {line.pk: self.cleaned_data[f"line_{line.pk}"] for line in self.lines}

    def field_of(self, index: int) -> str:
        return f"line_{self.lines[index].pk}"


class CountForm(forms.Form):
    """A stock count: one optional "counted" field per lot of a location, and the on-hand
    figure the page showed for it (hidden), so posting can tell a lot that changed since."""

    def __init__(self, *args: Any, lots: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lots = lots
        for lot in lots:
            self.fields[f"counted_{lot.pk}"] = forms.IntegerField(
                label=_("Counted"), min_value=0, max_value=MAX_LINE_QUANTITY, required=False
            )
            self.fields[f"seen_{lot.pk}"] = forms.IntegerField(
                initial=lot.on_hand, widget=forms.HiddenInput, min_value=0, required=False
            )

    def rows(self) -> list[tuple[Any, forms.BoundField, forms.BoundField]]:
        """Each lot with its counted field and its hidden on-hand figure, for the template."""
        return [(lot, self[f"counted_{lot.pk}"], self[f"seen_{lot.pk}"]) for lot in self.lots]

    def counts(self) -> list[tuple[int, int, int]]:
        """(lot id, counted, on hand seen) for every lot given a count; blank means not
        counted."""
        return [
            (lot.pk, self.cleaned_data[f"counted_{lot.pk}"], self.cleaned_data[f"seen_{lot.pk}"])
            for lot in self.lots
            # A lot the page did not show (no figure seen) was not counted.
            if self.cleaned_data.get(f"counted_{lot.pk}") is not None
            and self.cleaned_data.get(f"seen_{lot.pk}") is not None
        ]
