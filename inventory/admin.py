from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from inventory.forms import ItemForm
from inventory.models import (
    NAME_TRANSLATION_FIELDS,
    Category,
    Donation,
    DonationLine,
    Item,
    Location,
    StockLot,
    StockMovement,
)
from mutualaid.admin import ReadOnlyAdmin


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin[Category]):
    list_display = ["name", *NAME_TRANSLATION_FIELDS, "sort_order"]
    search_fields = ["name", *NAME_TRANSLATION_FIELDS]


@admin.register(Item)
class ItemAdmin(admin.ModelAdmin[Item]):
    # The catalogue page's form: diet tags as checkboxes, checked by `inventory.diet`.
    form = ItemForm
    list_display = [
        "name",
        "category",
        "unit",
        "perishable",
        "target_on_hand",
        "diet",
        "active",
    ]
    list_filter = ["category", "perishable", "active"]
    list_select_related = ["category"]
    search_fields = ["name", *NAME_TRANSLATION_FIELDS]

    @admin.display(description=_("Diet tags"))
    def diet(self, item: Item) -> str:
        return ", ".join(item.diet_labels) or str(_("not tagged"))


@admin.register(Location)
class LocationAdmin(admin.ModelAdmin[Location]):
    list_display = ["name", "public_pickup", "active"]
    list_filter = ["public_pickup", "active"]


class DonationLineInline(admin.TabularInline[DonationLine, Donation]):
    model = DonationLine
    extra = 0
    can_delete = False
    readonly_fields = ["item", "quantity", "expires_on"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Donation)
class DonationAdmin(ReadOnlyAdmin):
    list_display = ["id", "received_at", "location", "donor"]
    list_select_related = ["location"]
    inlines = [DonationLineInline]


@admin.register(StockLot)
class StockLotAdmin(ReadOnlyAdmin):
    list_display = ["id", "item", "location", "expires_on", "on_hand", "reserved"]
    list_filter = ["location", "item__category"]
    list_select_related = ["item", "location"]


@admin.register(StockMovement)
class StockMovementAdmin(ReadOnlyAdmin):
    list_display = ["id", "created_at", "lot", "kind", "on_hand_delta", "reserved_delta", "actor"]
    list_filter = ["kind"]
    list_select_related = ["actor"]
