"""Public pages (request form, status page, most needed) and the organizers' queue."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from household_requests import selectors, services, submission
from household_requests.forms import CloseForm, RequestForm, UpdateContactForm, UrgencyForm
from household_requests.intake import status_path, status_url, submission_allowed
from household_requests.models import Channel, HouseholdRequest, RequestStatus, Urgency, Zone
from household_requests.services import RequestError, SubmittedRequest
from household_requests.submission import Reading
from mutualaid.csvexport import csv_response
from mutualaid.roles import acting_user, organizer_required

CONTACT_FIELDS = ("name", "phone", "address", "notes")


def _form_page(request: HttpRequest, template: str, form: RequestForm) -> HttpResponse:
    return render(
        request, template, {"form": form, "retention_days": settings.CONTACT_RETENTION_DAYS}
    )


def _accept(request: HttpRequest, reading: Reading, *, channel: str) -> SubmittedRequest | None:
    """Submit a valid reading; a refusal from the service is added to the reading."""
    try:
        submitted = services.request_submit(
            data=reading.request_input(get_language() or "en"),
            channel=channel,
            entered_by=acting_user(request) if channel == Channel.HOTLINE else None,
        )
    except RequestError as error:
        reading.fail(error.field, error.message)
        return None
    # Not logged: a line with the reference and the time, beside a proxy's access log,
    # would tie a family's request to their network address.
    return submitted


def _slow_down(request: HttpRequest) -> HttpResponse:
    return render(request, "household_requests/slow_down.html", status=429)


@sensitive_post_parameters(*CONTACT_FIELDS)
def request_form(request: HttpRequest) -> HttpResponse:
    """The public form. An accepted request answers with a redirect to the family's own
    status page, so reloading the answer never sends the request a second time."""
    template = "household_requests/request_form.html"
    if request.method != "POST":
        return _form_page(request, template, RequestForm())
    reading = submission.read_request(request.POST)
    if reading.spam:
        # Bots get the answer a family gets, to a link that opens nothing; nothing is stored.
        decoy = status_path(services.new_reference(), services.new_reference())
        return HttpResponseRedirect(f"{decoy}?received=1", status=303)
    if reading.is_valid:
        if not submission_allowed(request):
            return _slow_down(request)
        submitted = _accept(request, reading, channel=Channel.WEB)
        if submitted is not None:
            path = status_path(submitted.request.reference, submitted.status_secret)
            return HttpResponseRedirect(f"{path}?received=1", status=303)
    return _form_page(request, template, RequestForm(request.POST, reading=reading))


@organizer_required
@sensitive_post_parameters(*CONTACT_FIELDS)
def hotline_form(request: HttpRequest) -> HttpResponse:
    """The same form for a volunteer taking a call. The answer shows the reference and the
    private link to read out; the volunteer's browser keeps no link to the request."""
    template = "household_requests/hotline_form.html"
    if request.method != "POST":
        return _form_page(request, template, RequestForm())
    reading = submission.read_request(request.POST)
    if reading.is_valid:
        if not submission_allowed(request, hotline=True):
            return _slow_down(request)
        submitted = _accept(request, reading, channel=Channel.HOTLINE)
        if submitted is not None:
            return render(
                request,
                "household_requests/thanks.html",
                {
                    "reference": submitted.request.reference,
                    "status_url": status_url(request, submitted),
                },
            )
    return _form_page(request, template, RequestForm(request.POST, reading=reading))


@sensitive_post_parameters(*CONTACT_FIELDS)
def status_page(request: HttpRequest, reference: str, secret: str) -> HttpResponse:
    household_request = selectors.request_for_status_page(reference, secret)
    contact_form = UpdateContactForm()
    if request.method == "POST":
        contact_form = UpdateContactForm(request.POST)
        if contact_form.is_valid():
            try:
                services.request_update_contact(
                    request_id=household_request.pk, contact=contact_form.contact()
                )
            except RequestError as error:
                contact_form.add_error(
                    error.field if error.field in contact_form.fields else None, error.message
                )
            else:
                messages.success(request, _("Thank you. Your new details are saved."))
                return redirect(request.path)
    return render(
        request,
        "household_requests/status.html",
        {
            "hr": household_request,
            "lines": selectors.lines_with_allocations(household_request),
            "contact_form": contact_form,
            "can_change": household_request.is_open,
            # Just sent from the form: say so, and show the link to keep.
            "received": request.GET.get("received") == "1",
            "private_link": request.build_absolute_uri(request.path),
        },
    )


@require_POST
def status_cancel(request: HttpRequest, reference: str, secret: str) -> HttpResponse:
    household_request = selectors.request_for_status_page(reference, secret)
    try:
        services.request_cancel(request_id=household_request.pk)
    except RequestError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("Your request is cancelled. Nothing more will happen."))
    return redirect(
        "household_requests:status", reference=household_request.reference, secret=secret
    )


def most_needed(request: HttpRequest) -> HttpResponse:
    return render(
        request, "household_requests/most_needed.html", {"needs": selectors.most_needed()}
    )


def _queue_filters(request: HttpRequest) -> dict[str, object]:
    def as_int(name: str) -> int | None:
        value = request.GET.get(name, "")
        return int(value) if value.isdigit() else None

    status = request.GET.get("status", "open")
    if status not in {"open", "", *RequestStatus.values}:
        status = "open"
    return {
        "status": status,
        "zone_id": as_int("zone"),
        "urgency": as_int("urgency"),
        "older_than_days": as_int("older_than_days"),
    }


@organizer_required
def queue(request: HttpRequest) -> HttpResponse:
    filters = _queue_filters(request)
    requests = selectors.request_queue(**filters)[:200]  # type: ignore[arg-type]
    return render(
        request,
        "household_requests/queue.html",
        {
            "requests": requests,
            "filters": filters,
            "zones": Zone.objects.all(),
            "statuses": RequestStatus.choices,
            "urgencies": Urgency.choices,
            "query": request.GET.urlencode(),
        },
    )


@organizer_required
def queue_csv(request: HttpRequest) -> StreamingHttpResponse:
    """The queue as CSV for meetings and grants. Never any contact field."""
    filters = _queue_filters(request)
    requests = selectors.request_queue(**filters)  # type: ignore[arg-type]
    header = [
        "reference",
        "status",
        "zone",
        "urgency",
        "adults",
        "children",
        "infants",
        "fulfilment",
        "channel",
        "possible_duplicate",
        "units_requested",
        "units_allocated",
        "submitted_at",
    ]
    rows = (
        [
            r.reference,
            r.status,
            r.zone.name,
            r.get_urgency_display(),
            r.adults,
            r.children,
            r.infants,
            r.fulfilment,
            r.channel,
            r.possible_duplicate,
            r.units_requested,  # type: ignore[attr-defined]
            r.units_allocated,  # type: ignore[attr-defined]
            r.submitted_at.isoformat(),
        ]
        for r in requests.iterator(chunk_size=500)
    )
    return csv_response("requests.csv", header, rows)


@organizer_required
def queue_detail(request: HttpRequest, pk: int) -> HttpResponse:
    household_request = get_object_or_404(
        HouseholdRequest.objects.select_related("zone", "pickup_location"), pk=pk
    )
    urgency_form = UrgencyForm(initial={"urgency": household_request.urgency})
    close_form = CloseForm()
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "urgency":
                urgency_form = UrgencyForm(request.POST)
                if urgency_form.is_valid():
                    services.request_set_urgency(
                        request_id=pk, urgency=urgency_form.cleaned_data["urgency"]
                    )
                    messages.success(request, _("Urgency updated."))
                    return redirect("household_requests:queue_detail", pk=pk)
            elif action == "close":
                close_form = CloseForm(request.POST)
                if close_form.is_valid():
                    services.request_close_unfulfilled(
                        request_id=pk, reason=close_form.cleaned_data["reason"]
                    )
                    messages.success(request, _("Request closed."))
                    return redirect("household_requests:queue_detail", pk=pk)
        except RequestError as error:
            messages.error(request, str(error.message))
    return render(
        request,
        "household_requests/queue_detail.html",
        {
            "hr": household_request,
            "lines": selectors.lines_with_allocations(household_request),
            "urgency_form": urgency_form,
            "close_form": close_form,
        },
    )
