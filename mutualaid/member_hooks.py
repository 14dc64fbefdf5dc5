"""Apps above mutualaid register what happens when a member is added (driver profiles).

mutualaid sits at the bottom of the dependency chain and cannot import deliveries.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Hook = Callable[..., None]
_hooks: list[Hook] = []


def register(hook: Hook) -> None:
    if hook not in _hooks:
        _hooks.append(hook)


def run(*, user: Any, role: str, zones: list[str]) -> None:
    for hook in _hooks:
        hook(user=user, role=role, zones=zones)
