"""Zones and their postal codes: members read, organizers write."""

from __future__ import annotations

from typing import Any

from rest_framework import mixins, serializers, viewsets

from household_requests.models import Zone
from household_requests.zones import zone_save
from mutualaid.roles import OrganizerWritesMembersRead


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
    """Writes go through `zone_save`, as the admin's do."""

    permission_classes = [OrganizerWritesMembersRead]
    serializer_class = ZoneSerializer
    queryset = Zone.objects.prefetch_related("postal_codes")

    def perform_create(self, serializer: serializers.BaseSerializer[Zone]) -> None:
        data = serializer.validated_data
        serializer.instance = zone_save(
            name=data["name"], postal_codes=data["postal_codes"], active=data.get("active")
        )

    def perform_update(self, serializer: serializers.BaseSerializer[Zone]) -> None:
        data = serializer.validated_data
        zone = serializer.instance
        assert zone is not None
        serializer.instance = zone_save(
            zone=zone,
            name=data.get("name", zone.name),
            postal_codes=data.get("postal_codes", [row.code for row in zone.postal_codes.all()]),
            active=data.get("active"),
        )
