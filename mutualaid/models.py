"""Members' one-time links and the log of what organizers did to members (issue 12)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class LinkPurpose(models.TextChoices):
    INVITE = "invite", _("invitation")
    RESET = "reset", _("password reset")


class AccessLink(models.Model):
    """A one-time link that lets a member set a password. Stored as the SHA-256 of its token
    (256 random bits, so the hash can be neither inverted nor guessed): a dump holds no
    usable link. Used once (`used_at`, set by a conditional UPDATE), expires at `expires_at`."""

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="access_links"
    )
    purpose = models.CharField(max_length=8, choices=LinkPurpose.choices)
    digest = models.CharField(max_length=64, unique=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    issued_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-issued_at", "-id"]

    def __str__(self) -> str:
        return f"{self.purpose} link for {self.member_id}"


class MemberEventKind(models.TextChoices):
    INVITED = "invited", _("invited")
    RESET = "reset", _("reset link issued")
    PASSWORD_SET = "password_set", _("set a password with a link")
    VETTED = "vetted", _("vetted")
    VETTING_HELD = "vetting_held", _("vetting awaits a second organizer")
    UNVETTED = "unvetted", _("vetting withdrawn")
    DEACTIVATED = "deactivated", _("deactivated")


class MemberEvent(models.Model):
    """What was done to a member, by whom, when: shown to every organizer. Append-only."""

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="member_events"
    )
    # None: the server's command line (manage.py add_member).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=16, choices=MemberEventKind.choices)
    # A choice from mutualaid.roles.ROLES (never free text), for invitations.
    role = models.CharField(
        max_length=16,
        blank=True,
        default="",
        choices=[
            ("organizer", "organizer"),
            ("driver", "driver"),
            ("desk", "desk"),
            ("dispatcher", "dispatcher"),
        ],
    )
    flagged = models.BooleanField(default=False)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} of {self.member_id} by {self.actor_id}"
