"""Inter-rater agreement: Krippendorff's alpha, Fleiss' and Cohen's kappa, Gwet's AC1, percent
agreement and ICC(A,1), with a seeded bootstrap and plain-language results for the app.

Pure: numpy only, no Flask, no database. `ratings` is a sequence of units (the items rated),
each a sequence with one value per rater; `None` (or a float NaN) is a missing rating, which
is how an N/A answer is passed in: a rater who marks N/A did not rate the item. Every
coefficient returns a float, NaN where the formula is undefined; `estimate` turns that into
`None` and a reason a supervisor can read. The formulas and their sources are in
docs/agreement.md.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from numbers import Real
from typing import Literal

import numpy as np

Value = str | int | float
Ratings = Sequence[Sequence[Value | None]]
Level = Literal["nominal", "ordinal", "interval", "ratio"]
Weights = Literal["linear", "quadratic"] | None

NAN = float("nan")


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _rows(ratings: Ratings) -> list[list[Value | None]]:
    rows = [[None if _missing(v) else v for v in unit] for unit in ratings]
    if len({len(row) for row in rows}) > 1:
        raise ValueError("every unit needs one entry per rater (None where a rater gave none)")
    return rows


def _categories(values: list[Value], order: Sequence[Value] | None, numeric: bool) -> list[Value]:
    """The categories in scale order: `order` if given, else sorted numbers (or, for nominal
    statistics, first appearance, since only equality matters there)."""
    if order is not None:
        unknown = {v for v in values if v not in order}
        if unknown:
            raise ValueError(f"ratings not in the given order: {sorted(map(str, unknown))}")
        return list(order)
    if numeric:
        if not all(isinstance(v, Real) and not isinstance(v, bool) for v in values):
            raise ValueError("this level needs numeric ratings (or an explicit `order`)")
        return sorted(set(values))  # type: ignore[type-var]
    return list(dict.fromkeys(values))


def _counts(
    ratings: Ratings, order: Sequence[Value] | None = None, numeric: bool = False
) -> tuple[np.ndarray, list[Value]]:
    """Unit-by-category counts (units nobody rated dropped) and the categories."""
    rows = _rows(ratings)
    categories = _categories([v for r in rows for v in r if v is not None], order, numeric)
    index = {c: k for k, c in enumerate(categories)}
    counts = np.zeros((len(rows), len(categories)))
    for i, row in enumerate(rows):
        for v in row:
            if v is not None:
                counts[i, index[v]] += 1
    return counts[counts.sum(axis=1) > 0], categories


def _metric(level: Level, values: np.ndarray, n_c: np.ndarray) -> np.ndarray:
    """Krippendorff's (2011) difference functions delta^2(c, k) between the categories."""
    c, k = np.meshgrid(np.arange(len(values)), np.arange(len(values)), indexing="ij")
    if level == "nominal":
        return (c != k).astype(float)
    if level == "ordinal":
        # Ranks apart are weighed by how many pairable values lie between them (Krippendorff
        # 2011, p. 6), so the distance depends on the observed frequencies, not the numbers.
        cumulative = np.concatenate([[0.0], np.cumsum(n_c)])
        between = cumulative[np.maximum(c, k) + 1] - cumulative[np.minimum(c, k)]
        return (between - (n_c[c] + n_c[k]) / 2) ** 2
    a, b = values[c], values[k]
    if level == "interval":
        return (a - b) ** 2
    total = a + b
    return np.divide(a - b, total, out=np.zeros_like(total), where=total != 0) ** 2


def krippendorff_alpha(
    ratings: Ratings, level: Level = "nominal", order: Sequence[Value] | None = None
) -> float:
    """Krippendorff's alpha = 1 - D_o / D_e over the coincidence matrix (Krippendorff 2011,
    "Computing Krippendorff's alpha-reliability"); a unit rated once has no pair and is left
    out. Ordinal, interval and ratio need numbers, or `order` (ordinal) for other values."""
    if level not in ("nominal", "ordinal", "interval", "ratio"):
        raise ValueError(f"unknown level {level!r}")
    if order is not None and level in ("interval", "ratio"):
        raise ValueError("`order` is for nominal or ordinal data: interval and ratio use numbers")
    counts, categories = _counts(ratings, order, numeric=level != "nominal")
    counts = counts[counts.sum(axis=1) >= 2]
    if not len(counts):
        return NAN
    m = counts.sum(axis=1)
    # o_ck = sum over units of (pairs of values c, k in the unit) / (m_u - 1)
    pairs = counts[:, :, None] * counts[:, None, :] - counts[:, :, None] * np.eye(counts.shape[1])
    observed = (pairs / (m - 1)[:, None, None]).sum(axis=0)
    n_c = observed.sum(axis=0)
    expected = (np.outer(n_c, n_c) - np.diag(n_c)) / (n_c.sum() - 1)
    numbers = level in ("interval", "ratio")
    values = (
        np.asarray(categories, dtype=float) if numbers else np.arange(len(categories), dtype=float)
    )
    delta = _metric(level, values, n_c)
    d_e = (expected * delta).sum()
    return NAN if d_e == 0 else float(1 - (observed * delta).sum() / d_e)


def fleiss_kappa(ratings: Ratings) -> float:
    """Fleiss' (1971) kappa: every unit rated by the same m >= 2 raters; NaN when any rating
    is missing, since the formula has no place for a different number of ratings per unit."""
    rows = _rows(ratings)
    if not rows or any(v is None for row in rows for v in row) or len(rows[0]) < 2:
        return NAN
    counts, _ = _counts(rows)
    m = len(rows[0])
    p_unit = ((counts**2).sum(axis=1) - m) / (m * (m - 1))
    p_category = counts.sum(axis=0) / counts.sum()
    p_e = float((p_category**2).sum())
    return NAN if p_e == 1 else float((p_unit.mean() - p_e) / (1 - p_e))


def _pairwise_agreement(counts: np.ndarray) -> np.ndarray:
    """Per unit rated at least twice: the share of its rater pairs that agree."""
    m = counts.sum(axis=1)
    counts, m = counts[m >= 2], m[m >= 2]
    return (counts * (counts - 1)).sum(axis=1) / (m * (m - 1))


def percent_agreement(ratings: Ratings) -> float:
    """The mean, over units with at least two ratings, of the share of rater pairs in the unit
    that gave the same rating (the p_a of Fleiss 1971 and Gwet 2014, with missing ratings)."""
    agreement = _pairwise_agreement(_counts(ratings)[0])
    return float(agreement.mean()) if len(agreement) else NAN


def gwet_ac1(ratings: Ratings, categories: Sequence[Value] | None = None) -> float:
    """Gwet's AC1 (Gwet 2008; with missing ratings as in Gwet 2014, ch. 4, and irrCAC):
    p_a over units rated at least twice; p_e = sum_k pi_k (1 - pi_k) / (q - 1), where pi_k
    averages each unit's share of category k over every unit rated at least once. q counts
    the categories seen, or `categories` when the scale is known (say, yes/no when everyone
    answered yes); with one category p_e is undefined and so is AC1."""
    counts, seen = _counts(ratings, categories)
    agreement = _pairwise_agreement(counts)
    if not len(agreement) or len(seen) < 2:
        return NAN
    pi = (counts / counts.sum(axis=1, keepdims=True)).mean(axis=0)
    p_e = float((pi * (1 - pi)).sum() / (len(seen) - 1))
    return float((agreement.mean() - p_e) / (1 - p_e))


def cohen_kappa(
    rater_a: Sequence[Value | None],
    rater_b: Sequence[Value | None],
    weights: Weights = None,
    order: Sequence[Value] | None = None,
) -> float:
    """Cohen's kappa (1960), weighted by |i - j| or (i - j)^2 between category positions
    (Cohen 1968) as scikit-learn does; positions follow `order`, else the sorted values seen.
    A unit either rater left blank (None) is dropped: kappa is defined on pairs only."""
    if len(rater_a) != len(rater_b):
        raise ValueError("the two raters need one entry per unit each")
    if weights not in (None, "linear", "quadratic"):
        raise ValueError(f"unknown weights {weights!r}")
    pairs = [
        (a, b) for a, b in zip(rater_a, rater_b, strict=True) if not _missing(a) and not _missing(b)
    ]
    if not pairs:
        return NAN
    values = [v for pair in pairs for v in pair]
    categories = _categories(values, order, numeric=weights is not None and order is None)
    index = {c: k for k, c in enumerate(categories)}
    observed = np.zeros((len(categories), len(categories)))
    for a, b in pairs:
        observed[index[a], index[b]] += 1
    expected = np.outer(observed.sum(axis=1), observed.sum(axis=0)) / len(pairs)
    positions = np.arange(len(categories))
    apart = np.abs(positions[:, None] - positions[None, :]).astype(float)
    disagreement = {None: (apart > 0).astype(float), "linear": apart, "quadratic": apart**2}
    w = disagreement[weights]
    chance = (w * expected).sum()
    return NAN if chance == 0 else float(1 - (w * observed).sum() / chance)


def icc_a1(ratings: Ratings) -> float:
    """ICC(A,1): two-way random effects, absolute agreement, single rater (McGraw & Wong 1996,
    case 2A; Shrout & Fleiss 1979, ICC(2,1)) from the two-way ANOVA mean squares:
    (MS_R - MS_E) / (MS_R + (k - 1) MS_E + k (MS_C - MS_E) / n). Complete numeric data only."""
    rows = _rows(ratings)
    if any(v is None for row in rows for v in row):
        return NAN
    _categories([v for row in rows for v in row], None, numeric=True)
    x = np.asarray(rows, dtype=float)
    if x.ndim != 2 or x.shape[0] < 2 or x.shape[1] < 2:
        return NAN
    n, k = x.shape
    grand = x.mean()
    ss_rows = k * ((x.mean(axis=1) - grand) ** 2).sum()
    ss_cols = n * ((x.mean(axis=0) - grand) ** 2).sum()
    ss_error = ((x - grand) ** 2).sum() - ss_rows - ss_cols
    ms_r, ms_c = ss_rows / (n - 1), ss_cols / (k - 1)
    ms_e = ss_error / ((n - 1) * (k - 1))
    denominator = ms_r + (k - 1) * ms_e + k * (ms_c - ms_e) / n
    return NAN if denominator == 0 else float((ms_r - ms_e) / denominator)


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
NEEDS_COMPLETE = {"fleiss_kappa": "Fleiss' kappa", "icc_a1": "the ICC"}


def _why_undefined(name: str, rows: list[list[Value | None]]) -> str:
    if name in NEEDS_COMPLETE and any(v is None for row in rows for v in row):
        return f"missing ratings: {NEEDS_COMPLETE[name]} needs every rater on every unit"
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
    ac1: float | None, kappa: float | None, ratings: Ratings, gap: float = 0.10
) -> str | None:
    """A sentence on why AC1 is well above kappa (or alpha), when it is by `gap` or more:
    the kappa paradox of Feinstein & Cicchetti (1990), where one answer dominates."""
    if ac1 is None or kappa is None or math.isnan(ac1) or math.isnan(kappa):
        return None
    if ac1 - kappa < gap:
        return None
    counts, categories = _counts(ratings)
    totals = counts.sum(axis=0)
    top = int(totals.argmax())
    return (
        f"AC1 ({ac1:.2f}) is higher than kappa ({kappa:.2f}) because "
        f'{totals[top] / totals.sum():.0%} of the ratings are "{categories[top]}": when one '
        "answer dominates, kappa counts most agreement as luck and stays low even though "
        "raters rarely disagree (the kappa paradox). AC1 estimates chance agreement in a "
        "way that is not thrown by skewed answers."
    )
