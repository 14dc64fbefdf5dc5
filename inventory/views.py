"""Organizer pages: donation intake, stock, lots, catalogue."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.db import models
from django.db.models import QuerySet
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
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
    DonationForm,
    DonationLineFormSet,
    ItemForm,
    LocationForm,
    StockFilterForm,
)
from inventory.models import Category, Donation, DonationLine, Item, Location, StockLot
from mutualaid.bounds import INVALID_DATE, date_or_none
from mutualaid.csvexport import csv_response
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
    items = selectors.items_with_stock(
        category=filters.cleaned_data["category"] if valid else None,
        below_target=valid and filters.cleaned_data["show"] == "below_target",
        in_stock=valid and filters.cleaned_data["show"] == "in_stock",
    )
    expiring = selectors.lots_expiring_soon().order_by("expires_on", "id")[:50]
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
    movements = lot.movements.select_related("actor").order_by("-id")[:50]
    return render(
        request,
        "inventory/lot_detail.html",
        {"lot": lot, "adjust": adjust, "movements": movements},
    )


@organizer_required
@require_POST
def lot_spoil(request: HttpRequest, pk: int) -> HttpResponse:
    lot = get_object_or_404(StockLot, pk=pk)
    spoiled = services.lots_spoil(
        lot_ids=[lot.pk], reason=SPOILED_BY_ORGANIZER, actor=acting_user(request)
    )
    if spoiled:
        messages.success(request, _("Unreserved units marked spoiled."))
    else:
        messages.info(request, _("Nothing unreserved left to spoil."))
    return redirect("inventory:lot_detail", pk=lot.pk)


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


@organizer_required
def stock_csv(request: HttpRequest) -> StreamingHttpResponse:
    """Stock by item, for grant reports and meetings."""
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
    ]
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
        ]
        for name, category, unit, on_hand, reserved, available, target, next_expiry in (
            # Annotated totals: typed as Any because the stubs cannot see the annotations.
            cast("QuerySet[Any]", selectors.items_with_stock()).values_list(
                "name",
                "category__name",
                "unit",
                "total_on_hand",
                "total_reserved",
                "total_available",
                "target_on_hand",
                "next_expiry",
            )
        )
    )
    return csv_response("stock.csv", header, rows)


@organizer_required
def donations_csv(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    """Every donation line, newest first; `?since=YYYY-MM-DD` limits it (400 if no date)."""
    lines = DonationLine.objects.select_related("donation__location", "item__category").order_by(
        "-donation__received_at", "donation_id", "id"
    )
    if since_text := request.GET.get("since", ""):
        since = date_or_none(since_text)
        if since is None:
            return HttpResponseBadRequest(str(INVALID_DATE), content_type="text/plain")
        lines = lines.filter(donation__received_at__date__gte=since)
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
            timezone.localtime(line.donation.received_at).isoformat(timespec="minutes"),
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
    return csv_response("donations.csv", header, rows)
