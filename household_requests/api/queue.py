"""The organizers' request queue. No serializer here has a contact field."""

from __future__ import annotations

import datetime as dt
from typing import Any

import django_filters
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from household_requests import services
from household_requests.models import (
    OPEN_STATUSES,
    ORGANIZER_CLOSE_REASONS,
    CloseReason,
    HouseholdRequest,
    RequestLine,
    RequestStatus,
    Urgency,
    Zone,
)
from mutualaid.bounds import MAX_AGE_DAYS
from mutualaid.roles import IsOrganizer


class RequestLineSerializer(serializers.ModelSerializer[RequestLine]):
    class Meta:
        model = RequestLine
        fields = ["id", "item", "category", "quantity", "allocated"]


class QueueRequestSerializer(serializers.ModelSerializer[HouseholdRequest]):
    """A request as organizers see it: no name, phone, address or notes, ever."""

    # A list, prefetched: no queryset is built per request of a page.
    lines = RequestLineSerializer(source="line_list", many=True, read_only=True)
    # Every reason a request can carry (a failed delivery's too), blank while it is open.
    close_reason = serializers.ChoiceField(
        choices=CloseReason.choices, allow_blank=True, read_only=True
    )

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
    older_than_days = django_filters.NumberFilter(
        method="filter_older_than", min_value=0, max_value=MAX_AGE_DAYS
    )

    class Meta:
        model = HouseholdRequest
        fields = ["status", "zone", "urgency"]

    def filter_open(
        self, queryset: QuerySet[HouseholdRequest], name: str, value: bool | None
    ) -> QuerySet[HouseholdRequest]:
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
    reason = serializers.ChoiceField(choices=ORGANIZER_CLOSE_REASONS)


class RequestQueueViewSet(viewsets.ReadOnlyModelViewSet[HouseholdRequest]):
    """The request queue for organizers, filterable; triage actions. No contact fields."""

    permission_classes = [IsOrganizer]
    serializer_class = QueueRequestSerializer
    filterset_class = RequestQueueFilter

    def get_queryset(self) -> QuerySet[HouseholdRequest]:
        lines = Prefetch("lines", queryset=RequestLine.objects.all(), to_attr="line_list")
        return HouseholdRequest.objects.prefetch_related(lines).order_by(
            "-urgency", "submitted_at", "id"
        )

    def _act(self, request: Request, pk: Any, serializer_class: Any, run: Any) -> Response:
        household_request = self.get_object()
        serializer = serializer_class(data=request.data)
        serializer.is_valid(raise_exception=True)
        run(household_request.pk, serializer.validated_data)  # a ServiceError answers by its kind
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
