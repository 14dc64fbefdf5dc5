"""Household requests: zones, requests and their lines, sealed contacts, allocations.

Contact details never sit in these tables in the clear: `SealedContact.sealed` is one
encrypted blob (see mutualaid.sealing) and the blind indexes are keyed hashes.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from household_requests.request_rules import Fulfilment
from inventory.models import Category, Item, Location, StockLot


class Zone(models.Model):
    """A coarse planning area, made of postal codes. The only location the queue shows."""

    name = models.CharField(max_length=80, unique=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ZonePostalCode(models.Model):
    zone = models.ForeignKey(Zone, on_delete=models.CASCADE, related_name="postal_codes")
    code = models.CharField(max_length=10, unique=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class RequestStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Received")
    MATCHED = "matched", _("Items set aside")
    SCHEDULED = "scheduled", _("Scheduled")
    OUT_FOR_DELIVERY = "out_for_delivery", _("On its way")
    DELIVERED = "delivered", _("Delivered")
    CANCELLED = "cancelled", _("Cancelled")
    CLOSED = "closed", _("Closed")


OPEN_STATUSES = (
    RequestStatus.SUBMITTED,
    RequestStatus.MATCHED,
    RequestStatus.SCHEDULED,
    RequestStatus.OUT_FOR_DELIVERY,
)
FINISHED_STATUSES = (RequestStatus.DELIVERED, RequestStatus.CANCELLED, RequestStatus.CLOSED)


class Urgency(models.IntegerChoices):
    NORMAL = 0, _("normal")
    URGENT = 1, _("urgent")
    EMERGENCY = 2, _("emergency")


class Channel(models.TextChoices):
    WEB = "web", _("public form")
    API = "api", _("partner API")
    HOTLINE = "hotline", _("hotline")


class CloseReason(models.TextChoices):
    """Why a request was closed unfulfilled: a choice, never free text."""

    NO_LONGER_NEEDED = "no_longer_needed", _("no longer needed")
    MOVED_AWAY = "moved_away", _("moved out of the area")
    DUPLICATE = "duplicate", _("duplicate of another request")
    CANNOT_SUPPLY = "cannot_supply", _("we cannot supply it")
    NOT_REACHABLE = "not_reachable", _("could not reach the family")
    DELIVERY_FAILED = "delivery_failed", _("could not be delivered after repeated attempts")
    OTHER = "other", _("other")


# What an organizer may choose; DELIVERY_FAILED is set by the deliveries themselves.
ORGANIZER_CLOSE_REASONS = [
    (value, label) for value, label in CloseReason.choices if value != CloseReason.DELIVERY_FAILED
]


class HouseholdRequest(models.Model):
    reference = models.CharField(max_length=9, unique=True)
    # SHA-256 of the status-link secret; the secret itself is only in the family's link.
    status_secret_hash = models.CharField(max_length=64)
    status = models.CharField(
        max_length=20, choices=RequestStatus.choices, default=RequestStatus.SUBMITTED
    )
    language = models.CharField(max_length=8, default="en")
    adults = models.PositiveSmallIntegerField(default=1)
    children = models.PositiveSmallIntegerField(default=0)
    infants = models.PositiveSmallIntegerField(default=0)
    dietary_needs = models.JSONField(default=list, blank=True)
    preferred_days = models.JSONField(default=list, blank=True)
    # None only for a pickup from outside every zone: counted apart as "outside the zones".
    zone = models.ForeignKey(
        Zone, null=True, blank=True, on_delete=models.PROTECT, related_name="requests"
    )
    fulfilment = models.CharField(
        max_length=10, choices=Fulfilment.choices, default=Fulfilment.DELIVERY
    )
    pickup_location = models.ForeignKey(
        Location, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    urgency = models.SmallIntegerField(choices=Urgency.choices, default=Urgency.NORMAL)
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.WEB)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    possible_duplicate = models.BooleanField(default=False)
    close_reason = models.CharField(max_length=20, choices=CloseReason.choices, blank=True)
    delivery_attempts = models.PositiveSmallIntegerField(default=0)
    # Set by route planning so the family's status page can say when to expect us.
    planned_for = models.DateField(null=True, blank=True)
    # The family said "not today, it isn't safe" on this day (issue 14): no stop of theirs
    # is shown or planned that day; the request is kept (household_requests.pauses).
    held_on = models.DateField(null=True, blank=True)
    submitted_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    contact_purged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-urgency", "submitted_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(adults__gte=0) & Q(children__gte=0) & Q(infants__gte=0),
                name="request_household_non_negative",
            ),
            models.CheckConstraint(
                condition=Q(adults__gt=0) | Q(children__gt=0) | Q(infants__gt=0),
                name="request_household_not_empty",
            ),
            models.CheckConstraint(
                condition=~Q(fulfilment="pickup") | Q(pickup_location__isnull=False),
                name="request_pickup_has_location",
            ),
            models.CheckConstraint(
                condition=Q(fulfilment="pickup") | Q(zone__isnull=False),
                name="request_delivery_has_zone",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "zone"], name="request_status_zone"),
            # The queue's order (issue 9): a page of it reads the index, not a sort of all.
            models.Index(fields=["-urgency", "submitted_at", "id"], name="request_queue_order"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def household_size(self) -> int:
        return self.adults + self.children + self.infants

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class RequestLine(models.Model):
    """A need: `quantity` of one item, or of any item in a category."""

    request = models.ForeignKey(HouseholdRequest, on_delete=models.CASCADE, related_name="lines")
    item = models.ForeignKey(
        Item, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    quantity = models.PositiveIntegerField()
    allocated = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="requestline_quantity_gt_0"),
            models.CheckConstraint(
                condition=Q(allocated__lte=models.F("quantity")),
                name="requestline_allocated_lte_quantity",
            ),
            models.CheckConstraint(
                condition=(Q(item__isnull=False) & Q(category__isnull=True))
                | (Q(item__isnull=True) & Q(category__isnull=False)),
                name="requestline_item_xor_category",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.item_id or f'category {self.category_id}'}"

    @property
    def label(self) -> str:
        """What the family asked for: the item, or any item of the category."""
        if self.item is not None:
            return self.item.name
        return self.category.name if self.category is not None else ""

    @property
    def shortfall(self) -> int:
        return self.quantity - self.allocated


class SealedContact(models.Model):
    """The family's contact details, sealed as one blob; destroyed on schedule."""

    request = models.OneToOneField(
        HouseholdRequest, on_delete=models.CASCADE, related_name="sealed_contact"
    )
    sealed = models.BinaryField()
    # The door word (household_requests.door_word), sealed on its own under the same period
    # keys, so it goes wherever the contact goes (purge, wipe, re-seal). None: from before.
    sealed_word = models.BinaryField(null=True, blank=True)
    phone_index = models.CharField(max_length=64, blank=True, db_index=True)
    address_index = models.CharField(max_length=64, blank=True, db_index=True)
    sealed_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"sealed contact of request {self.request_id}"


class Allocation(models.Model):
    """Units of one stock lot set aside for one request line."""

    line = models.ForeignKey(RequestLine, on_delete=models.CASCADE, related_name="allocations")
    lot = models.ForeignKey(StockLot, on_delete=models.PROTECT, related_name="allocations")
    quantity = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)
    # Set when the units were handed over; released allocations are deleted (the stock
    # ledger keeps their history).
    consumed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="allocation_quantity_gt_0"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} of lot {self.lot_id} for line {self.line_id}"


class PauseKind(models.TextChoices):
    """How long a zone was paused for: a choice, never free text."""

    HOUR = "hour", _("for an hour")
    DAY = "day", _("until the end of the day")
    LIFTED = "lifted", _("until lifted")
    MINUTES = "minutes", _("for some minutes")
    UNTIL = "until", _("until a set time")


class ZonePause(models.Model):
    """A zone where enforcement was reported: while `until` is ahead, nothing there is
    revealed, claimed, started, planned or announced (household_requests.pauses). One row
    per zone; pausing again only moves `until` later; an organizer's lift deletes it."""

    zone = models.OneToOneField(Zone, on_delete=models.CASCADE, related_name="pause")
    until = models.DateTimeField(db_index=True)
    kind = models.CharField(max_length=8, choices=PauseKind.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # Drivers on the zone's claimed or started routes were sent the hold notice.
    holds_sent_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"pause of zone {self.zone_id} until {self.until:%Y-%m-%d %H:%M}"


class PauseAction(models.TextChoices):
    PAUSE = "pause", _("paused")
    EXTEND = "extend", _("extended")
    LIFT = "lift", _("lifted")


class PauseEvent(models.Model):
    """The record: who paused, extended or lifted which zones, when, until when. No free
    text. Deleted after ZONE_PAUSE_RECORD_DAYS (household_requests.pauses)."""

    action = models.CharField(max_length=8, choices=PauseAction.choices)
    zones = models.ManyToManyField(Zone, related_name="+")
    until = models.DateTimeField(null=True, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.action} at {self.at:%Y-%m-%d %H:%M}"


class PickupPointZone(models.Model):
    """The zone a pickup point lies in: a paused zone pauses its pickup point too."""

    location = models.OneToOneField(Location, on_delete=models.CASCADE, related_name="+")
    zone = models.ForeignKey(Zone, on_delete=models.CASCADE, related_name="pickup_points")

    def __str__(self) -> str:
        return f"pickup point {self.location_id} in zone {self.zone_id}"


class LostLinkOutcome(models.TextChoices):
    CANCELLED = "cancelled", _("cancelled")
    NO_MATCH = "no_match", _("no request matched")
    SEVERAL = "several", _("more than one request could match")
    LIMITED = "limited", _("refused: too many tries this hour")


class LostLinkCancel(models.Model):
    """The record of the hotline's cancel by name and postal code (issue 14): who tried,
    when, what came of it, and the reference only when a request was cancelled. Never what
    was typed (household_requests.lost_link). Shown to every organizer."""

    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now, db_index=True)
    outcome = models.CharField(max_length=10, choices=LostLinkOutcome.choices)
    reference = models.CharField(max_length=9, blank=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.outcome} at {self.at:%Y-%m-%d %H:%M}"
