"""Inventory: the catalogue, donations, stock lots and the append-only stock ledger."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from inventory.diet import diet_tag_labels, validate_diet_tags

# The families' languages a catalogue name is entered in, besides the original (English).
# Plain columns `name_<code>` on the same row: rendering a name in any language costs no
# query, and the API's `name` stays the original whatever language a client asks in.
NAME_LANGUAGES = ("es", "so", "hmn")
NAME_TRANSLATION_FIELDS = [f"name_{code}" for code in NAME_LANGUAGES]


def _name_column() -> str | None:
    """The translation column of the active language, if names are entered in it."""
    code = (get_language() or "").split("-")[0]
    return f"name_{code}" if code in NAME_LANGUAGES else None


def local_name_fields(prefix: str = "") -> list[str]:
    """What a `values()` read of catalogue rows fetches for `local_name_of`: the original
    name and each translation (`prefix` is the path to the row, e.g. "item__")."""
    return [f"{prefix}name", *(f"{prefix}{field}" for field in NAME_TRANSLATION_FIELDS)]


def local_name_of(row: dict[str, object], prefix: str = "") -> str:
    """A `values()` row's name in the active language, or its original name where no
    translation is entered (as `TranslatedName.local_name` does for a model)."""
    column = _name_column()
    translated = row.get(f"{prefix}{column}") if column else None
    return str(translated or row.get(f"{prefix}name") or "")


TRANSLATION_HELP = _("What families reading this language see. Blank: they see the original name.")
TRANSLATION_TAKEN = _("%(name)s already has this name in this language.")


def translation_clashes(
    model: type[TranslatedName], *, pk: int | None, names: dict[str, str]
) -> dict[str, str]:
    """Each translation (by field) that another row of the model already has in the same
    language, with the message that names that row: the form would show a family two
    inputs, or two categories, under one label. One query, none when nothing is entered."""
    entered = {field: value for field, value in names.items() if value}
    if not entered:
        return {}
    match = Q()
    for field, value in entered.items():
        match |= Q(**{f"{field}__iexact": value})
    clashes: dict[str, str] = {}
    others = model._default_manager.exclude(pk=pk).filter(match)
    for other in others.values("name", *entered):
        for field, value in entered.items():
            if str(other[field]).casefold() == value.casefold() and field not in clashes:
                clashes[field] = TRANSLATION_TAKEN % {"name": other["name"]}
    return clashes


class TranslatedName(models.Model):
    """A catalogue row whose name organizers also enter in the families' languages."""

    name_es = models.CharField(
        _("name in Spanish"), max_length=120, blank=True, help_text=TRANSLATION_HELP
    )
    name_so = models.CharField(
        _("name in Somali"), max_length=120, blank=True, help_text=TRANSLATION_HELP
    )
    name_hmn = models.CharField(
        _("name in Hmong"), max_length=120, blank=True, help_text=TRANSLATION_HELP
    )

    name: str  # the original, declared by each model

    class Meta:
        abstract = True

    @property
    def local_name(self) -> str:
        """The name in the active language; the original where no translation is entered."""
        column = _name_column()
        return (getattr(self, column) if column else "") or self.name

    @property
    def translated_into(self) -> list[str]:
        """The language codes this name is entered in (the catalogue page lists them)."""
        return [code for code in NAME_LANGUAGES if getattr(self, f"name_{code}")]

    def clean(self) -> None:
        super().clean()
        names = {field: getattr(self, field) for field in NAME_TRANSLATION_FIELDS}
        clashes = translation_clashes(type(self), pk=self.pk, names=names)
        if clashes:
            raise ValidationError(clashes)


# What an organizer edits of a category, on the catalogue page and through the API alike.
CATEGORY_FIELDS = ["name", *NAME_TRANSLATION_FIELDS, "sort_order"]


class Category(TranslatedName):
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
    *NAME_TRANSLATION_FIELDS,
    "category",
    "unit",
    "perishable",
    "target_on_hand",
    "max_per_household",
    "diet_tags",
    "active",
]


class Item(TranslatedName):
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
    # A void keeps the donation and its lines (the ledger holds what was taken back).
    voided_at = models.DateTimeField(null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    void_reason = models.CharField(max_length=300, blank=True)

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
        CORRECTED = "corrected", _("donation corrected")  # a donation's quantity fixed or voided
        TRANSFERRED = "transferred", _("transferred")  # moved between locations

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
