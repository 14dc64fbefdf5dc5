"""Organizer pages: donation intake, stock, lots, catalogue."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.db import models
from django.db.models import IntegerField, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django_stubs_ext import StrOrPromise

from inventory import selectors, services
from inventory.forms import (
    INTAKE_ROWS,
    MAX_INTAKE_ROWS,
    AdjustForm,
    CategoryForm,
    CorrectionForm,
    CountForm,
    DonationForm,
    DonationLineFormSet,
    ItemForm,
    LocationForm,
    ReasonForm,
    StockFilterForm,
    TransferForm,
)
from inventory.models import (
    Category,
    Donation,
    DonationLine,
    Item,
    Location,
    StockLot,
    StockMovement,
)
from mutualaid.bounds import bounded_int, paths_for
from mutualaid.csvexport import (
    BadRange,
    DateRange,
    bad_range,
    csv_response,
    date_range,
    local_time,
    within,
)
from mutualaid.errors import ServiceError, show_error
from mutualaid.roles import acting_user, organizer_required
from mutualaid.timeutil import local_today

# Ledger reasons are records, kept in one language whatever the organizer's page shows.
SPOILED_BY_ORGANIZER = "marked spoiled by an organizer"


def _intake_rows(request: HttpRequest) -> int:
    """How many blank rows to show: `?rows=` lets a page without JavaScript ask for more."""
    try:
        rows = int(request.GET.get("rows", INTAKE_ROWS))
    except ValueError:
        rows = INTAKE_ROWS
    return min(max(rows, 1), MAX_INTAKE_ROWS)


@organizer_required
def donation_new(request: HttpRequest) -> HttpResponse:
    form = DonationForm(request.POST or None)
    lines = DonationLineFormSet(request.POST or None, prefix="lines")
    lines.extra = _intake_rows(request)
    if request.method == "POST" and form.is_valid() and lines.is_valid():
        filled = [(i, f.cleaned_data) for i, f in enumerate(lines.forms) if not f.is_blank()]
        items = Item.objects.in_bulk([data["item"] for _i, data in filled])
        missing = [i for i, data in filled if data["item"] not in items]
        for i in missing:
            lines.forms[i].add_error("item", _("Choose an item from the list."))
        if not missing:
            try:
                donation = services.donation_receive(
                    location=form.cleaned_data["location"],
                    donor=form.cleaned_data["donor"],
                    note=form.cleaned_data["note"],
                    received_by=acting_user(request),
                    lines=[
                        services.DonationLineInput(
                            item=items[data["item"]],
                            quantity=data["quantity"],
                            expires_on=data["expires_on"],
                        )
                        for _i, data in filled
                    ],
                )
            except ServiceError as error:
                at = form if error.index is None else lines.forms[filled[error.index][0]]
                show_error(request, error, at)
            else:
                messages.success(
                    request,
                    _("Logged donation #%(number)s with %(count)s line(s).")
                    % {"number": donation.pk, "count": len(filled)},
                )
                return redirect("inventory:donation_detail", pk=donation.pk)
    return render(
        request,
        "inventory/donation_new.html",
        {
            "form": form,
            "lines": lines,
            "has_location": Location.objects.filter(active=True).exists(),
            "more_rows": min(lines.total_form_count() + 5, MAX_INTAKE_ROWS),
        },
    )


@organizer_required
def donation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    donation = get_object_or_404(
        Donation.objects.select_related("location").prefetch_related("lines__item", "lines__lot"),
        pk=pk,
    )
    return render(request, "inventory/donation_detail.html", {"donation": donation})


@organizer_required
def donation_list(request: HttpRequest) -> HttpResponse:
    donations = (
        Donation.objects.select_related("location")
        .annotate(line_count=models.Count("lines"), units=models.Sum("lines__quantity"))
        .order_by("-received_at", "-id")[:100]
    )
    return render(request, "inventory/donation_list.html", {"donations": donations})


@organizer_required
def stock(request: HttpRequest) -> HttpResponse:
    filters = StockFilterForm(request.GET or None)
    valid = filters.is_valid()
    items = list(
        selectors.items_with_stock(
            category=filters.cleaned_data["category"] if valid else None,
            below_target=valid and filters.cleaned_data["show"] == "below_target",
            in_stock=valid and filters.cleaned_data["show"] == "in_stock",
        )
    )
    # Each unit's label looked up once for the page, not through get_unit_display per row.
    units = {value: str(label) for value, label in Item.Unit.choices}  # translated once
    # Each row's link reversed once for the page, and its "below target" decided once.
    item_path, lot_path = paths_for("inventory:item_lots"), paths_for("inventory:lot_detail")
    for item in items:
        item.unit_label = units.get(item.unit, item.unit)  # type: ignore[attr-defined]
        item.path = item_path(item.pk)  # type: ignore[attr-defined]
        item.low = item.total_on_hand < item.target_on_hand  # type: ignore[attr-defined]
    expiring = list(selectors.lots_expiring_soon().order_by("expires_on", "id")[:50])
    for lot in expiring:
        lot.path = lot_path(lot.pk)  # type: ignore[attr-defined]
    return render(
        request,
        "inventory/stock.html",
        {
            "filters": filters,
            "items": items,
            "expiring": expiring,
            "expiring_days": selectors.EXPIRING_SOON_DAYS,
            "today": local_today(),
        },
    )


@organizer_required
def item_lots(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(Item.objects.select_related("category"), pk=pk)
    lots = selectors.lots_in_stock().filter(item=item)
    return render(request, "inventory/item_lots.html", {"item": item, "lots": lots})


@organizer_required
def lot_detail(request: HttpRequest, pk: int) -> HttpResponse:
    lot = get_object_or_404(selectors.lots_with_details(), pk=pk)
    adjust = AdjustForm(request.POST or None)
    if request.method == "POST" and adjust.is_valid():
        try:
            services.lot_adjust(
                lot_id=lot.pk,
                delta=adjust.cleaned_data["delta"],
                reason=adjust.cleaned_data["reason"],
                actor=acting_user(request),
            )
        except ServiceError as error:
            show_error(request, error, adjust, fields={"quantity": "delta"})
        else:
            messages.success(request, _("Stock adjusted."))
            return redirect("inventory:lot_detail", pk=lot.pk)
    return _lot_page(request, lot, adjust, TransferForm(here=lot.location))


def _lot_page(
    request: HttpRequest, lot: StockLot, adjust: AdjustForm, transfer: TransferForm
) -> HttpResponse:
    movements = lot.movements.select_related("actor").order_by("-id")[:50]
    return render(
        request,
        "inventory/lot_detail.html",
        {"lot": lot, "adjust": adjust, "transfer": transfer, "movements": movements},
    )


@organizer_required
def lot_spoil(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask first (what will go, what stays), spoil only on the confirming POST."""
    lot = get_object_or_404(selectors.lots_with_details(), pk=pk)
    if request.method != "POST" or request.POST.get("confirm") != "yes":
        return render(request, "inventory/lot_spoil_confirm.html", {"lot": lot})
    spoiled = services.lots_spoil(
        lot_ids=[lot.pk], reason=SPOILED_BY_ORGANIZER, actor=acting_user(request)
    )
    if spoiled:
        messages.success(
            request, _("%(count)s unreserved unit(s) marked spoiled.") % {"count": spoiled}
        )
    else:
        messages.info(request, _("Nothing unreserved left to spoil."))
    return redirect("inventory:lot_detail", pk=lot.pk)


@organizer_required
@require_POST
def lot_transfer(request: HttpRequest, pk: int) -> HttpResponse:
    lot = get_object_or_404(selectors.lots_with_details(), pk=pk)
    transfer = TransferForm(request.POST, here=lot.location)
    if transfer.is_valid():
        try:
            moved_to = services.lot_transfer(
                lot_id=lot.pk,
                to_location=transfer.cleaned_data["to_location"],
                quantity=transfer.cleaned_data["quantity"],
                reason=transfer.cleaned_data["reason"],
                actor=acting_user(request),
            )
        except ServiceError as error:
            show_error(request, error, transfer, fields={"location": "to_location"})
        else:
            messages.success(
                request,
                _("Moved %(count)s to %(place)s (lot #%(lot)s).")
                % {
                    "count": transfer.cleaned_data["quantity"],
                    "place": moved_to.location.name,
                    "lot": moved_to.pk,
                },
            )
            return redirect("inventory:lot_detail", pk=lot.pk)
    return _lot_page(request, lot, AdjustForm(), transfer)


CATALOGUE_FORMS: dict[str, tuple[type[models.Model], Any, StrOrPromise]] = {
    "category": (Category, CategoryForm, gettext_lazy("New category")),
    "item": (Item, ItemForm, gettext_lazy("New item")),
    "location": (Location, LocationForm, gettext_lazy("New location")),
}


@organizer_required
def catalogue(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "inventory/catalogue.html",
        {
            "categories": Category.objects.annotate(item_count=models.Count("items")),
            "items": Item.objects.select_related("category"),
            "locations": Location.objects.all(),
        },
    )


@organizer_required
def catalogue_edit(request: HttpRequest, kind: str, pk: int | None = None) -> HttpResponse:
    if kind not in CATALOGUE_FORMS:
        raise Http404
    model, form_class, new_title = CATALOGUE_FORMS[kind]
    instance = get_object_or_404(model, pk=pk) if pk is not None else None
    form = form_class(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        # Catalogue rows carry no stock and no history of their own; a ModelForm save is
        # the whole write.
        saved = form.save()
        messages.success(request, _("Saved %(name)s.") % {"name": saved})
        return redirect("inventory:catalogue")
    return render(
        request,
        "inventory/catalogue_edit.html",
        {"form": form, "kind": kind, "instance": instance, "new_title": new_title},
    )


def _moved_in(days: DateRange, *kinds: StockMovement.Kind) -> Coalesce:
    """Units of an item's ledger rows of these kinds on these days (a subquery per item)."""
    rows = (
        StockMovement.objects.filter(lot__item=OuterRef("pk"), kind__in=kinds)
        .filter(**days.lookups("created_at"))
        .values("lot__item")
        .annotate(units=Sum("on_hand_delta"))
        .values("units")
    )
    return Coalesce(Subquery(rows), Value(0), output_field=IntegerField())


@organizer_required
def stock_csv(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    """Stock by item now, and what came in and went out on the days asked for (`?from=`,
    `?to=`, local days; all time without them), for grant reports and meetings."""
    try:
        days = date_range(request)
    except BadRange as error:
        return bad_range(error)
    Kind = StockMovement.Kind
    items = cast("QuerySet[Any]", selectors.items_with_stock()).annotate(
        received_in_range=_moved_in(days, Kind.RECEIVED, Kind.CORRECTED),
        handed_out_in_range=_moved_in(days, Kind.DISTRIBUTED),
        spoiled_in_range=_moved_in(days, Kind.SPOILED),
        adjusted_in_range=_moved_in(days, Kind.ADJUSTED),
    )
    header = [
        "item",
        "category",
        "unit",
        "on_hand",
        "reserved",
        "available",
        "target",
        "below_target",
        "next_expiry",
        "from",
        "to",
        "received_in_range",
        "handed_out_in_range",
        "spoiled_in_range",
        "adjusted_in_range",
    ]
    span = [days.start.isoformat() if days.start else "", days.end.isoformat() if days.end else ""]
    rows = (
        [
            name,
            category,
            unit,
            on_hand,
            reserved,
            available,
            target,
            on_hand < target,
            next_expiry.isoformat() if next_expiry else "",
            *span,
            received,
            -handed_out,
            -spoiled,
            adjusted,
        ]
        for (
            name,
            category,
            unit,
            on_hand,
            reserved,
            available,
            target,
            next_expiry,
            received,
            handed_out,
            spoiled,
            adjusted,
        ) in items.values_list(
            "name",
            "category__name",
            "unit",
            "total_on_hand",
            "total_reserved",
            "total_available",
            "target_on_hand",
            "next_expiry",
            "received_in_range",
            "handed_out_in_range",
            "spoiled_in_range",
            "adjusted_in_range",
        )
    )
    return csv_response(days.filename("stock"), header, rows)


@organizer_required
def donations_csv(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    """Every line of every donation not voided, newest first, on the local days asked for
    (`?from=`, `?to=`; `?since=` is an older name of `from`); 400 for a bad date."""
    try:
        days = date_range(request, legacy_from="since")
    except BadRange as error:
        return bad_range(error)
    lines = within(
        DonationLine.objects.select_related("donation__location", "item__category")
        .filter(donation__voided_at__isnull=True)
        .order_by("-donation__received_at", "donation_id", "id"),
        days,
        "donation__received_at",
    )
    header = [
        "received_at",
        "donation",
        "location",
        "donor",
        "item",
        "category",
        "quantity",
        "expires_on",
    ]
    rows = (
        [
            local_time(line.donation.received_at),
            line.donation_id,
            line.donation.location.name,
            line.donation.donor,
            line.item.name,
            line.item.category.name,
            line.quantity,
            line.expires_on.isoformat() if line.expires_on else "",
        ]
        for line in lines.iterator(chunk_size=500)
    )
    return csv_response(days.filename("donations"), header, rows)


# Fixing what was logged: correct or void a donation, count a location -----------------------


def _donation_with_lines(pk: int) -> Donation:
    return get_object_or_404(
        Donation.objects.select_related("location", "voided_by").prefetch_related(
            "lines__item", "lines__lot"
        ),
        pk=pk,
    )


@organizer_required
def donation_correct(request: HttpRequest, pk: int) -> HttpResponse:
    """Type the quantities that really came; each changed line's lot is adjusted."""
    donation = _donation_with_lines(pk)
    lines = list(donation.lines.all())
    form = CorrectionForm(request.POST or None, lines=lines)
    if request.method == "POST" and form.is_valid():
        try:
            changed = services.donation_correct(
                donation_id=donation.pk,
                quantities=form.quantities(),
                reason=form.cleaned_data["reason"],
                actor=acting_user(request),
            )
        except ServiceError as error:
            field = form.field_of(error.index) if error.index is not None else error.field
            form.add_error(field if field in form.fields else None, str(error))
        else:
            messages.success(request, _("Corrected %(count)s line(s).") % {"count": changed})
            return redirect("inventory:donation_detail", pk=donation.pk)
    return render(request, "inventory/donation_correct.html", {"donation": donation, "form": form})


def _what_was_left(left: services.LineLeft) -> str:
    parts = [
        text % {"count": count}
        for count, text in (
            (left.reserved, _("%(count)s reserved for requests")),
            (left.handed_out, _("%(count)s handed out")),
            (left.moved, _("%(count)s moved to another location")),
            (left.spoiled, _("%(count)s spoiled or counted away")),
        )
        if count
    ]
    return _("%(item)s: not taken back: %(parts)s.") % {
        "item": left.item,
        "parts": ", ".join(parts),
    }


@organizer_required
def donation_void(request: HttpRequest, pk: int) -> HttpResponse:
    """A confirmation page (what comes back, what cannot), then the void on its POST."""
    donation = _donation_with_lines(pk)
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            result = services.donation_void(
                donation_id=donation.pk,
                reason=form.cleaned_data["reason"],
                actor=acting_user(request),
            )
        except ServiceError as error:
            show_error(request, error, form)
        else:
            messages.success(
                request,
                _("Donation #%(number)s voided: %(count)s unit(s) taken back.")
                % {"number": donation.pk, "count": result.taken_back},
            )
            for left in result.left:
                messages.warning(request, _what_was_left(left))
            return redirect("inventory:donation_detail", pk=donation.pk)
    return render(
        request, "inventory/donation_void_confirm.html", {"donation": donation, "form": form}
    )


@organizer_required
def count_locations(request: HttpRequest) -> HttpResponse:
    """Where to count: each active location with how many lots hold stock there."""
    locations = Location.objects.filter(active=True).annotate(
        lot_count=models.Count("lots", filter=models.Q(lots__on_hand__gt=0))
    )
    return render(request, "inventory/count_locations.html", {"locations": locations})


def _lots_to_count(request: HttpRequest, location: Location) -> list[StockLot]:
    """The location's lots holding stock, and any lot a submitted count names (so a lot
    emptied since the page was shown is still reviewed, not silently dropped)."""
    named = {
        pk
        for key in request.POST
        if key.startswith("seen_") and (pk := bounded_int(key.removeprefix("seen_"))) is not None
    }
    return list(
        selectors.lots_with_details()
        .filter(location=location)
        .filter(models.Q(on_hand__gt=0) | models.Q(pk__in=named))
        .order_by("item__name", models.F("expires_on").asc(nulls_last=True), "pk")
    )


@organizer_required
def location_count(request: HttpRequest, pk: int) -> HttpResponse:
    """A stock count in three steps, without JavaScript: enter what is on the shelves
    (blank: not counted), review the differences, post them together (one transaction)."""
    location = get_object_or_404(Location, pk=pk)
    lots = _lots_to_count(request, location)
    form = CountForm(request.POST or None, lots=lots)
    action = request.POST.get("action", "")
    reason = ReasonForm(request.POST if action == "post" else None)
    context: dict[str, Any] = {"location": location, "form": form, "reason": reason}
    if request.method != "POST" or action == "edit" or not form.is_valid():
        return render(request, "inventory/location_count.html", context)
    counts = [services.LotCount(*row) for row in form.counts()]
    if not counts:
        form.add_error(None, _("Enter at least one count."))
        return render(request, "inventory/location_count.html", context)
    if action == "post" and reason.is_valid():
        try:
            posted = services.location_count_post(
                location=location,
                counts=counts,
                reason=reason.cleaned_data["reason"],
                actor=acting_user(request),
            )
        except ServiceError as error:
            show_error(request, error, reason)
        else:
            if posted:
                messages.success(
                    request,
                    _("Posted %(count)s adjustment(s) for %(place)s.")
                    % {"count": len(posted), "place": location.name},
                )
            else:
                messages.info(request, _("Every count matched: nothing to post."))
            return redirect("inventory:stock")
    current = services.lot_counts([count.lot_id for count in counts])
    problems = services.count_problems(location=location, counts=counts, locked=current)
    by_id = {lot.pk: lot for lot in lots}
    context["review"] = [
        {
            "lot": by_id[count.lot_id],
            "seen": count.seen_on_hand,
            "counted": count.counted,
            "difference": count.counted - count.seen_on_hand,
            "problem": problems.get(count.lot_id),
        }
        for count in counts
    ]
    context["differences"] = sum(1 for row in context["review"] if row["difference"])
    context["problems"] = bool(problems)
    return render(request, "inventory/location_count_review.html", context)
