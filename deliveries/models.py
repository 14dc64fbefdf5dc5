"""Deliveries: drivers, routes, stops, offers and the log of every contact reveal."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from household_requests.models import HouseholdRequest, Zone
from inventory.models import Location


class Driver(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="driver_profile"
    )
    zones = models.ManyToManyField(Zone, blank=True, related_name="drivers")
    vehicle_capacity = models.PositiveIntegerField(
        default=120, help_text="Units the car carries on one route."
    )
    available_days = models.JSONField(
        default=list, blank=True, help_text="Weekdays: mon, tue, ... Empty means any day."
    )
    vetted = models.BooleanField(default=False)
    max_active_routes = models.PositiveSmallIntegerField(default=2)
    active = models.BooleanField(default=True)
    # The driver's own settings (deliveries.driver_settings): how notices reach them, in
    # which language. Blank channel: the network's default (NOTIFY_DRIVER_DEFAULT).
    notice_channel = models.CharField(max_length=8, blank=True, default="")
    # Sealed (deliveries.driver_numbers), never stored or shown in clear.
    notice_number = models.BinaryField(null=True, blank=True, editable=False)
    language = models.CharField(max_length=8, default="en")

    class Meta:
        ordering = ["user__username"]

    def __str__(self) -> str:
        return self.user.get_username()

    @property
    def trusted(self) -> bool:
        """May hold routes and see their families' contacts: vetted, active, can log in."""
        return self.vetted and self.active and self.user.is_active


class RouteStatus(models.TextChoices):
    OPEN = "open", _("open")
    CLAIMED = "claimed", _("claimed")
    IN_PROGRESS = "in_progress", _("in progress")
    COMPLETED = "completed", _("completed")
    CANCELLED = "cancelled", _("cancelled")


ACTIVE_ROUTE_STATUSES = (RouteStatus.CLAIMED, RouteStatus.IN_PROGRESS)


class Route(models.Model):
    zone = models.ForeignKey(Zone, on_delete=models.PROTECT, related_name="routes")
    service_date = models.DateField()
    window_start = models.TimeField()
    window_end = models.TimeField()
    status = models.CharField(max_length=12, choices=RouteStatus.choices, default=RouteStatus.OPEN)
    driver = models.ForeignKey(
        Driver, null=True, blank=True, on_delete=models.PROTECT, related_name="routes"
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    release_count = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    # Where its stock is packed: the location holding most of its stops' reserved units
    # (set at planning, deliveries.planning.route_pantries_set).
    pantry = models.ForeignKey(
        Location, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # An organizer's offer to one driver: counts only while the route is open and on that
    # driver's board (deliveries.access.offered_to); accepting is a claim.
    offered_to = models.ForeignKey(
        Driver, null=True, blank=True, on_delete=models.SET_NULL, related_name="offered_routes"
    )
    offered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["service_date", "window_start", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status__in=["claimed", "in_progress"]) | Q(driver__isnull=False),
                name="route_active_has_driver",
            ),
            models.CheckConstraint(
                condition=~Q(status="open") | Q(driver__isnull=True),
                name="route_open_has_no_driver",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "zone", "service_date"], name="route_board"),
            # The route lists' order (issue 9): a page of them reads the index, not a sort.
            models.Index(fields=["service_date", "window_start", "id"], name="route_list_order"),
        ]

    def __str__(self) -> str:
        return f"Route #{self.pk} {self.zone_id} {self.service_date}"


class StopOutcome(models.TextChoices):
    PENDING = "pending", _("to deliver")
    DELIVERED = "delivered", _("delivered")
    FAILED = "failed", _("failed")
    CANCELLED = "cancelled", _("cancelled by the family")
    # A zone paused for safety, or the family said "not today": never an attempt, never
    # closes the request, never counts toward a driver's limits (deliveries.services).
    HELD = "held", _("held for safety")


class FailureReason(models.TextChoices):
    """Why a stop could not be delivered: a choice, never free text (nothing typed about a
    household is stored unsealed)."""

    NOBODY_HOME = "nobody_home", _("nobody home")
    WRONG_ADDRESS = "wrong_address", _("wrong or missing address")
    UNSAFE = "unsafe", _("unsafe to approach")
    REFUSED = "refused", _("refused the delivery")
    OTHER = "other", _("other, or could not reach")


class Stop(models.Model):
    route = models.ForeignKey(Route, on_delete=models.CASCADE, related_name="stops")
    request = models.ForeignKey(HouseholdRequest, on_delete=models.PROTECT, related_name="stops")
    sequence = models.PositiveSmallIntegerField()
    load = models.PositiveIntegerField(default=0)
    outcome = models.CharField(
        max_length=10, choices=StopOutcome.choices, default=StopOutcome.PENDING
    )
    attempt = models.PositiveSmallIntegerField(default=1)
    completed_at = models.DateTimeField(null=True, blank=True)
    failure_reason = models.CharField(
        max_length=16, choices=FailureReason.choices, blank=True, default=""
    )

    class Meta:
        ordering = ["route_id", "sequence", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(outcome="failed") | Q(failure_reason=""),
                name="stop_reason_only_when_failed",
            ),
            models.UniqueConstraint(
                fields=["request"],
                condition=Q(outcome="pending"),
                name="stop_one_pending_per_request",
            ),
        ]

    def __str__(self) -> str:
        return f"Stop {self.sequence} of route {self.route_id}"


class RouteOffer(models.Model):
    """A driver was told about an open route (so offers are not repeated)."""

    route = models.ForeignKey(Route, on_delete=models.CASCADE, related_name="offers")
    driver = models.ForeignKey(Driver, on_delete=models.CASCADE, related_name="offers")
    offered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["route", "driver"], name="offer_once_per_driver"),
        ]

    def __str__(self) -> str:
        return f"offer of route {self.route_id} to {self.driver_id}"


class DriverActionKind(models.TextChoices):
    CLAIM = "claim", _("claim")
    RELEASE = "release", _("release")


class DriverAction(models.Model):
    """A driver claimed or released a route: counted for the daily limits and to flag a
    driver who claims and releases over and over (a way to look at many routes)."""

    driver = models.ForeignKey(Driver, on_delete=models.CASCADE, related_name="actions")
    route = models.ForeignKey(Route, null=True, on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(max_length=8, choices=DriverActionKind.choices)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["driver", "kind", "at"], name="driver_action_count"),
            models.Index(fields=["kind", "at"], name="driver_action_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} of route {self.route_id} by {self.driver_id}"


class RevealChannel(models.TextChoices):
    PAGE = "page", _("route page")
    API = "api", _("API")


class ContactReveal(models.Model):
    """Someone was shown a stop's contact details. Who, which stop, when, how."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="contact_reveals"
    )
    stop = models.ForeignKey(Stop, on_delete=models.PROTECT, related_name="reveals")
    channel = models.CharField(max_length=8, choices=RevealChannel.choices)
    revealed_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-revealed_at", "-id"]

    def __str__(self) -> str:
        return f"reveal of stop {self.stop_id} to {self.user_id}"


class NoticeKind(models.TextChoices):
    ROUTE_OFFERED = "route_offered", _("route offered")
    ROUTE_REMINDER = "route_reminder", _("reminder on the route's day")
    CLAIM_ENDED = "claim_ended", _("claim released or taken back")
    HOLD = "hold", _("held for safety")
    ON_ITS_WAY = "on_its_way", _("on its way today")
    READY_FOR_PICKUP = "ready_for_pickup", _("ready for pickup")
    MISSED = "missed", _("we missed you")


class NoticeChannel(models.TextChoices):
    CONSOLE = "console", _("the server's log")
    EMAIL = "email", _("email")
    SIGNAL = "signal", _("Signal")
    SMS = "sms", _("text message (SMS)")


class NoticeOutcome(models.TextChoices):
    PENDING = "pending", _("waiting")
    SENT = "sent", _("sent")
    FAILED = "failed", _("failed")
    SKIPPED = "skipped", _("not sent")


class NoticeSent(models.Model):
    """A notice to a driver or a family: queued once per event and recipient (`key`), sent
    by the worker (deliveries.notices), recorded like a reveal: which driver or request,
    which notice, which channel, when, how it went. Never the number nor the text."""

    key = models.CharField(max_length=96, unique=True)
    kind = models.CharField(max_length=16, choices=NoticeKind.choices)
    channel = models.CharField(max_length=8, choices=NoticeChannel.choices)
    driver = models.ForeignKey(
        Driver, null=True, blank=True, on_delete=models.CASCADE, related_name="notices"
    )
    request = models.ForeignKey(
        HouseholdRequest, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    # What a driver's notice is about (area, day, stops, load are read when it is sent).
    route = models.ForeignKey(
        Route, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    outcome = models.CharField(
        max_length=8, choices=NoticeOutcome.choices, default=NoticeOutcome.PENDING
    )
    # A short reason from the code (error, timeout, limit, no number), never a provider's text.
    reason = models.CharField(max_length=24, blank=True, default="")
    attempts = models.PositiveSmallIntegerField(default=0)
    queued_at = models.DateTimeField(default=timezone.now)
    # Pending: its next try. Sent with a provider's record to delete: the next try of that.
    next_try_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    # When it was counted against the daily caps (deliveries.notices, under a lock).
    counted_at = models.DateTimeField(null=True, blank=True)
    # The provider's id of the sent message (a Twilio SID, not personal), kept only until
    # the provider's record of it is deleted; blank when there is none to delete.
    provider_ref = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        ordering = ["-queued_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(driver__isnull=False, request__isnull=True)
                | Q(driver__isnull=True, request__isnull=False),
                name="notice_one_recipient",
            ),
        ]
        indexes = [
            models.Index(fields=["outcome", "next_try_at"], name="notice_due"),
            models.Index(fields=["outcome", "finished_at"], name="notice_counts"),
            models.Index(fields=["counted_at"], name="notice_counted"),
            # The few sent messages whose record the provider still keeps (the sweep).
            models.Index(
                fields=["next_try_at"],
                name="notice_provider_records",
                condition=~Q(provider_ref=""),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} notice {self.pk}"
