"""Inventory REST API: catalogue, donations with nested lines, stock lots."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import django_filters
from django.db.models import F, QuerySet
from django.utils.translation import gettext_lazy as _
from rest_framework import mixins, serializers, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from inventory import selectors, services
from inventory.diet import DietTag, read_diet_tags
from inventory.forms import MAX_LINE_QUANTITY
from inventory.models import (
    CATEGORY_FIELDS,
    ITEM_FIELDS,
    LOCATION_FIELDS,
    NAME_TRANSLATION_FIELDS,
    Category,
    Donation,
    DonationLine,
    Item,
    Location,
    StockLot,
    translation_clashes,
)
from mutualaid.roles import IsOrganizer, OrganizerWritesMembersRead, acting_user

MAX_LINES_PER_DONATION = 200
TOO_MANY_LINES = _("At most %(count)s lines per donation.")


class TranslatedNamesMixin:
    """Refuses a translated name another row already has in that language (400 on the
    field), as the catalogue page does through `TranslatedName.clean`."""

    instance: Any

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        model = self.Meta.model  # type: ignore[attr-defined]
        names = {
            field: attrs.get(field, getattr(self.instance, field, ""))
            for field in NAME_TRANSLATION_FIELDS
        }
        clashes = translation_clashes(model, pk=getattr(self.instance, "pk", None), names=names)
        if clashes:
            raise ValidationError({field: [message] for field, message in clashes.items()})
        return attrs


class CategorySerializer(TranslatedNamesMixin, serializers.ModelSerializer[Category]):
    class Meta:
        model = Category
        fields = ["id", *CATEGORY_FIELDS]


class DietTagsField(serializers.ListField):
    """A list of `inventory.diet.DietTag` values; an unknown or clashing tag is a 400 whose
    one message names it (read by `read_diet_tags`, as the catalogue page and admin do)."""

    child = serializers.ChoiceField(choices=DietTag.choices)

    def to_internal_value(self, data: Any) -> list[str]:
        return read_diet_tags(data)


class ItemSerializer(TranslatedNamesMixin, serializers.ModelSerializer[Item]):
    diet_tags = DietTagsField(required=False)

    class Meta:
        model = Item
        fields = ["id", *ITEM_FIELDS]


class LocationSerializer(serializers.ModelSerializer[Location]):
    class Meta:
        model = Location
        fields = ["id", *LOCATION_FIELDS]


class DonationLineSerializer(serializers.ModelSerializer[DonationLine]):
    item = serializers.PrimaryKeyRelatedField(queryset=Item.objects.filter(active=True))
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_LINE_QUANTITY)
    lot: serializers.PrimaryKeyRelatedField[StockLot] = serializers.PrimaryKeyRelatedField(
        read_only=True
    )

    class Meta:
        model = DonationLine
        fields = ["id", "item", "quantity", "expires_on", "lot"]


class DonationSerializer(serializers.ModelSerializer[Donation]):
    location = serializers.PrimaryKeyRelatedField(queryset=Location.objects.filter(active=True))
    lines = DonationLineSerializer(many=True, allow_empty=False)

    class Meta:
        model = Donation
        fields = ["id", "location", "donor", "note", "received_at", "lines"]
        read_only_fields = ["received_at"]

    def to_internal_value(self, data: Any) -> Any:
        # Count the lines before any field looks its item or location up in the database.
        lines = data.get("lines") if isinstance(data, Mapping) else None
        if isinstance(lines, list) and len(lines) > MAX_LINES_PER_DONATION:
            raise ValidationError({"lines": [TOO_MANY_LINES % {"count": MAX_LINES_PER_DONATION}]})
        return super().to_internal_value(data)


class StockLotSerializer(serializers.ModelSerializer[StockLot]):
    item_name = serializers.CharField(source="item.name", read_only=True)
    category = serializers.IntegerField(source="item.category_id", read_only=True)
    unit = serializers.CharField(source="item.unit", read_only=True)
    available = serializers.IntegerField(read_only=True)

    class Meta:
        model = StockLot
        fields = [
            "id",
            "item",
            "item_name",
            "category",
            "unit",
            "location",
            "expires_on",
            "on_hand",
            "reserved",
            "available",
            "received_at",
        ]


class StockLotFilter(django_filters.FilterSet):
    item = django_filters.ModelChoiceFilter(queryset=Item.objects.all())
    category = django_filters.ModelChoiceFilter(
        field_name="item__category", queryset=Category.objects.all()
    )
    location = django_filters.ModelChoiceFilter(queryset=Location.objects.all())
    expiring_before = django_filters.DateFilter(field_name="expires_on", lookup_expr="lt")
    available = django_filters.BooleanFilter(method="filter_available")

    class Meta:
        model = StockLot
        fields = ["item", "category", "location", "expiring_before", "available"]

    def filter_available(
        self, queryset: QuerySet[StockLot], name: str, value: bool | None
    ) -> QuerySet[StockLot]:
        if value is None:
            return queryset
        if value:
            return queryset.filter(on_hand__gt=F("reserved"))
        return queryset.filter(on_hand=F("reserved"))


class CatalogueViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Members read, organizers create and edit. Nothing is deleted: set `active` false."""

    permission_classes = [OrganizerWritesMembersRead]


class CategoryViewSet(CatalogueViewSet):
    queryset = Category.objects.all()
    serializer_class = CategorySerializer


class ItemViewSet(CatalogueViewSet):
    queryset = Item.objects.all()
    serializer_class = ItemSerializer
    filterset_fields = ["category", "perishable", "active"]


class LocationViewSet(CatalogueViewSet):
    queryset = Location.objects.all()
    serializer_class = LocationSerializer


class DonationViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Organizers log donations; each line becomes a stock lot. Donations are not edited."""

    permission_classes = [IsOrganizer]
    serializer_class = DonationSerializer
    queryset = Donation.objects.prefetch_related("lines__lot")
    filterset_fields = ["location"]

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        donation = services.donation_receive(
            location=data["location"],
            donor=data.get("donor", ""),
            note=data.get("note", ""),
            received_by=acting_user(request),
            lines=[
                services.DonationLineInput(
                    item=line["item"], quantity=line["quantity"], expires_on=line.get("expires_on")
                )
                for line in data["lines"]
            ],
        )
        donation = self.get_queryset().get(pk=donation.pk)
        return Response(self.get_serializer(donation).data, status=201)


class StockLotViewSet(viewsets.ReadOnlyModelViewSet[StockLot]):
    """Stock lots with filters; organizers only."""

    permission_classes = [IsOrganizer]
    serializer_class = StockLotSerializer
    filterset_class = StockLotFilter

    def get_queryset(self) -> QuerySet[StockLot]:
        return selectors.lots_with_details().order_by(F("expires_on").asc(nulls_last=True), "id")
