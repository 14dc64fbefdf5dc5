"""Forms for the organizer pages."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from inventory.models import Category, Item, Location

MAX_LINE_QUANTITY = 100_000


def item_choices() -> list[tuple[str, list[tuple[int, str]]] | tuple[str, str]]:
    """Active items grouped by category, for a <select> with optgroups (one query)."""
    groups: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for item in Item.objects.filter(active=True).select_related("category"):
        label = f"{item.name} ({item.get_unit_display()})" + (" *" if item.perishable else "")
        groups[item.category.name].append((item.pk, label))
    return [("", "---------"), *groups.items()]


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
        label=_("Expires on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Required for perishable items (*)."),
    )

    def __init__(self, *args: Any, choices: list[Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        item_field = self.fields["item"]
        assert isinstance(item_field, forms.TypedChoiceField)
        item_field.choices = choices if choices is not None else item_choices()

    def is_blank(self) -> bool:
        data = self.cleaned_data
        return not data.get("item") and not data.get("quantity") and not data.get("expires_on")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("item") and not data.get("quantity") and "quantity" not in self.errors:
            self.add_error("quantity", _("How many?"))
        if data.get("quantity") and not data.get("item") and "item" not in self.errors:
            self.add_error("item", _("Which item?"))
        return data


class BaseDonationLineFormSet(forms.BaseFormSet[DonationLineForm]):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._choices = item_choices()
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index: int | None) -> dict[str, Any]:
        return {"choices": self._choices}

    def clean(self) -> None:
        if any(self.errors):
            return
        if all(form.is_blank() for form in self.forms):
            raise forms.ValidationError(_("Add at least one item."))


DonationLineFormSet = forms.formset_factory(
    DonationLineForm, formset=BaseDonationLineFormSet, extra=6, max_num=50, absolute_max=50
)


class StockFilterForm(forms.Form):
    category = forms.ModelChoiceField(
        queryset=Category.objects.all(), required=False, label=_("Category")
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
        fields = ["name", "sort_order"]


class ItemForm(forms.ModelForm[Item]):
    class Meta:
        model = Item
        fields = [
            "name",
            "category",
            "unit",
            "perishable",
            "target_on_hand",
            "max_per_household",
            "active",
        ]


class LocationForm(forms.ModelForm[Location]):
    class Meta:
        model = Location
        fields = ["name", "notes", "active"]


class AdjustForm(forms.Form):
    delta = forms.IntegerField(
        label=_("Change (+ or -)"), min_value=-MAX_LINE_QUANTITY, max_value=MAX_LINE_QUANTITY
    )
    reason = forms.CharField(label=_("Reason"), max_length=300)
