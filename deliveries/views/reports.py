"""Report pages for organizers: the last weeks at a glance and a printable month."""

from __future__ import annotations

import datetime as dt

from django.http import Http404, HttpRequest, HttpResponse

from deliveries import reports
from deliveries.views.common import render_page
from mutualaid.roles import organizer_required
from mutualaid.timeutil import local_today

WEEK_CHOICES = (4, 8, 12, 26, 52)


@organizer_required
def reports_page(request: HttpRequest) -> HttpResponse:
    try:
        weeks = int(request.GET.get("weeks", reports.DEFAULT_WEEKS))
    except ValueError:
        weeks = reports.DEFAULT_WEEKS
    weeks = min(max(weeks, 1), reports.MAX_WEEKS)
    return render_page(
        request,
        "deliveries/reports.html",
        {
            "report": reports.recent_weeks(weeks),
            "weeks": weeks,
            "week_choices": WEEK_CHOICES,
            "months": reports.recent_months(),
        },
    )


@organizer_required
def month_report_page(request: HttpRequest, year: str, month: str) -> HttpResponse:
    try:
        first = dt.date(int(year), int(month), 1)
    except ValueError as error:
        raise Http404 from error
    if first > local_today():
        raise Http404
    return render_page(
        request,
        "deliveries/reports_month.html",
        {"report": reports.month_report(first.year, first.month), "month": first},
    )
