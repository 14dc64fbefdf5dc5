"""Error reports never carry what a family typed."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.views.debug import SafeExceptionReporterFilter


class NoPostDataFilter(SafeExceptionReporterFilter):
    """Hide every POST parameter of every request from error reports and debug pages."""

    def get_post_parameters(self, request: HttpRequest | None) -> dict[str, Any]:
        if request is None:
            return {}
        return {name: self.cleansed_substitute for name in request.POST}

    def get_traceback_frame_variables(self, request: Any, tb_frame: Any) -> Any:
        # Local variables of any frame can hold unsealed input; never show them.
        return [(name, self.cleansed_substitute) for name in tb_frame.f_locals]
