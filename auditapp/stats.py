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


@dataclass(frozen=True)
class Change:
    """A figure's change from the previous period with the 95% interval of that change.

    The rule every headline figure follows: the change is *clear* only when its interval
    leaves out zero (the whole interval is above it, or below); otherwise the page says
    "no clear change" and draws no arrow, however large the difference looks.
    """

    difference: float
    interval: Interval | None  # None: too few audits on one side to say anything

    @property
    def direction(self) -> str | None:
        """'up' or 'down' when the change is larger than its uncertainty, else None."""
        return clear_direction(self.difference, self.interval)

    @property
    def arrow(self) -> str:
        return {"up": "↑", "down": "↓"}.get(self.direction or "", "")


def clear_direction(difference: float, interval: Interval | None) -> str | None:
    """'up' / 'down' when the 95% interval of a difference lies wholly above / below zero;
    None ("no clear change") when it holds zero or there is no interval."""
    if interval is None:
        return None
    if interval.low > 0 and difference > 0:
        return "up"
    if interval.high < 0 and difference < 0:
        return "down"
    return None


def mean_change(
    n: int, mean: float | None, variance: float | None,
    n_before: int, mean_before: float | None, variance_before: float | None,
) -> Change | None:  # fmt: skip
    """Difference of two means (now minus before) with a 95% interval (Welch: the standard
    errors add in quadrature; t with the smaller side's degrees of freedom, which errs
    wide). No interval unless both sides have enough audits to judge."""
    if mean is None or mean_before is None:
        return None
    difference = mean - mean_before
    if not (enough_to_judge(n) and enough_to_judge(n_before)):
        return Change(difference, None)
    if variance is None or variance_before is None:
        return Change(difference, None)
    half = t_95(min(n, n_before) - 1) * math.sqrt(variance / n + variance_before / n_before)
    return Change(difference, Interval(difference - half, difference + half))


def proportion_change(k: int, n: int, k_before: int, n_before: int) -> Change | None:
    """Difference of two percentages (now minus before), in points, with Newcombe's 95%
    interval built from the two Wilson intervals (it behaves near 0% and 100%)."""
    if n <= 0 or n_before <= 0:
        return None
    p, q = 100 * k / n, 100 * k_before / n_before
    difference = p - q
    if not (enough_to_judge(n) and enough_to_judge(n_before)):
        return Change(difference, None)
    now, before = wilson(k, n), wilson(k_before, n_before)
    assert now is not None and before is not None
    low = difference - math.hypot(p - now.low, before.high - q)
    high = difference + math.hypot(now.high - p, q - before.low)
    return Change(difference, Interval(low, high))


def count_change(count: int, count_before: int) -> Change:
    """Difference of two counts over periods of the same length, with a 95% interval that
    treats each as a Poisson count (variance = the count): ±1.96·√(a + b)."""
    difference = float(count - count_before)
    half = Z_95 * math.sqrt(count + count_before)
    return Change(difference, Interval(difference - half, difference + half))
