"""The API router and token login."""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_in
from drf_spectacular.utils import extend_schema, inline_serializer
from knox import views as knox_views
from knox.models import AuthToken
from rest_framework import routers, serializers
from rest_framework.authtoken.serializers import AuthTokenSerializer  # no app, no table
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView

from deliveries import api as deliveries_api
from household_requests import api as requests_api
from inventory import api as inventory_api
from mutualaid import ratelimit
from mutualaid.origin import JSONOnlyMixin, SameOriginOnly
from mutualaid.parsers import BoundedJSONParser

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


class TokenLoginView(JSONOnlyMixin, APIView):
    """`POST {"username","password"}` answers `{"token", "expiry"}`; throttled per address
    and locked out with the login pages (mutualaid/lockout.py).

    The token is shown once: the database keeps knox's SHA-512 digest of it, never the token,
    and it stops working at its expiry (TOKEN_TTL_HOURS) or at logout."""

    # A login takes a password: a stale token in the request must not answer 401 here.
    authentication_classes: list[type] = []
    # JSON only, and never from another site's page: no page can make a volunteer's browser
    # spend their wrong-password allowance and lock them out (mutualaid.origin).
    permission_classes = [SameOriginOnly]
    parser_classes = [BoundedJSONParser]
    throttle_classes = [TokenLoginThrottle]

    @extend_schema(
        request=inline_serializer(
            "TokenLogin", {"username": serializers.CharField(), "password": serializers.CharField()}
        ),
        responses=inline_serializer(
            "Token", {"token": serializers.CharField(), "expiry": serializers.DateTimeField()}
        ),
    )
    def post(self, request: Request) -> Response:
        # Django's request, not DRF's: axes marks a locked-out login on it, and its
        # middleware answers that mark (with the lockout's 429) on the way out.
        login = AuthTokenSerializer(data=request.data, context={"request": request._request})
        login.is_valid(raise_exception=True)
        user = login.validated_data["user"]
        instance, token = AuthToken.objects.create(user=user)
        user_logged_in.send(sender=type(user), request=request._request, user=user)
        expiry = serializers.DateTimeField().to_representation(instance.expiry)
        return Response({"token": token, "expiry": expiry})


class TokenLogoutView(knox_views.LogoutView):
    """`POST` with `Authorization: Token ...`: that token stops working (204)."""

    @extend_schema(request=None, responses={204: None})
    def post(self, request: Request, format: str | None = None) -> Response:
        return super().post(request, format)


class TokenLogoutAllView(knox_views.LogoutAllView):
    """`POST` with `Authorization: Token ...`: every token of that member stops working (204)."""

    @extend_schema(request=None, responses={204: None})
    def post(self, request: Request, format: str | None = None) -> Response:
        return super().post(request, format)


router = routers.DefaultRouter()
router.register("categories", inventory_api.CategoryViewSet)
router.register("items", inventory_api.ItemViewSet)
router.register("locations", inventory_api.LocationViewSet)
router.register("donations", inventory_api.DonationViewSet)
router.register("stock", inventory_api.StockLotViewSet, basename="stock")
router.register("zones", requests_api.ZoneViewSet)
router.register("requests", requests_api.RequestQueueViewSet, basename="requests")
router.register("routes", deliveries_api.RouteViewSet, basename="routes")
