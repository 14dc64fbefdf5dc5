"""Deliveries API: the route board, route details with contacts for the assigned driver
only, claim/release/start, stop completion, and "match now"."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Prefetch, QuerySet
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from deliveries import selectors, services
from deliveries.models import Driver, RevealChannel, Route, RouteStatus, Stop, StopOutcome
from deliveries.reveal import contacts_reveal
from household_requests.models import Zone
from mutualaid.jobs import announce
from mutualaid.roles import IsOrganizer, acting_user, is_driver, is_organizer
from mutualaid.schedule import Event


class IsDriverOrOrganizer(permissions.BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        return is_driver(request.user) or is_organizer(request.user)


def _items(stop: Stop) -> list[dict[str, Any]]:
    return [
        {
            "name": line.label,
            "unit": line.item.unit if line.item else "",
            "quantity": line.allocated,
            "asked": line.quantity,
        }
        for line in stop.request.lines.all()
    ]


class StopSerializer(serializers.Serializer[Stop]):
    id = serializers.IntegerField()
    reference = serializers.CharField(source="request.reference")
    sequence = serializers.IntegerField()
    outcome = serializers.CharField()
    items = serializers.SerializerMethodField()

    def get_items(self, stop: Stop) -> list[dict[str, Any]]:
        return _items(stop)

    def to_representation(self, stop: Stop) -> dict[str, Any]:
        data = super().to_representation(stop)
        contact = self.context.get("contacts", {}).get(stop.pk)
        if contact is not None:
            data["contact"] = {
                "name": contact.name,
                "phone": contact.phone,
                "address": contact.address,
                "notes": contact.notes,
                "safe_to_call": contact.safe_to_call,
                "safe_to_text": contact.safe_to_text,
            }
        return data


class RouteSerializer(serializers.ModelSerializer[Route]):
    zone_name = serializers.CharField(source="zone.name", read_only=True)
    stop_count = serializers.IntegerField(read_only=True)
    load = serializers.IntegerField(source="load_total", read_only=True)
    load_by_category = serializers.SerializerMethodField()
    mine = serializers.SerializerMethodField()
    stops = serializers.SerializerMethodField()

    class Meta:
        model = Route
        fields = [
            "id",
            "status",
            "zone",
            "zone_name",
            "service_date",
            "window_start",
            "window_end",
            "stop_count",
            "load",
            "load_by_category",
            "mine",
            "stops",
        ]

    def get_load_by_category(self, route: Route) -> dict[str, int]:
        return self.context.get("loads", {}).get(route.pk, {})

    def get_mine(self, route: Route) -> bool:
        driver = self.context.get("driver")
        return driver is not None and route.driver_id == driver.pk

    def get_stops(self, route: Route) -> list[dict[str, Any]]:
        stops = list(route.stops.all())
        if not self.context.get("all_stops"):
            stops = [stop for stop in stops if stop.outcome == StopOutcome.PENDING]
        serializer = StopSerializer(context=self.context)
        return [serializer.to_representation(stop) for stop in stops]


class RouteFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=RouteStatus.choices)
    zone = django_filters.ModelChoiceFilter(queryset=Zone.objects.all())
    date = django_filters.DateFilter(field_name="service_date")
    date_from = django_filters.DateFilter(field_name="service_date", lookup_expr="gte")
    date_to = django_filters.DateFilter(field_name="service_date", lookup_expr="lte")

    class Meta:
        model = Route
        fields = ["status", "zone", "date"]


def _driver_or_403(request: Request) -> Driver:
    driver = selectors.driver_for_user(request.user)
    if driver is None:
        raise PermissionDenied("Only drivers can do this.")
    return driver


def _refuse(error: services.DeliveryError) -> Response:
    return Response({"detail": str(error.message)}, status=error.status)


class RouteViewSet(viewsets.ReadOnlyModelViewSet[Route]):
    """Board and routes. Contact fields appear only in a route's detail, and only for its
    assigned driver while the route is claimed or in progress; every reveal is logged."""

    permission_classes = [IsDriverOrOrganizer]
    serializer_class = RouteSerializer
    filterset_class = RouteFilter

    def get_queryset(self) -> QuerySet[Route]:
        stops = (
            Stop.objects.select_related("request")
            .prefetch_related("request__lines__item", "request__lines__category")
            .order_by("sequence", "id")
        )
        return (
            selectors.routes_for_user(self.request.user)
            .prefetch_related(Prefetch("stops", queryset=stops))
            .order_by("service_date", "window_start", "id")
        )

    def get_serializer_context(self) -> dict[str, Any]:
        context = dict(super().get_serializer_context())
        context["driver"] = selectors.driver_for_user(self.request.user)
        return context

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        routes = list(page if page is not None else queryset)
        context = self.get_serializer_context()
        context["loads"] = selectors.load_by_category([r.pk for r in routes])
        data = RouteSerializer(routes, many=True, context=context).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        try:
            pk = int(kwargs["pk"])
        except ValueError:
            raise NotFound from None
        route = self.get_queryset().filter(pk=pk).first()
        if route is None:
            raise NotFound
        context = self.get_serializer_context()
        context["loads"] = selectors.load_by_category([route.pk])
        context["all_stops"] = True
        context["contacts"] = contacts_reveal(
            route=route,
            stops=list(route.stops.all()),
            user=acting_user(request),
            channel=RevealChannel.API,
        )
        return Response(RouteSerializer(route, context=context).data)

    def _act(self, request: Request, pk: Any, run: Any) -> Response:
        driver = _driver_or_403(request)
        # Any route of the driver's zones: a route claimed a moment ago answers 409, not 404.
        route = selectors.route_in_zones_of(driver, int(pk))
        try:
            route = run(route_id=route.pk, driver=driver)
        except services.DeliveryError as error:
            return _refuse(error)
        # The answer carries no contacts: they are revealed (and logged) only on request.
        route = self.get_queryset().get(pk=route.pk)
        context = self.get_serializer_context()
        context["loads"] = selectors.load_by_category([route.pk])
        return Response(RouteSerializer(route, context=context).data)

    @extend_schema(request=None, responses=RouteSerializer)
    @action(detail=True, methods=["post"])
    def claim(self, request: Request, pk: Any = None) -> Response:
        return self._act(request, pk, services.route_claim)

    @extend_schema(request=None, responses=RouteSerializer)
    @action(detail=True, methods=["post"])
    def release(self, request: Request, pk: Any = None) -> Response:
        return self._act(request, pk, services.route_release)

    @extend_schema(request=None, responses=RouteSerializer)
    @action(detail=True, methods=["post"])
    def start(self, request: Request, pk: Any = None) -> Response:
        return self._act(request, pk, services.route_start)


class StopCompletionSerializer(serializers.Serializer[Any]):
    outcome = serializers.ChoiceField(choices=[StopOutcome.DELIVERED, StopOutcome.FAILED])
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class StopCompleteView(APIView):
    """POST `{"outcome": "delivered"|"failed", "note"}` by the route's assigned driver."""

    permission_classes = [IsDriverOrOrganizer]

    @extend_schema(
        request=StopCompletionSerializer,
        responses=inline_serializer(
            "StopCompleted",
            {
                "id": serializers.IntegerField(),
                "outcome": serializers.CharField(),
                "route_completed": serializers.BooleanField(),
            },
        ),
    )
    def post(self, request: Request, pk: int) -> Response:
        driver = _driver_or_403(request)
        stop = Stop.objects.filter(pk=pk, route__driver=driver).first()
        if stop is None:
            raise NotFound
        serializer = StopCompletionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            result = services.stop_complete(
                stop_id=stop.pk,
                driver=driver,
                outcome=serializer.validated_data["outcome"],
                note=serializer.validated_data["note"],
            )
        except services.DeliveryError as error:
            return _refuse(error)
        return Response(
            {
                "id": result.stop.pk,
                "outcome": result.stop.outcome,
                "route_completed": result.route_completed,
            }
        )


class MatchingRunView(APIView):
    """POST: run allocation and route planning now (in the background). Answers 202."""

    permission_classes = [IsOrganizer]

    @extend_schema(
        request=None,
        responses={202: inline_serializer("Queued", {"queued": serializers.BooleanField()})},
    )
    def post(self, request: Request) -> Response:
        announce(Event.MATCHING_REQUESTED)
        return Response({"queued": True}, status=status.HTTP_202_ACCEPTED)
