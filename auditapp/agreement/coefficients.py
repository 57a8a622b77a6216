"""The agreement coefficients themselves, each written from its paper: a float for a table of
ratings, NaN where the formula is undefined.

`ratings` is a sequence of units (the items rated), each a sequence with one value per rater;
`None` (or a float NaN) is a missing rating. Nominal statistics compare values by equality;
ordinal, interval and ratio ones need numbers (ordinal also takes an explicit `order`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from numbers import Real
from typing import Literal, cast

import numpy as np
import numpy.typing as npt

Value = str | int | float
Ratings = Sequence[Sequence[Value | None]]
Level = Literal["nominal", "ordinal", "interval", "ratio"]
Weights = Literal["linear", "quadratic"] | None

NAN = float("nan")
Array = npt.NDArray[np.float64]


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
        return sorted(set(_numbers(values)))
    return list(dict.fromkeys(values))


def _numbers(values: list[Value]) -> list[float]:
    if not all(isinstance(v, Real) and not isinstance(v, bool) for v in values):
        raise ValueError("this level needs numeric ratings (or an explicit `order`)")
    return cast(list[float], values)


def _counts(
    ratings: Ratings, order: Sequence[Value] | None = None, numeric: bool = False
) -> tuple[Array, list[Value]]:
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


def _metric(level: Level, values: Array, n_c: Array) -> Array:
    """Krippendorff's (2011) difference functions delta^2(c, k) between the categories."""
    c, k = np.meshgrid(np.arange(len(values)), np.arange(len(values)), indexing="ij")
    if level == "nominal":
        return (c != k).astype(float)
    if level == "ordinal":
        # Ranks are spaced by how many pairable values lie between them (Krippendorff 2011), so
        # the distance depends on how often each rank was used, not on the numbers themselves.
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


def _pairwise_agreement(counts: Array) -> Array:
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
    """Gwet's AC1 (Gwet 2008; with missing ratings as in Gwet 2014 and irrCAC's `gwet`):
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
    a_given, b_given = _rows([rater_a, rater_b])
    pairs = [
        (a, b) for a, b in zip(a_given, b_given, strict=True) if a is not None and b is not None
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
    complete = [[v for v in row if v is not None] for row in rows]
    if any(len(row) < len(rows[0]) for row in complete):
        return NAN
    x = np.array([_numbers(row) for row in complete], dtype=np.float64)
    # Tested apart from the denominator: identical non-binary fractions (0.1, 0.1, ...) leave
    # rounding dust in the sums of squares instead of an exact zero.
    if x.ndim != 2 or x.shape[0] < 2 or x.shape[1] < 2 or np.ptp(x) == 0:
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
