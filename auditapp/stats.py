"""Honest figures from SQL aggregates: means with 95% intervals, pass rates with Wilson
intervals, and a floor below which the app says "too few audits to judge".

Pure Python: the database does the counting (COUNT, SUM, SUM of squares) and these
functions turn those few numbers into intervals.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

MIN_AUDITS_TO_JUDGE = 5
Z_95 = 1.959963984540054

# Two-sided 95% quantiles of Student's t for 1..30 degrees of freedom.
_T_95 = (
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
    2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
    2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
)  # fmt: skip


@dataclass(frozen=True)
class Interval:
    low: float
    high: float

    def clamp(self, low: float = 0.0, high: float = 100.0) -> Interval:
        return Interval(max(low, self.low), min(high, self.high))


def t_95(df: int) -> float:
    """Two-sided 95% quantile of Student's t with `df` degrees of freedom."""
    if df < 1:
        raise ValueError("degrees of freedom must be at least 1")
    if df <= len(_T_95):
        return _T_95[df - 1]
    z = Z_95  # Cornish-Fisher expansion: within 0.001 of the exact value beyond 30
    return z + (z**3 + z) / (4 * df) + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * df**2)


def variance_from_sums(n: int, total: float, total_of_squares: float) -> float | None:
    """Sample variance from COUNT, SUM(x) and SUM(x*x); None below two values."""
    if n < 2:
        return None
    return max(0.0, (total_of_squares - total * total / n) / (n - 1))


def mean_interval(n: int, mean: float | None, variance: float | None) -> Interval | None:
    """95% confidence interval of a mean (Student's t); None below two values."""
    if n < 2 or mean is None or variance is None:
        return None
    half = t_95(n - 1) * math.sqrt(variance / n)
    return Interval(mean - half, mean + half).clamp()


def wilson(successes: int, n: int, z: float = Z_95) -> Interval | None:
    """Wilson score interval of a proportion, as percentages; None when n is 0."""
    if n <= 0:
        return None
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return Interval(100 * max(0.0, centre - half), 100 * min(1.0, centre + half))


def enough_to_judge(n: int) -> bool:
    return n >= MIN_AUDITS_TO_JUDGE


def rolling_mean(values: Sequence[float], window: int) -> list[float]:
    """The mean of each value and up to `window - 1` values before it."""
    out, total = [], 0.0
    for i, value in enumerate(values):
        total += value
        if i >= window:
            total -= values[i - window]
        out.append(total / min(i + 1, window))
    return out
