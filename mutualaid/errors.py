"""The one error a service raises, and the two places that turn it into an answer.

A service says what went wrong (`kind`), where (`field`, and `index` for one line of a
list), and why (a translatable message). It never names an HTTP status: the API's exception
handler and the pages' `show_error` decide how a refusal looks.
"""

from __future__ import annotations

import enum
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest
from django_stubs_ext import StrOrPromise
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

NON_FIELD = "non_field_errors"


class Kind(enum.StrEnum):
    INVALID = "invalid"  # the input is wrong: fix it and try again (400)
    REFUSED = "refused"  # this person may not do this (403)
    CONFLICT = "conflict"  # the thing's state does not allow it now (409)


class ServiceError(Exception):
    """A write was refused; nothing was written.

    `message` is a lazy translation (or plain text already translated): `str(error)`
    renders it in the active language, so the family reads it in theirs.
    """

    def __init__(
        self,
        message: StrOrPromise,
        *,
        kind: Kind = Kind.INVALID,
        field: str | None = None,
        index: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.kind = kind
        self.field = field
        self.index = index

    def __str__(self) -> str:
        return str(self.message)

    def detail(self, list_name: str = "lines") -> dict[str, Any]:
        """DRF's shape: `{"field": ["message"]}`, or `{"lines": [{}, {"field": [...]}]}`
        for the line at `index`; refusals and conflicts as `{"detail": "message"}`."""
        text = str(self.message)
        if self.kind != Kind.INVALID:
            return {"detail": text}
        if self.index is not None:
            lines: list[dict[str, list[str]]] = [{} for _ in range(self.index + 1)]
            lines[self.index] = {self.field or NON_FIELD: [text]}
            return {list_name: lines}
        return {self.field or NON_FIELD: [text]}


STATUS_OF_KIND = {
    Kind.INVALID: status.HTTP_400_BAD_REQUEST,
    Kind.REFUSED: status.HTTP_403_FORBIDDEN,
    Kind.CONFLICT: status.HTTP_409_CONFLICT,
}


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """REST_FRAMEWORK's EXCEPTION_HANDLER: a ServiceError answers by its kind."""
    if isinstance(exc, ServiceError):
        return Response(exc.detail(), status=STATUS_OF_KIND[exc.kind])
    return drf_exception_handler(exc, context)


def show_error(
    request: HttpRequest,
    error: ServiceError,
    form: forms.BaseForm | None = None,
    *,
    fields: dict[str, str] | None = None,
) -> None:
    """Show a refusal on a page: next to the form field it names (after renaming it with
    `fields`, service name -> form field name), on the form as a whole, or as a message."""
    if form is None:
        messages.error(request, str(error))
        return
    name = (fields or {}).get(error.field or "", error.field)
    form.add_error(name if name in form.fields else None, str(error))
