"""Inventory: the catalogue, donations, stock lots and the append-only stock ledger."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from inventory.diet import diet_tag_labels, validate_diet_tags


class Category(models.Model):
    name = models.CharField(max_length=80, unique=True)
    sort_order = models.PositiveSmallIntegerField(default=100)

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name


# What an organizer edits of an item, on the catalogue page and through the API alike.
ITEM_FIELDS = [
    "name",
    "category",
    "unit",
    "perishable",
    "target_on_hand",
    "max_per_household",
    "diet_tags",
    "active",
]


class Item(models.Model):
    class Unit(models.TextChoices):
        EACH = "each", _("each")
        CAN = "can", _("can")
        BOX = "box", _("box")
        BAG = "bag", _("bag")
        BOTTLE = "bottle", _("bottle")
        PACK = "pack", _("pack")
        KG = "kg", _("kg")
        LB = "lb", _("lb")
        LITRE = "litre", _("litre")
        DOZEN = "dozen", _("dozen")

    name = models.CharField(max_length=120, unique=True)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="items")
    unit = models.CharField(max_length=16, choices=Unit.choices, default=Unit.EACH)
    perishable = models.BooleanField(default=False)
    target_on_hand = models.PositiveIntegerField(
        default=0, help_text="How many units the network wants on the shelves."
    )
    max_per_household = models.PositiveIntegerField(
        default=10, help_text="Most units one household may ask for in one request."
    )
    # A list of `inventory.diet.DietTag` values (a plain JSON list works on SQLite and
    # PostgreSQL alike, and allocation reads it with the item row it already fetches).
    # Empty: nothing is known, so the item goes to no household whose need must be tagged.
    diet_tags = models.JSONField(
        "diet tags",
        default=list,
        blank=True,
        validators=[validate_diet_tags],
        help_text=(
            "Which diets this item suits, and what it contains. Untagged items are "
            "never given to a household whose need must be tagged (halal, ...)."
        ),
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["category__sort_order", "category__name", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def diet_labels(self) -> list[str]:
        """The item's diet tags as the active language says them."""
        return diet_tag_labels(self.diet_tags)


# What an organizer edits of a location, on the catalogue page and through the API alike.
LOCATION_FIELDS = ["name", "notes", "address", "opening_hours", "public_pickup", "active"]


class Location(models.Model):
    """A place that holds stock. A public pickup point is one families may be sent to: its
    name, address and opening hours are shown on their status page (the pantry's, never a
    family's)."""

    name = models.CharField(max_length=120, unique=True)
    notes = models.CharField(max_length=500, blank=True)
    address = models.CharField(max_length=300, blank=True)
    opening_hours = models.CharField(
        max_length=200, blank=True, help_text="When families can pick up, e.g. Tue and Thu 4-7 pm."
    )
    public_pickup = models.BooleanField(
        default=False, help_text="Offer this place to families who choose pickup."
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Donation(models.Model):
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="donations")
    donor = models.CharField(max_length=200, blank=True)
    note = models.CharField(max_length=500, blank=True)
    received_at = models.DateTimeField(default=timezone.now)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-received_at", "-id"]

    def __str__(self) -> str:
        return f"Donation #{self.pk} at {self.location_id}"


class DonationLine(models.Model):
    donation = models.ForeignKey(Donation, on_delete=models.CASCADE, related_name="lines")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField()
    expires_on = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="donationline_quantity_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.item_id}"


class StockLot(models.Model):
    """Units of one item at one location with one expiry date.

    `on_hand` and `reserved` change only through `inventory.services.lots_change`; the
    database keeps 0 <= reserved <= on_hand whatever code writes to it.
    """

    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="lots")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="lots")
    donation_line = models.OneToOneField(
        DonationLine, null=True, blank=True, on_delete=models.PROTECT, related_name="lot"
    )
    expires_on = models.DateField(null=True, blank=True)
    on_hand = models.IntegerField(default=0)
    reserved = models.IntegerField(default=0)
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = [F("expires_on").asc(nulls_last=True), "id"]
        constraints = [
            models.CheckConstraint(condition=Q(on_hand__gte=0), name="stocklot_on_hand_gte_0"),
            models.CheckConstraint(condition=Q(reserved__gte=0), name="stocklot_reserved_gte_0"),
            models.CheckConstraint(
                condition=Q(reserved__lte=F("on_hand")), name="stocklot_reserved_lte_on_hand"
            ),
        ]
        indexes = [
            models.Index(fields=["item", "expires_on"], name="stocklot_item_expiry"),
        ]

    def __str__(self) -> str:
        return f"Lot #{self.pk}: {self.on_hand} x item {self.item_id}"

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


class StockMovement(models.Model):
    """One change to one lot. Append-only: rows are never updated or deleted."""

    class Kind(models.TextChoices):
        RECEIVED = "received", _("received")
        RESERVED = "reserved", _("reserved")
        RELEASED = "released", _("released")
        DISTRIBUTED = "distributed", _("distributed")
        ADJUSTED = "adjusted", _("adjusted")
        SPOILED = "spoiled", _("spoiled")

    lot = models.ForeignKey(StockLot, on_delete=models.PROTECT, related_name="movements")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    on_hand_delta = models.IntegerField(default=0)
    reserved_delta = models.IntegerField(default=0)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.kind} lot {self.lot_id}: {self.on_hand_delta:+}/{self.reserved_delta:+}"

    def clean(self) -> None:
        if not self._state.adding:
            raise ValidationError("The stock ledger is append-only.")
