"""Agreement statistics against reference implementations (test-only oracles: krippendorff,
irrCAC and pingouin under the GPL, scikit-learn and statsmodels under BSD), on their published
worked examples and on generated rating tables with missing values; the edge cases and their
reasons; the bootstrap; and the worked example in docs/agreement.md."""

from __future__ import annotations

import math
import re
import warnings
from itertools import combinations
from pathlib import Path

import krippendorff
import numpy as np
import pandas as pd
import pingouin
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from irrCAC import datasets as irr_datasets
from irrCAC.raw import CAC
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.inter_rater import aggregate_raters
from statsmodels.stats.inter_rater import cohens_kappa as sm_cohens_kappa
from statsmodels.stats.inter_rater import fleiss_kappa as sm_fleiss_kappa

from auditapp import agreement as ag

DOC = Path(__file__).resolve().parents[1] / "docs" / "agreement.md"
TOLERANCE = 1e-9
LEVELS = ["nominal", "ordinal", "interval", "ratio"]
PROPERTY = settings(max_examples=80, deadline=None)


def same(ours: float, theirs: float) -> bool:
    """Equal to TOLERANCE, or both undefined."""
    if math.isnan(theirs):
        return math.isnan(ours)
    return abs(ours - theirs) <= TOLERANCE


def quietly(compute):
    """Run an oracle with its warnings silenced (they warn on 0/0 where we return NaN)."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        return compute()


# ---------------------------------------------------------------- oracles, in their own terms


def oracle_alpha(rows, level, order=None) -> float:
    strings = any(isinstance(v, str) for row in rows for v in row)
    missing = "nan" if strings else np.nan
    data = np.array([[missing if v is None else v for v in row] for row in rows]).T
    if not strings:
        data = data.astype(float)
    try:
        return float(
            quietly(
                lambda: krippendorff.alpha(data, level_of_measurement=level, value_domain=order)
            )
        )
    except ValueError:  # krippendorff refuses one value or no pairable unit: undefined
        return math.nan


def irr_frame(rows) -> pd.DataFrame:
    if any(isinstance(v, str) for row in rows for v in row):
        return pd.DataFrame(rows, dtype=object)
    return pd.DataFrame([[np.nan if v is None else v for v in row] for row in rows], dtype=float)


def oracle_gwet(rows, categories=None) -> dict:
    """irrCAC's AC1 and p_a (it needs two units or more: its standard error divides by n - 1)."""
    return quietly(lambda: CAC(irr_frame(rows), categories=categories, digits=20).gwet()["est"])


def oracle_fleiss(rows) -> float:
    table, _ = aggregate_raters(np.array(rows))
    return float(quietly(lambda: sm_fleiss_kappa(table, method="fleiss")))


def oracle_cohen(a, b, weights=None, labels=None) -> float:
    kept = [(x, y) for x, y in zip(a, b, strict=True) if x is not None and y is not None]
    if not kept:
        return math.nan
    xs, ys = zip(*kept, strict=True)
    if any(isinstance(v, float) for v in xs + ys):
        # scikit-learn refuses non-integer numbers as labels: pass them as text, in numeric order.
        labels = [str(v) for v in sorted(set(xs + ys))]
        xs, ys = tuple(map(str, xs)), tuple(map(str, ys))
    return float(quietly(lambda: cohen_kappa_score(xs, ys, weights=weights, labels=labels)))


def oracle_icc(rows) -> float:
    long = pd.DataFrame(
        [(i, j, v) for i, row in enumerate(rows) for j, v in enumerate(row)],
        columns=["target", "rater", "rating"],
    )
    result = quietly(lambda: pingouin.intraclass_corr(long, "target", "rater", "rating"))
    row = result[result["Type"].isin(["ICC(A,1)", "ICC2"])]
    return float(row["ICC"].iloc[0])


def pairwise_percent(rows) -> float:
    """Percent agreement by counting rater pairs directly, a second way beside irrCAC's p_a."""
    shares = []
    for row in rows:
        given = [v for v in row if v is not None]
        pairs = list(combinations(given, 2))
        if pairs:
            shares.append(sum(a == b for a, b in pairs) / len(pairs))
    return sum(shares) / len(shares) if shares else math.nan


def rows_of(frame: pd.DataFrame) -> list[list]:
    return [[None if pd.isna(v) else v for v in row] for row in frame.itertuples(index=False)]


# ---------------------------------------------------------------- published worked examples

# Krippendorff (2011), "Computing Krippendorff's alpha-reliability", section C: four observers
# (rows) by twelve units (columns), "." missing.
KRIPPENDORFF_2011 = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
]
KRIPPENDORFF_UNITS = [list(unit) for unit in zip(*KRIPPENDORFF_2011, strict=True)]


@pytest.mark.parametrize(
    ("level", "published"),
    [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849), ("ratio", 0.797)],
)
def test_alpha_on_krippendorffs_2011_example(level, published):
    alpha = ag.krippendorff_alpha(KRIPPENDORFF_UNITS, level)
    assert round(alpha, 3) == published
    assert same(alpha, oracle_alpha(KRIPPENDORFF_UNITS, level))


def test_ordinal_alpha_with_an_explicit_order_of_words():
    words = ["very low", "low", "mid", "high", "very high"]
    units = [[None if v is None else words[v - 1] for v in unit] for unit in KRIPPENDORFF_UNITS]
    alpha = ag.krippendorff_alpha(units, "ordinal", order=words)
    assert same(alpha, ag.krippendorff_alpha(KRIPPENDORFF_UNITS, "ordinal"))
    assert same(alpha, oracle_alpha(units, "ordinal", order=words))
    assert round(ag.krippendorff_alpha(units, "nominal"), 3) == 0.743


def test_alpha_on_the_krippendorff_packages_docstring_example():
    coders = [
        [None, None, None, None, None, 3, 4, 1, 2, 1, 1, 3, 3, None, 3],
        [1, None, 2, 1, 3, 3, 4, 3, None, None, None, None, None, None, None],
        [None, None, 2, 1, 3, 4, 4, None, 2, 1, 1, 3, 3, None, 4],
    ]
    units = [list(unit) for unit in zip(*coders, strict=True)]
    assert round(ag.krippendorff_alpha(units, "nominal"), 6) == 0.691358
    assert round(ag.krippendorff_alpha(units, "interval"), 6) == 0.810845
    for level in LEVELS:
        assert same(ag.krippendorff_alpha(units, level), oracle_alpha(units, level))


@pytest.mark.parametrize("dataset", ["raw_4raters", "raw_5observers", "raw_g1g2"])
def test_gwet_percent_and_alpha_on_irrcacs_datasets(dataset):
    frame = getattr(irr_datasets, dataset)()
    rows = rows_of(frame)
    gwet = oracle_gwet(rows)
    assert same(ag.gwet_ac1(rows), gwet["coefficient_value"])
    assert same(ag.percent_agreement(rows), gwet["pa"])
    assert same(ag.percent_agreement(rows), pairwise_percent(rows))
    irr_alpha = quietly(lambda: CAC(irr_frame(rows), digits=20).krippendorff())["est"]
    assert same(ag.krippendorff_alpha(rows), irr_alpha["coefficient_value"])
    assert same(ag.krippendorff_alpha(rows), oracle_alpha(rows, "nominal"))


def test_gwet_ac1_as_published_in_irrcacs_documentation():
    rows = rows_of(irr_datasets.raw_4raters())
    assert round(ag.gwet_ac1(rows), 5) == 0.77544
    assert round(ag.percent_agreement(rows), 5) == 0.81818


# Fleiss (1971), Table 1: 30 patients, 6 psychiatrists each, 5 diagnoses (as statsmodels' tests
# hold it; R's irr::kappam.fleiss gives 0.4302445).
FLEISS_1971 = [
    [4, 4, 4, 4, 4, 4], [2, 2, 2, 5, 5, 5], [2, 3, 3, 3, 3, 5], [5, 5, 5, 5, 5, 5],
    [2, 2, 2, 4, 4, 4], [1, 1, 3, 3, 3, 3], [3, 3, 3, 3, 5, 5], [1, 1, 3, 3, 3, 4],
    [1, 1, 4, 4, 4, 4], [5, 5, 5, 5, 5, 5], [1, 4, 4, 4, 4, 4], [1, 2, 4, 4, 4, 4],
    [2, 2, 2, 3, 3, 3], [1, 4, 4, 4, 4, 4], [2, 2, 4, 4, 4, 5], [3, 3, 3, 3, 3, 5],
    [1, 1, 1, 4, 5, 5], [1, 1, 1, 1, 1, 2], [2, 2, 4, 4, 4, 4], [1, 3, 3, 5, 5, 5],
    [5, 5, 5, 5, 5, 5], [2, 4, 4, 4, 4, 4], [2, 2, 4, 5, 5, 5], [1, 1, 4, 4, 4, 4],
    [1, 4, 4, 4, 4, 5], [2, 2, 2, 2, 2, 4], [1, 1, 1, 1, 5, 5], [2, 2, 4, 4, 4, 4],
    [1, 3, 3, 3, 3, 3], [5, 5, 5, 5, 5, 5],
]  # fmt: skip
# The Wikipedia / statsmodels example: 10 subjects, 14 raters, counts per category.
FLEISS_COUNTS = [
    [0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0], [2, 2, 8, 1, 1],
    [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2], [6, 5, 2, 1, 0], [0, 2, 2, 3, 7],
]  # fmt: skip


def test_fleiss_kappa_on_fleiss_1971():
    kappa = ag.fleiss_kappa(FLEISS_1971)
    assert round(kappa, 7) == 0.4302445
    assert same(kappa, oracle_fleiss(FLEISS_1971))
    irr = quietly(lambda: CAC(irr_frame(FLEISS_1971), digits=20).fleiss())["est"]
    assert same(kappa, irr["coefficient_value"])


def test_fleiss_kappa_on_the_fourteen_raters_example():
    rows = [[c for c, n in enumerate(counts) for _ in range(n)] for counts in FLEISS_COUNTS]
    kappa = ag.fleiss_kappa(rows)
    assert round(kappa, 3) == 0.210
    assert same(kappa, float(sm_fleiss_kappa(np.array(FLEISS_COUNTS), method="fleiss")))


def test_cohen_kappa_on_ben_and_gerry_drops_the_unit_gerry_left_blank():
    rows = rows_of(irr_datasets.raw_ben_gerry())
    ben, gerry = [r[0] for r in rows], [r[1] for r in rows]
    assert same(ag.cohen_kappa(ben, gerry), oracle_cohen(ben, gerry))
    complete = [r for r in rows if None not in r]
    irr = quietly(lambda: CAC(irr_frame(complete), digits=20).conger())["est"]
    assert same(ag.cohen_kappa(ben, gerry), irr["coefficient_value"])


@pytest.mark.parametrize(
    ("weights", "wt", "sas"),
    [(None, None, 0.4842), ("linear", "linear", 0.4701), ("quadratic", "quadratic", None)],
)
def test_cohen_kappa_on_statsmodels_sas_table(weights, wt, sas):
    """SAS's printed example, as statsmodels' tests hold it (SAS prints no quadratic one)."""
    table = [[0, 4, 1], [0, 8, 0], [0, 1, 5]]
    pairs = [(i, j) for i, row in enumerate(table) for j, n in enumerate(row) for _ in range(n)]
    a, b = [p[0] for p in pairs], [p[1] for p in pairs]
    ours = ag.cohen_kappa(a, b, weights=weights)
    assert same(ours, oracle_cohen(a, b, weights))
    theirs = sm_cohens_kappa(np.array(table), wt=wt, return_results=False)
    assert same(ours, float(theirs))
    if sas is not None:
        assert round(ours, 4) == sas


# Shrout & Fleiss (1979), Table 2: six targets rated by four judges; ICC(2,1) = .29.
SHROUT_FLEISS = [
    [9, 2, 5, 8],
    [6, 1, 3, 2],
    [8, 4, 6, 8],
    [7, 1, 2, 6],
    [10, 5, 6, 9],
    [6, 2, 4, 7],
]


def test_icc_on_shrout_and_fleiss_1979():
    icc = ag.icc_a1(SHROUT_FLEISS)
    assert round(icc, 2) == 0.29
    assert same(icc, oracle_icc(SHROUT_FLEISS))


def test_icc_on_pingouins_wine_dataset():
    wide = pingouin.read_dataset("icc").pivot(index="Wine", columns="Judge", values="Scores")
    rows = wide.to_numpy().tolist()
    icc = ag.icc_a1(rows)
    assert round(icc, 6) == 0.727689  # pingouin's documented ICC(A,1)
    assert same(icc, oracle_icc(rows))


# ---------------------------------------------------------------- generated tables


@st.composite
def tables(draw, pool, *, complete=False, units=(1, 10), raters=(1, 6)):
    """A units-by-raters table drawing from 1 to 5 values of `pool`, None for missing."""
    n_units = draw(st.integers(*units))
    n_raters = draw(st.integers(*raters))
    values = draw(st.lists(st.sampled_from(pool), min_size=1, max_size=5, unique=True))
    cell = st.sampled_from(values if complete else [*values, None])
    return [[draw(cell) for _ in range(n_raters)] for _ in range(n_units)]


NUMBERS = [0, 1, 2, 3, 4, 5, 7, 2.5]
WORDS = ["yes", "no", "partly", "a", "b"]


def pairable(rows) -> list[list]:
    return [g for g in ([v for v in row if v is not None] for row in rows) if len(g) >= 2]


@PROPERTY
@given(rows=tables(NUMBERS), level=st.sampled_from(LEVELS))
def test_alpha_matches_krippendorff_package(rows, level):
    assert same(ag.krippendorff_alpha(rows, level), oracle_alpha(rows, level))


@PROPERTY
@given(rows=tables(WORDS, units=(2, 10)) | tables(NUMBERS, units=(2, 10)))
@example(rows=[["yes", "no"], [None, None]])  # one rated unit: found by a CI-sized run
def test_ac1_percent_and_nominal_alpha_match_irrcac_and_krippendorff(rows):
    ac1, percent = ag.gwet_ac1(rows), ag.percent_agreement(rows)
    assert same(ag.krippendorff_alpha(rows), oracle_alpha(rows, "nominal"))
    assert same(percent, pairwise_percent(rows))
    seen = {v for row in rows for v in row if v is not None}
    if not pairable(rows) or len(seen) < 2:
        # irrCAC divides by zero here, or fakes p_e = 1 - 1e-15 for a single category.
        assert math.isnan(ac1)
        return
    # irrCAC divides by the number of rated units less one. One rated unit given twice has
    # the same agreement and the same category shares, so the same AC1.
    rated = [row for row in rows if any(v is not None for v in row)]
    oracle_rows = rated * 2 if len(rated) == 1 else rows
    gwet = oracle_gwet(oracle_rows)
    assert same(ac1, gwet["coefficient_value"])
    assert same(percent, gwet["pa"])
    # With the scale given, unused categories count in q, as irrCAC's `categories` does.
    scale = sorted(seen | {WORDS[0] if isinstance(next(iter(seen)), str) else 99}, key=str)
    expected = oracle_gwet(oracle_rows, scale)["coefficient_value"]
    assert same(ag.gwet_ac1(rows, categories=scale), expected)


@PROPERTY
@given(
    rows=tables(WORDS, complete=True, raters=(2, 6)) | tables(NUMBERS, complete=True, raters=(2, 6))
)
def test_fleiss_kappa_matches_statsmodels_and_is_nan_with_a_missing_rating(rows):
    assert same(ag.fleiss_kappa(rows), oracle_fleiss(rows))
    holed = [list(row) for row in rows]
    holed[0][0] = None
    assert math.isnan(ag.fleiss_kappa(holed))


@PROPERTY
@given(
    rows=tables(NUMBERS, raters=(2, 2), units=(1, 15)),
    weights=st.sampled_from([None, "linear", "quadratic"]),
)
def test_cohen_kappa_matches_scikit_learn_on_the_pairs_both_rated(rows, weights):
    a, b = [r[0] for r in rows], [r[1] for r in rows]
    assert same(ag.cohen_kappa(a, b, weights=weights), oracle_cohen(a, b, weights))
    if weights is None:
        words = {v: WORDS[i] for i, v in enumerate(sorted({v for v in a + b if v is not None}))}
        named = [[None if v is None else words.get(v, "x") for v in r] for r in rows]
        wa, wb = [r[0] for r in named], [r[1] for r in named]
        assert same(ag.cohen_kappa(wa, wb), ag.cohen_kappa(a, b))


@settings(max_examples=50, deadline=None)
@given(rows=tables(NUMBERS, complete=True, units=(3, 10), raters=(2, 5)))
def test_icc_matches_pingouin(rows):
    ours = ag.icc_a1(rows)
    if len({v for row in rows for v in row}) == 1:
        assert math.isnan(ours)  # pingouin's ANOVA divides 0 by 0 here
        return
    assert same(ours, oracle_icc(rows))


# ---------------------------------------------------------------- edge cases and their reasons

ALL = ["krippendorff_alpha", "fleiss_kappa", "gwet_ac1", "percent_agreement", "icc_a1"]
NO_VARIATION = "no variation: every rating is the same"


def test_everyone_giving_the_same_rating_leaves_chance_corrected_figures_undefined():
    rows = [[4, 4, 4], [4, 4, 4], [4, 4, 4]]
    for name in ["krippendorff_alpha", "fleiss_kappa", "gwet_ac1", "icc_a1"]:
        result = ag.estimate(name, rows, samples=50)
        assert (result.value, result.reason) == (None, NO_VARIATION), name
    assert ag.estimate("cohen_kappa", [r[:2] for r in rows], samples=50).reason == NO_VARIATION
    assert ag.estimate("percent_agreement", rows, samples=50).value == 1.0
    # Knowing the scale defines AC1: every pair agrees and chance agreement is 0.
    assert ag.gwet_ac1(rows, categories=[1, 2, 3, 4, 5]) == 1.0
    # Identical fractions that binary floats cannot hold leave no rounding dust in the ICC.
    assert math.isnan(ag.icc_a1([[0.1] * 3] * 7))


def test_full_agreement_over_two_categories_is_one_everywhere():
    rows = [["yes"] * 3, ["no"] * 3, ["yes"] * 3]
    for name in ["krippendorff_alpha", "fleiss_kappa", "gwet_ac1", "percent_agreement"]:
        assert ag.estimate(name, rows, samples=50).value == pytest.approx(1.0), name
    assert ag.cohen_kappa(["yes", "no", "yes"], ["yes", "no", "yes"]) == pytest.approx(1.0)
    assert ag.icc_a1([[1, 1, 1], [3, 3, 3], [2, 2, 2]]) == pytest.approx(1.0)


def test_a_unit_rated_once_pairs_with_nothing_but_counts_in_ac1s_marginals():
    rows = [["yes", "yes", "no"], ["no", "no", "no"], ["yes", "yes", "yes"]]
    lone = [*rows, ["no", None, None]]
    assert ag.krippendorff_alpha(lone) == ag.krippendorff_alpha(rows)
    assert ag.percent_agreement(lone) == ag.percent_agreement(rows)
    assert ag.gwet_ac1(lone) != ag.gwet_ac1(rows)  # irrCAC averages pi_k over it too
    assert same(ag.gwet_ac1(lone), oracle_gwet(lone)["coefficient_value"])
    assert ag.estimate("fleiss_kappa", lone).reason == (
        "missing ratings: Fleiss' kappa needs every rater on every unit"
    )
    assert ag.estimate("icc_a1", [[1, 2], [2, 3], [3, None]]).reason == (
        "missing ratings: the ICC needs every rater on every unit"
    )


def test_no_unit_rated_twice():
    rows = [["yes", None], [None, "no"], ["no", None]]
    for name in ["krippendorff_alpha", "gwet_ac1", "percent_agreement", "cohen_kappa"]:
        result = ag.estimate(name, rows)
        assert (result.value, result.reason) == (None, "no unit was rated by two or more raters")
        assert (result.n_units, result.n_raters) == (3, 2)


@pytest.mark.parametrize("name", [*ALL, "cohen_kappa"])
def test_one_unit_gives_no_figure(name):
    result = ag.estimate(name, [[1, 2]])
    assert result == ag.Estimate(
        None, None, None, 1, 2, "only one unit: agreement needs at least two rated items"
    )


def test_one_unit_makes_alpha_zero_by_construction():
    """Why `estimate` refuses one unit: observed and expected coincidences are the same."""
    assert ag.krippendorff_alpha([["yes", "no", "no"]]) == 0.0


@pytest.mark.parametrize("name", ALL)
def test_one_rater_gives_no_figure(name):
    rows = [[1, None], [2, None], [3, None]]
    assert ag.estimate(name, rows).reason == "fewer than two raters"
    assert math.isnan(ag.STATISTICS[name]([[1], [2], [3]]))


def test_nan_is_a_missing_rating_like_none():
    with_nan = [[1, float("nan"), 2], [2, 2, 2], [3, 3, float("nan")]]
    with_none = [[1, None, 2], [2, 2, 2], [3, 3, None]]
    for level in LEVELS:
        assert ag.krippendorff_alpha(with_nan, level) == ag.krippendorff_alpha(with_none, level)
    assert ag.cohen_kappa([1, float("nan"), 2], [1, 2, 2]) == ag.cohen_kappa([1, 2], [1, 2])


def test_the_estimate_counts_rated_units_and_raters_who_rated():
    rows = [[1, 2, None], [None, None, None], [2, 2, None], [1, 1, None]]
    result = ag.estimate("krippendorff_alpha", rows, samples=50)
    assert (result.n_units, result.n_raters, result.reason) == (3, 2, None)
    assert result.value == pytest.approx(ag.krippendorff_alpha(rows))


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: ag.krippendorff_alpha([["a", "b"], ["b", "b"]], "interval"), "numeric"),
        (
            lambda: ag.krippendorff_alpha([[1, 2], [2, 9]], "ordinal", order=[1, 2]),
            "not in the given order",
        ),
        (
            lambda: ag.krippendorff_alpha([[1, 2], [2, 2]], "ratio", order=[1, 2]),
            "interval and ratio",
        ),
        (lambda: ag.krippendorff_alpha([[1, 2], [2, 2]], "cardinal"), "unknown level"),
        (lambda: ag.cohen_kappa(["a", "b"], ["b", "b"], weights="linear"), "numeric"),
        (lambda: ag.cohen_kappa([1, 2], [1]), "one entry per unit"),
        (lambda: ag.icc_a1([["a", "b"], ["b", "b"]]), "numeric"),
        (lambda: ag.fleiss_kappa([[1, 2], [1]]), "one entry per rater"),
        (lambda: ag.estimate("cohen_kappa", [[1, 2, 3], [1, 2, 2]]), "exactly two raters"),
        (
            lambda: ag.bootstrap_interval(ag.percent_agreement, [[1, 1]], confidence=95),
            "between 0 and 1",
        ),
        (lambda: ag.estimate("cronbach_alpha", [[1, 2], [2, 2]]), "unknown statistic"),
    ],
)
def test_misuse_is_refused_with_a_message(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_weighted_kappa_follows_the_given_order_of_words():
    a, b = ["low", "mid", "high", "mid"], ["mid", "mid", "high", "low"]
    order = ["low", "mid", "high"]
    as_numbers = ag.cohen_kappa(
        [order.index(v) for v in a], [order.index(v) for v in b], "quadratic"
    )
    assert ag.cohen_kappa(a, b, "quadratic", order=order) == pytest.approx(as_numbers)
    assert same(ag.cohen_kappa(a, b, "linear", order=order), oracle_cohen(a, b, "linear", order))


# ---------------------------------------------------------------- bootstrap


def test_bootstrap_is_reproducible_and_brackets_the_estimate():
    rows = rows_of(irr_datasets.raw_5observers())
    first = ag.bootstrap_interval(ag.krippendorff_alpha, rows, samples=300, seed=7)
    assert first == ag.bootstrap_interval(ag.krippendorff_alpha, rows, samples=300, seed=7)
    assert first[0] < ag.krippendorff_alpha(rows) < first[1]
    assert first != ag.bootstrap_interval(ag.krippendorff_alpha, rows, samples=300, seed=8)
    narrow = ag.bootstrap_interval(ag.krippendorff_alpha, rows, samples=300, seed=7, confidence=0.5)
    assert first[0] < narrow[0] < narrow[1] < first[1]


def test_estimate_carries_the_seeded_interval():
    rows = rows_of(irr_datasets.raw_4raters())
    result = ag.estimate("gwet_ac1", rows, samples=200, seed=3)
    low, high = ag.bootstrap_interval(ag.gwet_ac1, rows, samples=200, seed=3)
    assert (result.value, result.ci_low, result.ci_high) == (ag.gwet_ac1(rows), low, high)
    assert result == ag.estimate("gwet_ac1", rows, samples=200, seed=3)
    ordinal = ag.estimate("krippendorff_alpha", rows, samples=200, level="ordinal")
    assert ordinal.value == ag.krippendorff_alpha(rows, "ordinal")


def test_bootstrap_leaves_out_resamples_where_the_statistic_is_undefined():
    rows = [["yes", "yes"], ["yes", "yes"], ["yes", "no"]]
    calls = []

    def counted(table):
        calls.append(table)
        return ag.krippendorff_alpha(table)

    low, high = ag.bootstrap_interval(counted, rows, samples=100, seed=0)
    undefined = sum(math.isnan(ag.krippendorff_alpha(t)) for t in calls)
    assert len(calls) == 100 and 0 < undefined < 100
    assert math.isfinite(low) and math.isfinite(high)
    assert ag.bootstrap_interval(ag.krippendorff_alpha, [["yes", "yes"]] * 3) == pytest.approx(
        (math.nan, math.nan), nan_ok=True
    )


# ---------------------------------------------------------------- plain-language readings


@pytest.mark.parametrize(
    ("alpha", "reading"),
    [
        (1.0, "reliable"),
        (0.800, "reliable"),
        (0.7999, "tentative"),
        (0.667, "tentative"),
        (0.6669, "unreliable"),
        (-0.2, "unreliable"),
        (None, None),
        (math.nan, None),
    ],
)
def test_alpha_reading_follows_krippendorff_2004(alpha, reading):
    assert ag.alpha_reading(alpha) == reading


def test_the_kappa_paradox_note_names_the_dominant_answer():
    rows = [["yes"] * 4] * 8 + [["yes", "yes", "yes", "no"], ["no", "yes", "yes", "yes"]]
    ac1, kappa = ag.gwet_ac1(rows), ag.fleiss_kappa(rows)
    assert ac1 - kappa > 0.5
    note = ag.ac1_kappa_note(ac1, kappa, rows)
    assert note.startswith(f"AC1 ({ac1:.2f}) is higher than kappa ({kappa:.2f}) because 95% of")
    assert '"yes"' in note and "kappa paradox" in note
    balanced = [["yes", "yes"], ["no", "no"], ["yes", "no"], ["no", "no"], ["yes", "yes"]]
    assert ag.ac1_kappa_note(ag.gwet_ac1(balanced), ag.fleiss_kappa(balanced), balanced) is None
    assert ag.ac1_kappa_note(None, kappa, rows) is None


# ---------------------------------------------------------------- docs/agreement.md


def worked_example() -> tuple[list[list], str]:
    """The table and the reported figures of the worked example in docs/agreement.md."""
    section = DOC.read_text().split("## Worked example", 1)[1].split("\n## ", 1)[0]
    cell = {"yes": "yes", "no": "no", "N/A": None}
    rows = [
        [cell[v.strip()] for v in line.strip("|").split("|")[1:]]
        for line in section.splitlines()
        if re.match(r"\| \d+ \|", line)
    ]
    return rows, section


FIGURES = {
    "Percent agreement": "percent_agreement",
    "Krippendorff's α (nominal)": "krippendorff_alpha",
    "Gwet's AC1": "gwet_ac1",
}


def test_the_worked_example_in_the_docs_is_what_the_module_computes():
    rows, section = worked_example()
    assert len(rows) == 6 and {len(row) for row in rows} == {4}
    assert sum(v is None for row in rows for v in row) == 1
    number = r"(-?\d\.\d{3})"
    stated = re.findall(
        rf"^- \*\*(.+?)\*\*: {number} \(95% interval {number} to {number}\)(?:, (\w+))?$",
        section,
        re.M,
    )
    assert [s[0] for s in stated] == list(FIGURES)
    for label, value, low, high, reading in stated:
        result = ag.estimate(FIGURES[label], rows, samples=1000, seed=0)
        assert (f"{result.value:.3f}", f"{result.ci_low:.3f}", f"{result.ci_high:.3f}") == (
            value,
            low,
            high,
        ), label
        if reading:
            assert ag.alpha_reading(result.value) == reading
    # The fractions worked by hand in the doc.
    assert ag.percent_agreement(rows) == pytest.approx(5 / 6)
    assert ag.krippendorff_alpha(rows) == pytest.approx(8 / 19)
    assert ag.gwet_ac1(rows) == pytest.approx(10 / 13)
    assert same(ag.gwet_ac1(rows), oracle_gwet(rows)["coefficient_value"])
    assert same(ag.krippendorff_alpha(rows), oracle_alpha(rows, "nominal"))
    fleiss = re.search(r'^- \*\*Fleiss\' κ\*\*: not computed, "(.+)"$', section, re.M)
    assert ag.estimate("fleiss_kappa", rows).reason == fleiss.group(1)
    note = ag.ac1_kappa_note(ag.gwet_ac1(rows), ag.krippendorff_alpha(rows), rows, kappa_name="α")
    share = re.search(r'because (\d+% of the ratings are "yes")', section).group(1)
    assert share in note
