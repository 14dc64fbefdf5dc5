"""Public endpoints: partner intake (contact fields write-only) and the needs list."""

from __future__ import annotations

import math
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import ngettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import Throttled, ValidationError
from rest_framework.fields import empty
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView

from household_requests import request_check, selectors, services
from household_requests import request_rules as rules
from household_requests.flood_limit import check_submission, submit_within_open_limit
from household_requests.models import Channel, Fulfilment
from household_requests.request_rules import Problem
from household_requests.status_links import status_url
from mutualaid.errors import NON_FIELD
from mutualaid.origin import JSONOnlyMixin, SameOriginOnly
from mutualaid.parsers import BoundedJSONParser

SLOW_DOWN = ngettext_lazy(
    "Too many requests came from this network address in a short time. Nothing was saved. "
    "Please send it again in about %(minutes)d minute.",
    "Too many requests came from this network address in a short time. Nothing was saved. "
    "Please send it again in about %(minutes)d minutes.",
    "minutes",
)


class RequestFloodThrottle(BaseThrottle):
    """Shares the public form's atomic per-address counter (see mutualaid.ratelimit)."""

    retry_after = 0

    def allow_request(self, request: Request, view: APIView) -> bool:
        if request.method != "POST":
            return True
        verdict = check_submission(request)
        self.retry_after = verdict.retry_after
        return verdict.allowed

    def wait(self) -> float:
        return float(self.retry_after)


class AsSent(serializers.Field):
    """A value passed on as the body holds it: the request rules read and check it, as
    they do what the form posts. Missing or null is "not given" to the rules, whose
    message a family also reads on the form; `required` only documents it."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(allow_null=True, **{"required": False, **kwargs})

    def validate_empty_values(self, data: Any) -> tuple[bool, Any]:
        return (True, None) if data is empty or data is None else (False, data)

    def to_internal_value(self, data: Any) -> Any:
        return data

    def to_representation(self, value: Any) -> Any:
        return value


def _documented(schema: Any) -> type[AsSent]:
    """An AsSent field that the API's schema describes as `schema`."""

    class Documented(AsSent):
        pass

    return extend_schema_field(schema)(Documented)


def _values(choices: list[tuple[str, Any]]) -> list[str]:
    return [value for value, _label in choices]


Number = _documented(OpenApiTypes.INT)
Text = _documented(OpenApiTypes.STR)
Tick = _documented(OpenApiTypes.BOOL)
FulfilmentChoice = _documented({"type": "string", "enum": Fulfilment.values})
ReachChoice = _documented({"type": "string", "enum": rules.Reach.values})
DietaryNeeds = _documented(
    {"type": "array", "items": {"type": "string", "enum": _values(rules.DIETARY_CHOICES)}}
)
Days = _documented({"type": "array", "items": {"type": "string", "enum": rules.WEEKDAYS}})


class PublicLineSerializer(serializers.Serializer[Any]):
    item = Number(help_text="An item's id; or instead `category`.")
    category = Number(help_text="A category's id: any item of it.")
    quantity = Number(required=True)


class PublicRequestSerializer(serializers.Serializer[Any]):
    """What a partner app sends for a family: the shape of the body. The values are read
    by the request rules, as the form's are. Contact fields are write-only."""

    language = serializers.ChoiceField(
        choices=[code for code, _name in settings.LANGUAGES], required=False
    )
    postal_code = Text(required=True)
    adults = Number(help_text="Not given: 1.")
    children = Number()
    infants = Number()
    name = Text(required=True, write_only=True)
    phone = Text(required=True, write_only=True)
    address = Text(write_only=True, help_text="Needed for delivery, not for pickup.")
    notes = Text(write_only=True)
    reach = ReachChoice(
        write_only=True,
        help_text=(
            "How the driver may reach the family before coming: call, text, call_or_text, "
            "or knock (no call, no text). Required, unless the older safe_to_call / "
            "safe_to_text are sent instead."
        ),
    )
    auto_texts = Tick(
        write_only=True,
        help_text=(
            "Automatic texts to the family's phone (on its way, ready for pickup, we missed "
            "you), apart from `reach`. Off unless true; ask the family in its language."
        ),
    )
    safe_to_call = Tick(
        write_only=True, help_text="Older form of `reach`, still accepted; `reach` wins."
    )
    safe_to_text = Tick(
        write_only=True, help_text="Older form of `reach`, still accepted; `reach` wins."
    )
    fulfilment = FulfilmentChoice(help_text="Not given: delivery.")
    pickup_location = Number(help_text="A location's id, for pickup.")
    dietary_needs = DietaryNeeds()
    preferred_days = Days()
    lines = PublicLineSerializer(many=True, required=False, allow_null=True)


def _errors(problems: list[Problem]) -> dict[str, Any]:
    """DRF's shape: `{"field": [messages]}`, and `{"lines": [{}, {"field": [...]}]}` for
    the lines at fault."""
    detail: dict[str, Any] = {}
    lines: dict[int, dict[str, list[str]]] = {}
    for problem in problems:
        where = detail if problem.index is None else lines.setdefault(problem.index, {})
        where.setdefault(problem.field or NON_FIELD, []).append(problem.message)
    if lines:
        detail["lines"] = [lines.get(index, {}) for index in range(max(lines) + 1)]
    return detail


class PublicRequestView(JSONOnlyMixin, APIView):
    """POST a household request for a family; answers its reference and private status URL.

    Messages are in the family's language (`language`), as the form shows them. JSON only,
    and a browser's post from another site answers 403 (mutualaid.origin): no web page can
    make its visitors file requests."""

    authentication_classes: list[Any] = []
    permission_classes = [SameOriginOnly]
    parser_classes = [BoundedJSONParser]
    throttle_classes = [RequestFloodThrottle]
    language: str | None = None  # the family's, once the body is read

    @extend_schema(
        request=PublicRequestSerializer,
        responses={
            201: inline_serializer(
                "SubmittedRequest",
                {
                    "reference": serializers.CharField(),
                    "status_url": serializers.URLField(),
                    "language": serializers.CharField(),
                },
            )
        },
    )
    def post(self, request: Request) -> Response:
        body = PublicRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        self.language = (
            body.validated_data.get("language")
            or translation.get_language()
            or settings.LANGUAGE_CODE
        )
        with translation.override(self.language):
            checked = request_check.check_request(body.validated_data, language=self.language)
            if checked.data is None:
                raise ValidationError(_errors(checked.problems))
            data = checked.data
            submitted = submit_within_open_limit(
                data, lambda: services.request_submit(data=data, channel=Channel.API)
            )
        reference = submitted.request.reference
        return Response(
            {
                "reference": reference,
                "status_url": status_url(request, reference, submitted.status_secret),
                "language": self.language,
            },
            status=status.HTTP_201_CREATED,
        )

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, Throttled):
            return self._slow_down(exc)
        if self.language is None:  # refused before the body was read
            return super().handle_exception(exc)
        # A refusal from the service reads in the family's language too.
        with translation.override(self.language):
            return super().handle_exception(exc)

    def _slow_down(self, exc: Throttled) -> Response:
        """429 before the body was read: the detail in the body's `language` if it names
        one (else the request's), with Retry-After. Nothing of the body is kept."""
        # DRF's Throttled carries the throttle's wait(); its stubs do not say so.
        wait = math.ceil(getattr(exc, "wait", None) or settings.REQUEST_RATE_WINDOW_SECONDS)
        with translation.override(_language_of(self.request) or translation.get_language()):
            detail = SLOW_DOWN % {"minutes": math.ceil(wait / 60)}
        return Response(
            {"detail": detail},
            status=status.HTTP_429_TOO_MANY_REQUESTS,
            headers={"Retry-After": str(wait)},
        )


def _language_of(request: Request) -> str | None:
    """The `language` a JSON body names, if it is one of ours; None for anything else."""
    try:
        data = request.data
    except Exception:  # an unreadable body names no language
        return None
    language = data.get("language") if isinstance(data, dict) else None
    codes = [code for code, _name in settings.LANGUAGES]
    return language if isinstance(language, str) and language in codes else None


class NeedSerializer(serializers.Serializer[Any]):
    item = serializers.IntegerField(source="item_id", allow_null=True)
    category = serializers.IntegerField(source="category_id", allow_null=True)
    name = serializers.CharField()
    # The name in the language the client asks for (Accept-Language or `?lang=`); `name`
    # stays the catalogue's original, as everywhere in the API.
    local_name = serializers.CharField()
    unit = serializers.CharField()
    shortfall = serializers.IntegerField()


class PublicNeedsView(APIView):
    """What open requests still lack, aggregated per item. Nothing personal."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]

    @extend_schema(responses=NeedSerializer(many=True))
    def get(self, request: Request) -> Response:
        return Response(NeedSerializer(selectors.most_needed(), many=True).data)
