"""The API router and token login."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import routers, serializers
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.throttling import ScopedRateThrottle

from deliveries import api as deliveries_api
from household_requests import api as requests_api
from inventory import api as inventory_api


class TokenLoginView(ObtainAuthToken):
    """`POST {"username","password"}` answers `{"token"}`; throttled against guessing."""

    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth_token"

    @extend_schema(
        request=inline_serializer(
            "TokenLogin", {"username": serializers.CharField(), "password": serializers.CharField()}
        ),
        responses=inline_serializer("Token", {"token": serializers.CharField()}),
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)


router = routers.DefaultRouter()
router.register("categories", inventory_api.CategoryViewSet)
router.register("items", inventory_api.ItemViewSet)
router.register("locations", inventory_api.LocationViewSet)
router.register("donations", inventory_api.DonationViewSet)
router.register("stock", inventory_api.StockLotViewSet, basename="stock")
router.register("zones", requests_api.ZoneViewSet)
router.register("requests", requests_api.RequestQueueViewSet, basename="requests")
router.register("routes", deliveries_api.RouteViewSet, basename="routes")
