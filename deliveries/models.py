"""Deliveries: drivers, routes, stops, offers and the log of every contact reveal."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from household_requests.models import HouseholdRequest, Zone


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
        indexes = [models.Index(fields=["status", "zone", "service_date"], name="route_board")]

    def __str__(self) -> str:
        return f"Route #{self.pk} {self.zone_id} {self.service_date}"


class StopOutcome(models.TextChoices):
    PENDING = "pending", _("to deliver")
    DELIVERED = "delivered", _("delivered")
    FAILED = "failed", _("failed")
    CANCELLED = "cancelled", _("cancelled by the family")


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
