"""The API router and token login."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import routers, serializers
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView

from deliveries import api as deliveries_api
from household_requests import api as requests_api
from inventory import api as inventory_api
from mutualaid import ratelimit

# Token logins one network address may try per minute.
TOKEN_LOGIN_LIMIT = 20
TOKEN_LOGIN_WINDOW_SECONDS = 60


class TokenLoginThrottle(BaseThrottle):
    """The request form's counter (mutualaid.ratelimit), not DRF's: atomic, keyed by a hash
    of the address, and still counting (per process) while Redis is unreachable."""

    def allow_request(self, request: Request, view: APIView) -> bool:
        return ratelimit.hit(
            scope="token-login",
            ident=ratelimit.client_address(request),
            limit=TOKEN_LOGIN_LIMIT,
            window=TOKEN_LOGIN_WINDOW_SECONDS,
        )

    def wait(self) -> float:
        return float(TOKEN_LOGIN_WINDOW_SECONDS)


class TokenLoginView(ObtainAuthToken):
    """`POST {"username","password"}` answers `{"token"}`; throttled against guessing."""

    throttle_classes = [TokenLoginThrottle]
    # ObtainAuthToken names DRF's own parsers: use the API's, which refuse hostile bodies.
    parser_classes = APIView.parser_classes

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
