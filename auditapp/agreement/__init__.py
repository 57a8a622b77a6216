"""Inter-rater agreement for calibration sessions: Krippendorff's alpha, Fleiss' and Cohen's
kappa, Gwet's AC1, percent agreement and ICC(A,1) (in `coefficients`), with a seeded bootstrap
interval and plain-language results for the app.

Pure: numpy only, no Flask, no database. An N/A answer is passed in as `None`: a rater who
marks N/A did not rate the item. `estimate` turns an undefined (NaN) coefficient into `None`
and a reason a supervisor can read. The formulas and their sources are in docs/agreement.md.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from auditapp.agreement.coefficients import (
    NAN,
    Level,
    Ratings,
    Value,
    Weights,
    _counts,
    _rows,
    cohen_kappa,
    fleiss_kappa,
    gwet_ac1,
    icc_a1,
    krippendorff_alpha,
    percent_agreement,
)

__all__ = [
    "STATISTICS",
    "Estimate",
    "Level",
    "Ratings",
    "Value",
    "Weights",
    "ac1_kappa_note",
    "alpha_reading",
    "bootstrap_interval",
    "cohen_kappa",
    "estimate",
    "fleiss_kappa",
    "gwet_ac1",
    "icc_a1",
    "krippendorff_alpha",
    "percent_agreement",
]


def bootstrap_interval(
    statistic: Callable[[Ratings], float],
    ratings: Ratings,
    *,
    samples: int = 1000,
    seed: int = 0,
    confidence: float = 0.95,
) -> tuple[float, float]:
    """Percentile bootstrap interval (Efron & Tibshirani 1993) resampling whole units with
    replacement, since units are the independent draws and a unit's raters are not. Seeded,
    so the same table gives the same interval. Resamples where the statistic is undefined
    (say, every resampled rating the same) are left out; NaN if none is defined."""
    if not 0 < confidence < 1:
        raise ValueError("confidence must be between 0 and 1")
    rows = _rows(ratings)
    if not rows:
        return NAN, NAN
    draws = np.random.default_rng(seed).integers(0, len(rows), size=(samples, len(rows)))
    values = np.array([statistic([rows[i] for i in draw]) for draw in draws])
    values = values[np.isfinite(values)]
    if not len(values):
        return NAN, NAN
    tail = (1 - confidence) / 2
    low, high = np.quantile(values, [tail, 1 - tail])
    return float(low), float(high)


@dataclass(frozen=True)
class Estimate:
    """A coefficient ready for JSON: `value` is None when it cannot be computed, and then
    `reason` says why in plain words."""

    value: float | None
    ci_low: float | None
    ci_high: float | None
    n_units: int
    n_raters: int
    reason: str | None = None


def _cohen_table(ratings: Ratings, **options: object) -> float:
    rows = _rows(ratings)
    if rows and len(rows[0]) != 2:
        raise ValueError("Cohen's kappa compares exactly two raters")
    return cohen_kappa([r[0] for r in rows], [r[1] for r in rows], **options)  # type: ignore[arg-type]


STATISTICS: dict[str, Callable[..., float]] = {
    "krippendorff_alpha": krippendorff_alpha,
    "fleiss_kappa": fleiss_kappa,
    "gwet_ac1": gwet_ac1,
    "percent_agreement": percent_agreement,
    "cohen_kappa": _cohen_table,
    "icc_a1": icc_a1,
}
_NEEDS_COMPLETE = {"fleiss_kappa": "Fleiss' kappa", "icc_a1": "the ICC"}


def _why_undefined(name: str, rows: list[list[Value | None]]) -> str:
    if name in _NEEDS_COMPLETE and any(v is None for row in rows for v in row):
        return f"missing ratings: {_NEEDS_COMPLETE[name]} needs every rater on every unit"
    paired = [[v for v in row if v is not None] for row in rows]
    paired = [row for row in paired if len(row) >= 2]
    if not paired:
        return "no unit was rated by two or more raters"
    if len({v for row in paired for v in row}) == 1:
        return "no variation: every rating is the same"
    return "cannot be computed from these ratings"


def estimate(
    name: str,
    ratings: Ratings,
    *,
    samples: int = 1000,
    seed: int = 0,
    confidence: float = 0.95,
    **options: object,
) -> Estimate:
    """The statistic `name` (a key of STATISTICS; `options` go to it, e.g. level="ordinal")
    with its bootstrap interval, or None and the reason it cannot be computed. One unit gives
    no value: chance-corrected agreement over a single item says nothing (alpha is 0 by
    construction) and there is nothing to resample."""
    if name not in STATISTICS:
        raise ValueError(f"unknown statistic {name!r}; one of {', '.join(STATISTICS)}")
    function = STATISTICS[name]
    rows = _rows(ratings)
    n_units = sum(any(v is not None for v in row) for row in rows)
    n_raters = (
        sum(any(row[j] is not None for row in rows) for j in range(len(rows[0]))) if rows else 0
    )

    def statistic(table: Ratings) -> float:
        return function(table, **options)

    value = NAN
    if n_raters < 2:
        reason: str | None = "fewer than two raters"
    elif n_units < 2:
        reason = "only one unit: agreement needs at least two rated items"
    else:
        value = statistic(rows)
        reason = _why_undefined(name, rows) if math.isnan(value) else None
    if reason is not None:
        return Estimate(None, None, None, n_units, n_raters, reason)
    low, high = bootstrap_interval(
        statistic, rows, samples=samples, seed=seed, confidence=confidence
    )
    return Estimate(value, _finite(low), _finite(high), n_units, n_raters)


def _finite(x: float) -> float | None:
    return None if math.isnan(x) else x


def alpha_reading(alpha: float | None) -> str | None:
    """Krippendorff (2004, Content Analysis, 2nd ed., p. 241): rely on alpha >= 0.800, draw
    only tentative conclusions from 0.667 up to 0.800, and none below."""
    if alpha is None or math.isnan(alpha):
        return None
    if alpha >= 0.800:
        return "reliable"
    return "tentative" if alpha >= 0.667 else "unreliable"


def ac1_kappa_note(
    ac1: float | None,
    kappa: float | None,
    ratings: Ratings,
    *,
    kappa_name: str = "kappa",
    gap: float = 0.10,
) -> str | None:
    """A sentence on why AC1 is above kappa (or alpha, named by `kappa_name`) when it is by
    `gap` or more: the kappa paradox (Feinstein & Cicchetti 1990), one answer dominating."""
    if ac1 is None or kappa is None or math.isnan(ac1) or math.isnan(kappa):
        return None
    if ac1 - kappa < gap:
        return None
    counts, categories = _counts(ratings)
    totals = counts.sum(axis=0)
    top = int(totals.argmax())
    return (
        f"AC1 ({ac1:.2f}) is higher than {kappa_name} ({kappa:.2f}) because "
        f'{totals[top] / totals.sum():.0%} of the ratings are "{categories[top]}": when one '
        f"answer dominates, {kappa_name} counts most agreement as luck and stays low even "
        "though raters rarely disagree (the kappa paradox). AC1 estimates chance agreement "
        "in a way that skewed answers do not throw."
    )
