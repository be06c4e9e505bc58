"""Figures of the benchmark: a median with its min–max over repetitions, and one table row."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Figure:
    """The median of several repetitions, with the smallest and largest."""

    median: float
    low: float
    high: float
    samples: int

    @classmethod
    def of(cls, values: Sequence[float]) -> Figure:
        if not values:
            raise ValueError("a figure needs at least one sample")
        return cls(statistics.median(values), min(values), max(values), len(values))

    def scaled(self, factor: float) -> Figure:
        """The same figure times ``factor`` (a positive factor keeps low ≤ high)."""
        return Figure(self.median * factor, self.low * factor, self.high * factor, self.samples)

    def rate(self, count: float) -> Figure:
        """``count`` per unit of this figure (seconds → things per second): min and max swap."""
        return Figure(count / self.median, count / self.high, count / self.low, self.samples)


@dataclass(frozen=True)
class Row:
    """One line of the table: hocba's figure and the bare library's doing the same work."""

    key: str  # stable machine name (JSON, tests)
    stage: str  # what a reader sees
    unit: str
    hocba: Figure
    baseline: Figure
    baseline_label: str
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ratio(self) -> float:
        """hocba ÷ baseline (for a rate, above 1 means hocba is faster; for a time, slower)."""
        return self.hocba.median / self.baseline.median

    def as_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "stage": self.stage,
            "unit": self.unit,
            "hocba": asdict(self.hocba),
            "baseline": asdict(self.baseline),
            "baseline_label": self.baseline_label,
            "ratio": self.ratio,
            "note": self.note,
            **({"extra": self.extra} if self.extra else {}),
        }


def cpu_seconds(work: Callable[[], object]) -> float:
    """CPU time of this process (all its threads) spent in ``work``: the cost on one core."""
    start = time.process_time()
    work()
    return time.process_time() - start


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile (p50, p95) of latencies."""
    ordered = sorted(values)
    rank = max(1, round(pct / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]
