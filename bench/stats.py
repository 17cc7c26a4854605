"""Timing helpers and the result table."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class Row:
    name: str
    stat: str
    value_ms: float
    budget_ms: float | None
    note: str = ""
    unit: str = "ms"
    higher_is_better: bool = False  # a capacity: the budget is a floor, not a ceiling

    @property
    def verdict(self) -> str:
        if self.budget_ms is None:
            return ""
        if self.higher_is_better:
            return "ok" if self.value_ms >= self.budget_ms else "UNDER"
        return "ok" if self.value_ms <= self.budget_ms else "OVER"


def timed(fn: Callable[[], object], repeat: int) -> list[float]:
    """Wall-clock milliseconds of ``repeat`` calls."""
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def median(samples: list[float]) -> float:
    return statistics.median(samples)


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=100, method="inclusive")[94]


def p99(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=100, method="inclusive")[98]


def table(rows: list[Row]) -> str:
    header = ["benchmark", "stat", "measured", "budget", ""]
    body = [[r.name, r.stat, f"{r.value_ms:.2f} {r.unit}".strip(),
             "" if r.budget_ms is None else f"{r.budget_ms:g} {r.unit}".strip(), r.verdict + (
                 f"  {r.note}" if r.note else "")] for r in rows]
    widths = [max(len(x[i]) for x in [header, *body]) for i in range(len(header))]
    lines = ["| " + " | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)) + " |",
             "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    lines += ["| " + " | ".join(c.ljust(w) for c, w in zip(x, widths, strict=True)) + " |"
              for x in body]
    return "\n".join(lines)
