"""The OpenAPI schema documents every answer the API gives, refusals included.

drf-spectacular documents the success only; schemathesis (tests/api_fuzz.py) checks that
every status the server sends is in the schema. The refusals follow from the view: 400 for
any input (a body, a query string: a NUL anywhere answers 400), 401 and 403 where a sign-in
is needed (and on a public write that refuses another site's browser: mutualaid.origin),
404 for a path with an id, 409 for a write that the thing's state can refuse, 415 for a
write whose body is not one the view reads, 429 where a throttle counts; 414 from gunicorn
for an overlong request line.
"""

from __future__ import annotations

import copy
from typing import Any

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from rest_framework.permissions import AllowAny

from mutualaid.origin import SameOriginOnly

ERROR_BODY = {
    "description": "",
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "description": 'DRF\'s shape: `{"detail": "message"}` or `{"field": ["message"]}`.',
                "additionalProperties": {},
            }
        }
    },
}
REFUSALS = {
    "400": "The input is wrong (a field, a filter, a body that cannot be read).",
    "401": "Not signed in: send `Authorization: Token ...`.",
    "403": "Signed in, but this role may not do this.",
    "404": "No such object, or not one this person may see.",
    "409": "The object's state does not allow this now (a lost race, a finished route).",
    "415": "The body is not in a format this endpoint reads (see its request body).",
    "414": "The request line is longer than the server reads (gunicorn's bound).",
    "429": "Too many tries: wait and try again.",
}


class AutoSchema(SpectacularAutoSchema):
    def get_operation(self, *args: Any, **kwargs: Any) -> Any:
        operation = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        responses = operation.setdefault("responses", {})
        for code in self._refusals():
            responses.setdefault(code, {**copy.deepcopy(ERROR_BODY), "description": REFUSALS[code]})
        if "404" in responses:  # a path no route matches ("/routes/abc/") gets the site's page
            content = responses["404"].setdefault("content", {})
            content.setdefault("text/html", {"schema": {"type": "string"}})
        return operation

    def _refusals(self) -> list[str]:
        view = self.view
        permissions = view.get_permissions()
        public = not permissions or any(
            isinstance(p, (AllowAny, SameOriginOnly)) for p in permissions
        )
        codes = ["400", "414"]
        if not public:
            codes += ["401", "403"]
        writes = self.method not in ("GET", "HEAD", "OPTIONS")
        if writes and any(isinstance(p, SameOriginOnly) for p in permissions):
            codes.append("403")
        if "{" in self.path:
            codes.append("404")
        if writes:
            codes += ["409", "415"]
        if view.get_throttles():
            codes.append("429")
        return codes
