"""Benchmarks with bounds: `python -m benchmarks` (or `make bench`).

A benchmark is a function decorated with `@benchmark(...)` in any module of this package;
the runner imports every module here after Django is set up, so a new file is all it
takes to add one. The function runs against a throwaway test database (emptied before
each benchmark) and returns a number, or a `Measurement` with a line of detail.

This module imports nothing from Django so that benchmark modules can use the decorator
at import time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

Better = Literal["lower", "higher"]


@dataclass(frozen=True)
class Measurement:
    value: float
    detail: str = ""


@dataclass(frozen=True)
class Benchmark:
    name: str
    bound: float
    unit: str
    better: Better
    run: Callable[[], Measurement | float]

    def within_bound(self, value: float) -> bool:
        return value <= self.bound if self.better == "lower" else value >= self.bound


REGISTRY: dict[str, Benchmark] = {}


def benchmark(
    *, name: str, bound: float, unit: str, better: Better = "lower"
) -> Callable[[Callable[[], Measurement | float]], Callable[[], Measurement | float]]:
    """Register a benchmark. `better` says which side of `bound` passes."""
    if better not in ("lower", "higher"):
        raise ValueError(f"better must be 'lower' or 'higher', not {better!r}")

    def register(
        run: Callable[[], Measurement | float],
    ) -> Callable[[], Measurement | float]:
        if name in REGISTRY:
            raise ValueError(f"two benchmarks are named {name!r}")
        REGISTRY[name] = Benchmark(name=name, bound=bound, unit=unit, better=better, run=run)
        return run

    return register
