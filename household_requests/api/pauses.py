"""Zone pauses for hotline tools (issue 14): a dispatcher's (or organizer's) token pauses
zones and reads which are paused. Pausing twice is harmless (only ever extends). A token
lives TOKEN_TTL_HOURS (knox), as every token does."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from household_requests import pauses
from household_requests.models import PauseKind
from mutualaid.errors import ServiceError
from mutualaid.roles import MayPauseZones, acting_user

MAX_MINUTES = 7 * 24 * 60


class PauseInputSerializer(serializers.Serializer[Any]):
    zones = serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, max_length=500
    )
    postal_codes = serializers.ListField(
        child=serializers.CharField(max_length=10), required=False, max_length=500
    )
    until = serializers.DateTimeField(required=False)
    minutes = serializers.IntegerField(required=False, min_value=1, max_value=MAX_MINUTES)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if ("zones" in attrs) == ("postal_codes" in attrs):
            raise serializers.ValidationError(
                {"zones": [str(pauses.NO_ZONES) + " (zones or postal_codes)"]}
            )
        if ("until" in attrs) == ("minutes" in attrs):
            raise serializers.ValidationError({"until": [str(pauses.BAD_DURATION)]})
        return attrs


class PausedZoneSerializer(serializers.Serializer[Any]):
    zone = serializers.IntegerField()
    name = serializers.CharField()
    until = serializers.DateTimeField()


class UnmatchedSerializer(serializers.Serializer[Any]):
    zones = serializers.ListField(child=serializers.IntegerField(), required=False)
    postal_codes = serializers.ListField(child=serializers.CharField(), required=False)


class PauseAnswerSerializer(serializers.Serializer[Any]):
    paused = PausedZoneSerializer(many=True)
    unmatched = UnmatchedSerializer()


def _paused() -> list[dict[str, Any]]:
    return [
        {"zone": pause.zone_id, "name": pause.zone.name, "until": pause.until}
        for pause in pauses.paused_zones()
    ]


class ZonePauseView(APIView):
    """POST `{"zones": [ids] | "postal_codes": [...], "until": time | "minutes": n}`:
    pause those zones (an end later than the current one extends it; never shortens).
    Answers `{"paused": [the zones paused now], "unmatched": {"zones" | "postal_codes":
    [what matched no zone]}}`; 400 if nothing matched a zone."""

    permission_classes = [MayPauseZones]

    @extend_schema(request=PauseInputSerializer, responses=PauseAnswerSerializer)
    def post(self, request: Request) -> Response:
        data = PauseInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        if "postal_codes" in values:
            zone_ids, unmatched = pauses.zones_for_postal_codes_matched(values["postal_codes"])
            if not zone_ids:
                raise ServiceError(pauses.UNKNOWN_ZONES, field="postal_codes")
            unmatched_body: dict[str, list[Any]] = {"postal_codes": unmatched}
        else:
            zone_ids, missing = pauses.zone_ids_known(values["zones"])
            if not zone_ids:
                raise ServiceError(pauses.UNKNOWN_ZONE_IDS, field="zones")
            unmatched_body = {"zones": missing}
        if "minutes" in values:
            kind, extra = PauseKind.MINUTES, {"minutes": values["minutes"]}
        else:
            kind, extra = PauseKind.UNTIL, {"until": values["until"]}
        pauses.zones_pause(user=acting_user(request), zone_ids=zone_ids, kind=kind, **extra)
        body = {
            "paused": PausedZoneSerializer(_paused(), many=True).data,
            # What matched no zone (a typo, a code outside every zone): not paused.
            "unmatched": unmatched_body,
        }
        return Response(body, status=status.HTTP_200_OK)


class PausedZonesView(APIView):
    """GET: the zones paused now and until when."""

    permission_classes = [MayPauseZones]

    @extend_schema(responses=PausedZoneSerializer(many=True))
    def get(self, request: Request) -> Response:
        return Response(PausedZoneSerializer(_paused(), many=True).data)
