"""Deliveries API: the route board, route details with contacts for the assigned driver
only, claim/release/start, stop completion, and "match now"."""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from typing import Any

import django_filters
from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field, inline_serializer
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from deliveries import access, holds, selectors, services
from deliveries.models import (
    Driver,
    FailureReason,
    RevealChannel,
    Route,
    RouteStatus,
    Stop,
    StopOutcome,
)
from deliveries.reveal import contacts_reveal
from household_requests.models import RequestLine, Zone
from mutualaid.jobs import announce
from mutualaid.roles import IsMember, IsOrganizer, acting_user
from mutualaid.schedule import Event


def _items(stop: Stop) -> list[dict[str, Any]]:
    return [
        {
            "name": line.label,
            "unit": line.item.unit if line.item else "",
            "quantity": line.allocated,
            "asked": line.quantity,
        }
        for line in stop.request.line_list  # type: ignore[attr-defined]
    ]


class StopSerializer(serializers.Serializer[Stop]):
    id = serializers.IntegerField()
    reference = serializers.CharField(source="request.reference")
    sequence = serializers.IntegerField()
    outcome = serializers.CharField()
    failure_reason = serializers.CharField()
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
                # Say it first at the door; the family has it on their status page.
                "door_word": contact.door_word.words if contact.door_word else "",
                "door_word_hint": contact.door_word.hint if contact.door_word else "",
            }
        return data


@extend_schema_field({"type": "string", "pattern": r"^\d{2}:\d{2}:\d{2}$", "example": "10:00:00"})
class WallClockField(serializers.TimeField):
    """A time of day in the network's time zone, "HH:MM:SS": it has no UTC offset, so it
    is not OpenAPI's `format: time` (RFC 3339's time, which needs one)."""


class RouteSerializer(serializers.ModelSerializer[Route]):
    window_start = WallClockField(read_only=True)
    window_end = WallClockField(read_only=True)
    zone_name = serializers.CharField(source="zone.name", read_only=True)
    stop_count = serializers.IntegerField(read_only=True)
    load = serializers.IntegerField(source="load_total", read_only=True)
    load_by_category = serializers.SerializerMethodField()
    mine = serializers.SerializerMethodField()
    offered_to_me = serializers.SerializerMethodField()
    pantry = serializers.SerializerMethodField()
    hold = serializers.SerializerMethodField()
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
            "offered_to_me",
            "pantry",
            "hold",
            "stops",
        ]

    def get_load_by_category(self, route: Route) -> dict[str, int]:
        return self.context.get("loads", {}).get(route.pk, {})

    def get_mine(self, route: Route) -> bool:
        driver = self.context.get("driver")
        return driver is not None and route.driver_id == driver.pk

    def get_offered_to_me(self, route: Route) -> bool:
        """An organizer offered this open route to the asking driver (accept or decline)."""
        driver = self.context.get("driver")
        return driver is not None and route.offered_to_id == driver.pk and route.driver_id is None

    def get_pantry(self, route: Route) -> str | None:
        """Where the route's stock is packed (a pantry location's name)."""
        return route.pantry.name if route.pantry is not None else None

    def get_hold(self, route: Route) -> str | None:
        """A paused zone (issue 14): the hold for this route's driver, in a route's detail;
        null otherwise."""
        return self.context.get("holds", {}).get(route.pk)

    @cached_property
    def _stop_serializer(self) -> StopSerializer:
        # One for the whole list: a serializer's fields are copied when it is built.
        return StopSerializer(context=self.context)

    def get_stops(self, route: Route) -> list[dict[str, Any]]:
        stops: list[Stop] = route.stop_list  # type: ignore[attr-defined]
        if not self.context.get("all_stops"):
            stops = [stop for stop in stops if stop.outcome == StopOutcome.PENDING]
        return [self._stop_serializer.to_representation(stop) for stop in stops]


class RouteFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=RouteStatus.choices)
    zone = django_filters.ModelChoiceFilter(queryset=Zone.objects.all())
    date = django_filters.DateFilter(field_name="service_date")
    date_from = django_filters.DateFilter(field_name="service_date", lookup_expr="gte")
    date_to = django_filters.DateFilter(field_name="service_date", lookup_expr="lte")

    class Meta:
        model = Route
        fields = ["status", "zone", "date"]


DRIVERS_ONLY = _("Only drivers can do this.")


def _driver_or_403(request: Request) -> Driver:
    """The API's counterpart of the pages' `signed_in_driver`: a driver with a profile."""
    driver = access.driver_for_user(request.user)
    if driver is None:
        raise PermissionDenied(DRIVERS_ONLY)
    return driver


def _loads(routes: list[Route]) -> dict[int, dict[str, int]]:
    """Each route's load by category, from the stops `_with_stops` read: no query."""
    return {
        route.pk: selectors.load_of(
            route.stop_list,  # type: ignore[attr-defined]
            lambda stop: stop.request.line_list,  # type: ignore[attr-defined]
        )
        for route in routes
    }


def _with_stops(routes: QuerySet[Route]) -> QuerySet[Route]:
    """Routes with `stop_list`, each stop's request with `line_list` (lists, not managers:
    a list API page builds no queryset per route and per stop)."""
    lines = RequestLine.objects.select_related("item__category", "category")
    stops = (
        Stop.objects.select_related("request")
        .prefetch_related(Prefetch("request__lines", queryset=lines, to_attr="line_list"))
        .order_by("sequence", "id")
    )
    return routes.prefetch_related(Prefetch("stops", queryset=stops, to_attr="stop_list")).order_by(
        "service_date", "window_start", "id"
    )


class RouteViewSet(viewsets.ReadOnlyModelViewSet[Route]):
    """Board and routes. Contact fields appear only in a route's detail, and only for its
    assigned driver once started on its day (deliveries.access.revealing_to); every reveal
    is logged."""

    permission_classes = [IsMember]
    serializer_class = RouteSerializer
    filterset_class = RouteFilter
    lookup_value_regex = r"\d+"

    @cached_property
    def _driver(self) -> Driver | None:
        """The asking driver's profile, read once for the request (None for others)."""
        return access.driver_for_user(self.request.user)

    def get_queryset(self) -> QuerySet[Route]:
        return _with_stops(access.routes_for_user(self.request.user, driver=self._driver))

    def get_serializer_context(self) -> dict[str, Any]:
        context = dict(super().get_serializer_context())
        context["driver"] = self._driver
        return context

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        routes = list(page if page is not None else queryset)
        context = self.get_serializer_context()
        context["loads"] = _loads(routes)
        data = RouteSerializer(routes, many=True, context=context).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        route = self.get_queryset().filter(pk=kwargs["pk"]).first()
        if route is None:
            raise NotFound
        context = self.get_serializer_context()
        context["loads"] = _loads([route])
        context["all_stops"] = True
        driver = context["driver"]
        hold = holds.hold_for(route) if driver and route.driver_id == driver.pk else None
        context["holds"] = {route.pk: hold.text()} if hold else {}
        context["contacts"] = contacts_reveal(
            route=route,
            stops=route.stop_list,  # type: ignore[attr-defined]
            user=acting_user(request),
            channel=RevealChannel.API,
        )
        return Response(RouteSerializer(route, context=context).data)

    def _act(
        self,
        request: Request,
        pk: Any,
        find: Callable[[Driver, int], Route],
        run: Callable[..., Route],
    ) -> Response:
        driver = self._driver
        if driver is None:
            raise PermissionDenied(DRIVERS_ONLY)
        route = run(route_id=find(driver, int(pk)).pk, driver=driver)
        # The route as it is now, even if the driver no longer sees it (released on a day
        # that has passed). No contacts: they are revealed (and logged) only on request.
        route = _with_stops(
            selectors.with_totals(Route.objects.select_related("pantry").filter(pk=route.pk))
        ).get()
        context = self.get_serializer_context()
        context["loads"] = _loads([route])
        return Response(RouteSerializer(route, context=context).data)

    @extend_schema(request=None, responses=RouteSerializer)
    @action(detail=True, methods=["post"])
    def claim(self, request: Request, pk: Any = None) -> Response:
        return self._act(request, pk, access.route_to_claim, services.route_claim)

    @extend_schema(request=None, responses=RouteSerializer)
    @action(detail=True, methods=["post"])
    def release(self, request: Request, pk: Any = None) -> Response:
        return self._act(request, pk, access.route_to_act_on, services.route_release)

    @extend_schema(request=None, responses=RouteSerializer)
    @action(detail=True, methods=["post"])
    def start(self, request: Request, pk: Any = None) -> Response:
        return self._act(request, pk, access.route_to_act_on, services.route_start)

    @extend_schema(request=None, responses=RouteSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk: Any = None) -> Response:
        """Accept a route an organizer offered you: a claim (a lost race answers 409)."""
        return self._act(request, pk, access.route_to_claim, services.route_offer_accept)

    @extend_schema(request=None, responses=RouteSerializer)
    @action(detail=True, methods=["post"])
    def decline(self, request: Request, pk: Any = None) -> Response:
        """Decline a route an organizer offered you; it stays on the board."""
        return self._act(request, pk, access.route_to_claim, _decline)


def _decline(*, route_id: int, driver: Driver) -> Route:
    services.route_offer_decline(route_id=route_id, driver=driver)
    return Route.objects.get(pk=route_id)


class StopCompletionSerializer(serializers.Serializer[Any]):
    outcome = serializers.ChoiceField(
        choices=[StopOutcome.DELIVERED, StopOutcome.FAILED, StopOutcome.HELD]
    )
    # Failed only, and then required (the service checks it); no free text.
    reason = serializers.ChoiceField(
        choices=FailureReason.choices, required=False, allow_blank=True, default=""
    )


class StopCompleteView(APIView):
    """POST `{"outcome": "delivered"|"failed"|"held", "reason"}` by the route's assigned
    driver: `reason` (failed only) is one of FailureReason; free text answers 400. "held"
    (held for safety) is never an attempt and keeps the request open."""

    permission_classes = [IsMember]

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
        stop = access.stop_for_driver(driver, pk)
        serializer = StopCompletionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        result = services.stop_complete(
            stop_id=stop.pk,
            driver=driver,
            outcome=serializer.validated_data["outcome"],
            reason=serializer.validated_data["reason"],
        )
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
