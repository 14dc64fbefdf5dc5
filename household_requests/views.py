"""Public pages (request form, status page, most needed) and the organizers' queue."""

from __future__ import annotations

import math
from collections.abc import Callable
from operator import attrgetter

from django.conf import settings
from django.contrib import messages
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from household_requests import pauses, selectors, services
from household_requests.door_word import door_word_for_family
from household_requests.flood_limit import check_submission, submit_within_open_limit
from household_requests.forms import CloseForm, RequestForm, UpdateContactForm, UrgencyForm
from household_requests.models import (
    Channel,
    CloseReason,
    Fulfilment,
    HouseholdRequest,
    RequestStatus,
    Urgency,
    Zone,
)
from household_requests.request_rules import REACH_PROMISES, Reach
from household_requests.services import SubmittedRequest
from household_requests.status_links import failed_lookup_allowed, status_path, status_url
from household_requests.zones import zone_label
from mutualaid.bounds import MAX_AGE_DAYS, MAX_ID, bounded_int, page_of, paths_for
from mutualaid.csvexport import BadRange, bad_range, csv_response, date_range, local_time, within
from mutualaid.errors import ServiceError, show_error
from mutualaid.ratelimit import Verdict
from mutualaid.roles import acting_user, organizer_required
from mutualaid.timeutil import local_today

CONTACT_FIELDS = ("name", "phone", "address", "notes")


def _form_page(request: HttpRequest, template: str, form: RequestForm) -> HttpResponse:
    return render(
        request, template, {"form": form, "retention_days": settings.CONTACT_RETENTION_DAYS}
    )


def _read_form(request: HttpRequest) -> RequestForm:
    if request.method != "POST":
        return RequestForm(language=get_language() or "en")
    return RequestForm(request.POST, language=get_language() or "en")


def _accept(request: HttpRequest, form: RequestForm, *, channel: str) -> SubmittedRequest | None:
    """Submit a valid form; a refusal from the service is shown on the form."""
    try:
        # Not logged: a line with the reference and the time, beside a proxy's access log,
        # would tie a family's request to their network address.
        data = form.request_input()
        return submit_within_open_limit(
            data,
            lambda: services.request_submit(
                data=data,
                channel=channel,
                entered_by=acting_user(request) if channel == Channel.HOTLINE else None,
            ),
        )
    except ServiceError as error:
        show_error(request, error, form)
        return None


def _slow_down(
    request: HttpRequest, template: str, form: RequestForm, verdict: Verdict
) -> HttpResponse:
    """Past the limit: the same form again with everything typed (it is the family's own
    answer, and NoStoreMiddleware keeps it out of every cache), saying when to send it."""
    response = render(
        request,
        template,
        {
            "form": form,
            "retention_days": settings.CONTACT_RETENTION_DAYS,
            "wait_minutes": math.ceil(verdict.retry_after / 60),
        },
        status=429,
    )
    response["Retry-After"] = str(verdict.retry_after)
    return response


def _status_slow_down(request: HttpRequest) -> HttpResponse:
    return render(request, "household_requests/status_slow_down.html", status=429)


class _StatusSlowDown(Exception):
    """Too many failed status lookups from this address: answered with a 429 page."""


def _request_behind_link(request: HttpRequest, reference: str, secret: str) -> HouseholdRequest:
    """The request a status link opens; a link that does not open is counted per address
    (404, or 429 past the limit: neither tells whether the reference exists)."""
    try:
        return selectors.request_for_status_page(reference, secret)
    except Http404:
        if not failed_lookup_allowed(request):
            raise _StatusSlowDown from None
        raise


def _received(
    request: HttpRequest, path: str, household_request: HouseholdRequest | None, reach: object
) -> HttpResponseRedirect:
    """To the status page, saying it was just received. How the family chose to be reached
    goes along as a one-time message (a signed cookie), never in the address, where browser
    history and a proxy's log would keep "knock only" beside the reference."""
    promise = _reach_promise(household_request, reach)
    if promise:
        messages.info(request, promise)
    return HttpResponseRedirect(f"{path}?received=1", status=303)


def _reach_promise(household_request: HouseholdRequest | None, reach: object) -> str:
    """What the family is told about being reached before a delivery: what they chose."""
    delivery = household_request is None or household_request.fulfilment == Fulfilment.DELIVERY
    if not delivery or reach not in Reach.values:
        return ""
    return str(REACH_PROMISES[Reach(reach)])


def _missed_visit(household_request: HouseholdRequest) -> dict[str, object] | None:
    """A driver came and could not deliver: what the family's page says happened and what
    happens next (planned again, or closed after the last attempt)."""
    attempts = household_request.delivery_attempts
    if not attempts or household_request.fulfilment != Fulfilment.DELIVERY:
        return None
    closed = household_request.close_reason == CloseReason.DELIVERY_FAILED
    if not closed and not household_request.is_open:
        return None
    return {
        "attempts": attempts,
        "closed": closed,
        "tries_left": max(settings.MAX_DELIVERY_ATTEMPTS - attempts, 0),
    }


@sensitive_post_parameters(*CONTACT_FIELDS)
def request_form(request: HttpRequest) -> HttpResponse:
    """The public form. An accepted request answers with a redirect to the family's own
    status page, so reloading the answer never sends the request a second time."""
    form = _read_form(request)
    if form.is_bound and form.is_spam:
        # Bots get the answer a family gets, to a link that opens nothing; nothing is stored.
        return _received(
            request,
            status_path(services.new_reference(), services.new_reference()),
            None,
            form.data.get("reach"),
        )
    if form.is_bound and form.is_valid():
        verdict = check_submission(request)
        if not verdict.allowed:
            return _slow_down(request, "household_requests/slow_down.html", form, verdict)
        submitted = _accept(request, form, channel=Channel.WEB)
        if submitted is not None:
            return _received(
                request,
                status_path(submitted.request.reference, submitted.status_secret),
                submitted.request,
                form.cleaned_data.get("reach"),
            )
    return _form_page(request, "household_requests/request_form.html", form)


@organizer_required
@sensitive_post_parameters(*CONTACT_FIELDS)
def hotline_form(request: HttpRequest) -> HttpResponse:
    """The same form for a volunteer taking a call. The answer shows the reference and the
    private link to read out; the volunteer's browser keeps no link to the request."""
    form = _read_form(request)
    if form.is_bound and form.is_valid():
        verdict = check_submission(request, hotline=True)
        if not verdict.allowed:
            return _slow_down(request, "household_requests/hotline_form.html", form, verdict)
        submitted = _accept(request, form, channel=Channel.HOTLINE)
        if submitted is not None:
            reference = submitted.request.reference
            return render(
                request,
                "household_requests/thanks.html",
                {
                    "reference": reference,
                    "status_url": status_url(request, reference, submitted.status_secret),
                    "promise": _reach_promise(submitted.request, form.cleaned_data.get("reach")),
                    # Read out with the link: the family hears it first at the door.
                    "door_word": door_word_for_family(submitted.request),
                },
            )
    return _form_page(request, "household_requests/hotline_form.html", form)


@sensitive_post_parameters(*CONTACT_FIELDS)
def status_page(request: HttpRequest, reference: str, secret: str) -> HttpResponse:
    try:
        household_request = _request_behind_link(request, reference, secret)
    except _StatusSlowDown:
        return _status_slow_down(request)
    contact_form = UpdateContactForm()
    if request.method == "POST":
        contact_form = UpdateContactForm(request.POST)
        if contact_form.is_valid():
            try:
                services.request_update_contact(
                    request_id=household_request.pk, contact=contact_form.contact()
                )
            except ServiceError as error:
                show_error(request, error, contact_form)
            else:
                messages.success(request, _("Thank you. Your new details are saved."))
                promise = _reach_promise(household_request, contact_form.cleaned_data["reach"])
                if promise:
                    messages.info(request, promise)
                return redirect(request.path)
    received = request.GET.get("received") == "1"
    return render(
        request,
        "household_requests/status.html",
        {
            "hr": household_request,
            "missed": _missed_visit(household_request),
            "lines": selectors.lines_of(household_request),
            "contact_form": contact_form,
            "can_change": household_request.is_open,
            # Just sent from the form: say so, and show the link to keep.
            "received": received,
            # A paused zone or pickup point (issue 14), read from the database.
            "paused": pauses.request_paused(household_request),
            "held_today": household_request.is_open
            and household_request.held_on is not None
            and household_request.held_on >= local_today(),
            "private_link": request.build_absolute_uri(request.path),
            # The volunteer at the door says it first (household_requests.door_word).
            "door_word": door_word_for_family(household_request),
        },
    )


@require_POST
def status_cancel(request: HttpRequest, reference: str, secret: str) -> HttpResponse:
    """Cancel, in two steps: the status page's button asks "are you sure?" (a page of its
    own, no script needed), and only its "Yes, cancel" cancels."""
    try:
        household_request = _request_behind_link(request, reference, secret)
    except _StatusSlowDown:
        return _status_slow_down(request)
    if request.POST.get("confirm") != "yes":
        if not household_request.is_open:
            return redirect(
                "household_requests:status", reference=household_request.reference, secret=secret
            )
        return render(
            request,
            "household_requests/cancel_confirm.html",
            {"hr": household_request, "secret": secret},
        )
    try:
        services.request_cancel(request_id=household_request.pk)
    except ServiceError as error:
        show_error(request, error)
    else:
        messages.success(request, _("Your request is cancelled. Nothing more will happen."))
    return redirect(
        "household_requests:status", reference=household_request.reference, secret=secret
    )


@require_POST
def status_not_today(request: HttpRequest, reference: str, secret: str) -> HttpResponse:
    """ "Not today, it isn't safe": the family's stop is held today, the request kept."""
    try:
        household_request = _request_behind_link(request, reference, secret)
    except _StatusSlowDown:
        return _status_slow_down(request)
    try:
        pauses.request_hold_today(request_id=household_request.pk)
    except ServiceError as error:
        show_error(request, error)
    else:
        messages.success(request, _("We will not come today. Your request is kept."))
    return redirect(
        "household_requests:status", reference=household_request.reference, secret=secret
    )


@require_POST
def status_burn(request: HttpRequest, reference: str, secret: str) -> HttpResponse:
    """Burn the status link, in two steps like cancelling: "are you sure?", then a new link
    and reference, shown on this answer only (never stored, never sent). From then on the
    old ones answer exactly as unknown ones do (services.request_relink)."""
    try:
        household_request = _request_behind_link(request, reference, secret)
    except _StatusSlowDown:
        return _status_slow_down(request)
    if request.POST.get("confirm") != "yes":
        return render(
            request,
            "household_requests/burn_confirm.html",
            {"hr": household_request, "secret": secret},
        )
    try:
        relinked = services.request_relink(request_id=household_request.pk, status_secret=secret)
    except ServiceError:
        # Burned meanwhile (another tab): this link is now as unknown as any other.
        raise Http404 from None
    return render(
        request,
        "household_requests/burned.html",
        {
            "reference": relinked.request.reference,
            "link": request.build_absolute_uri(
                status_path(relinked.request.reference, relinked.status_secret)
            ),
        },
    )


def most_needed(request: HttpRequest) -> HttpResponse:
    return render(
        request, "household_requests/most_needed.html", {"needs": selectors.most_needed()}
    )


def _queue_filters(request: HttpRequest) -> dict[str, object]:
    def as_int(name: str, maximum: int = MAX_ID) -> int | None:
        return bounded_int(request.GET.get(name, ""), maximum=maximum)

    status = request.GET.get("status", "open")
    if status not in {"open", "", *RequestStatus.values}:
        status = "open"
    return {
        "status": status,
        "zone_id": as_int("zone"),
        "outside_zones": request.GET.get("zone") == "outside",
        "missed_visits": request.GET.get("missed") == "1",
        "urgency": as_int("urgency"),
        "older_than_days": as_int("older_than_days", MAX_AGE_DAYS),
    }


# Rows a page of the queue shows; "Next page" reads the next ones (issue 9: a page costs the
# same however many requests are open).
QUEUE_PAGE = 50


@organizer_required
def queue(request: HttpRequest) -> HttpResponse:
    filters = _queue_filters(request)
    page = page_of(
        selectors.request_queue(**filters),  # type: ignore[arg-type]
        request.GET.get("page", ""),
        QUEUE_PAGE,
    )
    requests = page.rows
    # The filters without the page: the CSV link and the pager's links keep them.
    kept = request.GET.copy()
    kept.pop("page", None)
    # Each label looked up once for the page, not through get_FOO_display per row.
    # Translated once here (choices hold lazy strings, each translated again where shown).
    status_labels = {value: str(label) for value, label in RequestStatus.choices}
    urgency_labels = {value: str(label) for value, label in Urgency.choices}
    detail = paths_for("household_requests:queue_detail")  # one reverse for the page
    for row in requests:
        row.detail_url = detail(row.pk)  # type: ignore[attr-defined]
        row.status_label = status_labels.get(row.status, row.status)  # type: ignore[attr-defined]
        row.urgency_label = urgency_labels.get(row.urgency, row.urgency)  # type: ignore[attr-defined]
    return render(
        request,
        "household_requests/queue.html",
        {
            "requests": requests,
            "filters": filters,
            "zones": Zone.objects.all(),
            "statuses": RequestStatus.choices,
            "urgencies": Urgency.choices,
            "query": kept.urlencode(),
            "page": page,
        },
    )


# The queue's CSV, a column's name beside its value: never a contact field.
QUEUE_CSV_COLUMNS: list[tuple[str, Callable[[HouseholdRequest], object]]] = [
    ("reference", attrgetter("reference")),
    ("status", attrgetter("status")),
    ("zone", lambda r: zone_label(r.zone.name if r.zone else None)),
    ("urgency", lambda r: r.get_urgency_display()),
    ("adults", attrgetter("adults")),
    ("children", attrgetter("children")),
    ("infants", attrgetter("infants")),
    ("fulfilment", attrgetter("fulfilment")),
    ("channel", attrgetter("channel")),
    ("possible_duplicate", attrgetter("possible_duplicate")),
    ("missed_visits", attrgetter("delivery_attempts")),
    ("units_requested", attrgetter("units_requested")),  # annotated by request_queue
    ("units_allocated", attrgetter("units_allocated")),
    ("submitted_at", lambda r: local_time(r.submitted_at)),  # the network's clock
]


@organizer_required
def queue_csv(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    """The queue as CSV for meetings and grants, with the page's filters and the local days
    asked for (`?from=`, `?to=`, by submission; 400 for a bad date). Never any contact
    field."""
    try:
        days = date_range(request)
    except BadRange as error:
        return bad_range(error)
    filters = _queue_filters(request)
    requests = within(
        selectors.request_queue(**filters),  # type: ignore[arg-type]
        days,
        "submitted_at",
    )
    header = [name for name, _value in QUEUE_CSV_COLUMNS]
    rows = (
        [value(r) for _name, value in QUEUE_CSV_COLUMNS] for r in requests.iterator(chunk_size=500)
    )
    return csv_response(days.filename("requests"), header, rows)


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
        except ServiceError as error:
            show_error(request, error)
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
