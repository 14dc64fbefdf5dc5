"""Household requests API: the organizers' queue, zones, and the public endpoints.

No serializer here has a contact field except the public write-only intake one.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import django_filters
from django.conf import settings
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView

from household_requests import selectors, services, validation
from household_requests.contacts import Contact
from household_requests.models import (
    Channel,
    Fulfilment,
    HouseholdRequest,
    RequestLine,
    RequestStatus,
    Urgency,
    Zone,
)
from household_requests.zones import zone_save
from inventory.models import Category, Item, Location
from mutualaid import ratelimit
from mutualaid.roles import IsOrganizer, OrganizerWritesMembersRead


class ZoneSerializer(serializers.ModelSerializer[Zone]):
    postal_codes = serializers.ListField(
        child=serializers.CharField(max_length=10), allow_empty=True, max_length=500
    )

    class Meta:
        model = Zone
        fields = ["id", "name", "postal_codes", "active"]

    def to_representation(self, instance: Zone) -> dict[str, Any]:
        return {
            "id": instance.pk,
            "name": instance.name,
            "postal_codes": [row.code for row in instance.postal_codes.all()],
            "active": instance.active,
        }


class ZoneViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet[Zone],
):
    """Zones and their postal codes: members read, organizers write."""

    permission_classes = [OrganizerWritesMembersRead]
    serializer_class = ZoneSerializer
    queryset = Zone.objects.prefetch_related("postal_codes")

    def perform_create(self, serializer: serializers.BaseSerializer[Zone]) -> None:
        data = serializer.validated_data
        serializer.instance = zone_save(name=data["name"], postal_codes=data["postal_codes"])

    def perform_update(self, serializer: serializers.BaseSerializer[Zone]) -> None:
        data = serializer.validated_data
        zone = serializer.instance
        assert zone is not None
        serializer.instance = zone_save(
            zone=zone,
            name=data.get("name", zone.name),
            postal_codes=data.get("postal_codes", [row.code for row in zone.postal_codes.all()]),
        )


class RequestLineSerializer(serializers.ModelSerializer[RequestLine]):
    class Meta:
        model = RequestLine
        fields = ["id", "item", "category", "quantity", "allocated"]


class QueueRequestSerializer(serializers.ModelSerializer[HouseholdRequest]):
    """A request as organizers see it: no name, phone, address or notes, ever."""

    lines = RequestLineSerializer(many=True, read_only=True)

    class Meta:
        model = HouseholdRequest
        fields = [
            "id",
            "reference",
            "status",
            "zone",
            "urgency",
            "adults",
            "children",
            "infants",
            "language",
            "dietary_needs",
            "preferred_days",
            "fulfilment",
            "pickup_location",
            "channel",
            "possible_duplicate",
            "planned_for",
            "close_reason",
            "submitted_at",
            "lines",
        ]
        read_only_fields = fields


class RequestQueueFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=RequestStatus.choices)
    open = django_filters.BooleanFilter(method="filter_open")
    zone = django_filters.ModelChoiceFilter(queryset=Zone.objects.all())
    urgency = django_filters.TypedChoiceFilter(choices=Urgency.choices, coerce=int)
    submitted_after = django_filters.DateFilter(field_name="submitted_at", lookup_expr="date__gte")
    submitted_before = django_filters.DateFilter(field_name="submitted_at", lookup_expr="date__lte")
    older_than_days = django_filters.NumberFilter(method="filter_older_than", min_value=0)

    class Meta:
        model = HouseholdRequest
        fields = ["status", "zone", "urgency"]

    def filter_open(
        self, queryset: QuerySet[HouseholdRequest], name: str, value: bool | None
    ) -> QuerySet[HouseholdRequest]:
        from household_requests.models import OPEN_STATUSES

        if value is None:
            return queryset
        if value:
            return queryset.filter(status__in=OPEN_STATUSES)
        return queryset.exclude(status__in=OPEN_STATUSES)

    def filter_older_than(
        self, queryset: QuerySet[HouseholdRequest], name: str, value: Any
    ) -> QuerySet[HouseholdRequest]:
        if value is None:
            return queryset
        return queryset.filter(submitted_at__lte=timezone.now() - dt.timedelta(days=int(value)))


class UrgencySerializer(serializers.Serializer[Any]):
    urgency = serializers.ChoiceField(choices=Urgency.choices)


class CloseSerializer(serializers.Serializer[Any]):
    reason = serializers.CharField(max_length=300)


class RequestQueueViewSet(viewsets.ReadOnlyModelViewSet[HouseholdRequest]):
    """The request queue for organizers, filterable; triage actions. No contact fields."""

    permission_classes = [IsOrganizer]
    serializer_class = QueueRequestSerializer
    filterset_class = RequestQueueFilter

    def get_queryset(self) -> QuerySet[HouseholdRequest]:
        return HouseholdRequest.objects.prefetch_related("lines").order_by(
            "-urgency", "submitted_at", "id"
        )

    def _act(self, request: Request, pk: Any, serializer_class: Any, run: Any) -> Response:
        household_request = self.get_object()
        serializer = serializer_class(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            run(household_request.pk, serializer.validated_data)
        except services.RequestError as error:
            raise ValidationError({error.field or "status": [str(error.message)]}) from None
        return Response(self.get_serializer(self.get_queryset().get(pk=household_request.pk)).data)

    @extend_schema(request=UrgencySerializer, responses=QueueRequestSerializer)
    @action(detail=True, methods=["post"])
    def urgency(self, request: Request, pk: Any = None) -> Response:
        return self._act(
            request,
            pk,
            UrgencySerializer,
            lambda rid, data: services.request_set_urgency(request_id=rid, urgency=data["urgency"]),
        )

    @extend_schema(request=CloseSerializer, responses=QueueRequestSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: Any = None) -> Response:
        return self._act(
            request,
            pk,
            CloseSerializer,
            lambda rid, data: services.request_close_unfulfilled(
                request_id=rid, reason=data["reason"]
            ),
        )


# Public endpoints -------------------------------------------------------------------


class RequestFloodThrottle(BaseThrottle):
    """Shares the public form's atomic per-address counter (see mutualaid.ratelimit)."""

    def allow_request(self, request: Request, view: APIView) -> bool:
        if request.method != "POST":
            return True
        return ratelimit.hit(
            scope="request-form",
            ident=ratelimit.client_address(request),
            limit=settings.REQUEST_RATE_LIMIT,
            window=settings.REQUEST_RATE_WINDOW_SECONDS,
        )

    def wait(self) -> float:
        return float(settings.REQUEST_RATE_WINDOW_SECONDS)


def _plain_text(limit: int, *, required: bool = True) -> serializers.CharField:
    return serializers.CharField(
        max_length=limit,
        required=required,
        allow_blank=not required,
        default="" if not required else serializers.empty,
        validators=[validation.validate_plain_text],
        write_only=True,
    )


class PublicLineSerializer(serializers.Serializer[Any]):
    item = serializers.PrimaryKeyRelatedField(
        queryset=Item.objects.filter(active=True), required=False, allow_null=True
    )
    category = serializers.PrimaryKeyRelatedField(
        queryset=Category.objects.all(), required=False, allow_null=True
    )
    quantity = serializers.IntegerField(min_value=1, max_value=100)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        item, category = attrs.get("item"), attrs.get("category")
        if (item is None) == (category is None):
            raise ValidationError({"item": [str(validation.NO_ITEMS)]})
        if item is not None and attrs["quantity"] > item.max_per_household:
            raise ValidationError(
                {"quantity": [str(validation.TOO_MANY % {"limit": item.max_per_household})]}
            )
        return attrs


class PublicRequestSerializer(serializers.Serializer[Any]):
    """What a partner app sends for a family. Contact fields are write-only."""

    language = serializers.ChoiceField(
        choices=[code for code, _name in settings.LANGUAGES], default="en"
    )
    postal_code = serializers.CharField(max_length=10)
    adults = serializers.IntegerField(min_value=0, max_value=20, default=1)
    children = serializers.IntegerField(min_value=0, max_value=20, default=0)
    infants = serializers.IntegerField(min_value=0, max_value=20, default=0)
    name = _plain_text(validation.NAME_MAX)
    phone = serializers.CharField(
        max_length=validation.PHONE_MAX, validators=[validation.validate_phone], write_only=True
    )
    address = _plain_text(validation.ADDRESS_MAX, required=False)
    notes = _plain_text(validation.NOTES_MAX, required=False)
    safe_to_call = serializers.BooleanField(default=True, write_only=True)
    safe_to_text = serializers.BooleanField(default=True, write_only=True)
    fulfilment = serializers.ChoiceField(choices=Fulfilment.choices, default=Fulfilment.DELIVERY)
    pickup_location = serializers.PrimaryKeyRelatedField(
        queryset=Location.objects.filter(active=True), required=False, allow_null=True
    )
    dietary_needs = serializers.ListField(
        child=serializers.CharField(max_length=30), required=False, max_length=20
    )
    preferred_days = serializers.ListField(
        child=serializers.ChoiceField(choices=["mon", "tue", "wed", "thu", "fri", "sat", "sun"]),
        required=False,
        max_length=7,
    )
    lines = PublicLineSerializer(many=True, allow_empty=False)

    def validate_postal_code(self, value: str) -> str:
        code = validation.normalize_postal_code(value)
        if validation.zone_for_postal_code(code) is None:
            raise ValidationError(str(validation.UNKNOWN_POSTAL_CODE))
        return code

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["adults"] + attrs["children"] + attrs["infants"] < 1:
            raise ValidationError({"adults": [str(validation.HOUSEHOLD_EMPTY)]})
        if attrs["fulfilment"] == Fulfilment.PICKUP:
            if not attrs.get("pickup_location"):
                raise ValidationError(
                    {"pickup_location": [str(validation.PICKUP_LOCATION_REQUIRED)]}
                )
        elif not attrs.get("address", "").strip():
            raise ValidationError({"address": [str(validation.ADDRESS_REQUIRED)]})
        if len(attrs["lines"]) > 60:
            raise ValidationError({"lines": ["Too many lines."]})
        return attrs


class PublicRequestView(APIView):
    """POST a household request for a family; answers its reference and private status URL."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    throttle_classes = [RequestFloodThrottle]

    @extend_schema(
        request=PublicRequestSerializer,
        responses={
            201: inline_serializer(
                "SubmittedRequest",
                {"reference": serializers.CharField(), "status_url": serializers.URLField()},
            )
        },
    )
    def post(self, request: Request) -> Response:
        serializer = PublicRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            submitted = services.request_submit(
                data=services.RequestInput(
                    postal_code=data["postal_code"],
                    contact=Contact(
                        name=data["name"].strip(),
                        phone=data["phone"].strip(),
                        address=data.get("address", "").strip(),
                        notes=data.get("notes", "").strip(),
                        safe_to_call=data["safe_to_call"],
                        safe_to_text=data["safe_to_text"],
                    ),
                    lines=[
                        services.LineInput(
                            item=line.get("item"),
                            category=line.get("category"),
                            quantity=line["quantity"],
                        )
                        for line in data["lines"]
                    ],
                    adults=data["adults"],
                    children=data["children"],
                    infants=data["infants"],
                    language=data["language"],
                    fulfilment=data["fulfilment"],
                    pickup_location=data.get("pickup_location"),
                    dietary_needs=data.get("dietary_needs", []),
                    preferred_days=data.get("preferred_days", []),
                ),
                channel=Channel.API,
            )
        except services.RequestError as error:
            raise ValidationError(
                {error.field or "non_field_errors": [str(error.message)]}
            ) from None
        path = reverse(
            "household_requests:status",
            kwargs={"reference": submitted.request.reference, "secret": submitted.status_secret},
        )
        return Response(
            {
                "reference": submitted.request.reference,
                "status_url": request.build_absolute_uri(path),
                "language": get_language(),
            },
            status=status.HTTP_201_CREATED,
        )


class NeedSerializer(serializers.Serializer[Any]):
    item = serializers.IntegerField(source="item_id", allow_null=True)
    category = serializers.IntegerField(source="category_id", allow_null=True)
    name = serializers.CharField()
    unit = serializers.CharField()
    shortfall = serializers.IntegerField()


class PublicNeedsView(APIView):
    """What open requests still lack, aggregated per item. Nothing personal."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]

    @extend_schema(responses=NeedSerializer(many=True))
    def get(self, request: Request) -> Response:
        return Response(NeedSerializer(selectors.most_needed(), many=True).data)
