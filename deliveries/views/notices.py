"""The organizer's view of notices: how many were sent and how many failed, per channel
and day. Never a text, a number or a recipient."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from deliveries.models import NoticeChannel, NoticeOutcome, NoticeSent
from deliveries.notices import NOT_ASKED
from deliveries.views.common import RECENT_DAYS, render_page
from mutualaid.roles import organizer_required
from mutualaid.timeutil import organization_tz

NOTICE_DAYS = 4 * RECENT_DAYS


@organizer_required
def notice_counts(request: HttpRequest) -> HttpResponse:
    since = timezone.now() - dt.timedelta(days=NOTICE_DAYS)
    counts = list(
        NoticeSent.objects.filter(queued_at__gte=since)
        .annotate(day=TruncDate("queued_at", tzinfo=organization_tz()))
        .values("day", "channel")
        .annotate(
            sent=Count("id", filter=Q(outcome=NoticeOutcome.SENT)),
            failed=Count("id", filter=Q(outcome=NoticeOutcome.FAILED)),
            skipped=Count("id", filter=Q(outcome=NoticeOutcome.SKIPPED) & ~Q(reason=NOT_ASKED)),
            waiting=Count("id", filter=Q(outcome=NoticeOutcome.PENDING)),
        )
        .order_by("-day", "channel")
    )
    labels = dict(NoticeChannel.choices)
    rows = [{**row, "channel_label": labels.get(row["channel"], row["channel"])} for row in counts]
    return render_page(request, "deliveries/notices.html", {"rows": rows, "days": NOTICE_DAYS})
