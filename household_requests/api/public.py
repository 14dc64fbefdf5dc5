"""Public endpoints: partner intake (contact fields write-only) and the needs list."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.translation import get_language
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView

from household_requests import lookups, selectors, services, validation
from household_requests.contacts import Contact
from household_requests.intake import status_url, submission_allowed
from household_requests.models import (
    Channel,
    Fulfilment,
)
from inventory.models import Category, Item, Location


class RequestFloodThrottle(BaseThrottle):
    """Shares the public form's atomic per-address counter (see mutualaid.ratelimit)."""

    def allow_request(self, request: Request, view: APIView) -> bool:
        if request.method != "POST":
            return True
        return submission_allowed(request)

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
        if lookups.zone_for_postal_code(code) is None:
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
        return Response(
            {
                "reference": submitted.request.reference,
                "status_url": status_url(request, submitted),
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
