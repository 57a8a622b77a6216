"""auditapp.stats worked by hand: t quantiles, a mean's interval, Wilson, rolling means."""

from __future__ import annotations

import math

import pytest

from auditapp import stats


@pytest.mark.parametrize(
    ("df", "known"),
    [(1, 12.7062), (9, 2.2622), (30, 2.0423), (100, 1.9840)],  # printed t tables
)
def test_t_quantile_matches_the_tables(df, known):
    assert stats.t_95(df) == pytest.approx(known, abs=0.002)


def test_t_quantile_needs_a_degree_of_freedom():
    with pytest.raises(ValueError):
        stats.t_95(0)


def test_variance_from_sums_of_70_80_90():
    # SUM 240, SUM of squares 4900 + 6400 + 8100 = 19400; (19400 - 240²/3) / 2 = 100.
    assert stats.variance_from_sums(3, 240, 19400) == pytest.approx(100)
    assert stats.variance_from_sums(1, 70, 4900) is None


def test_mean_interval_of_70_80_90():
    half = 4.303 * math.sqrt(100 / 3)  # t(2) * s / sqrt(n) = 24.84
    interval = stats.mean_interval(3, 80, 100)
    assert interval.low == pytest.approx(80 - half)
    assert interval.high == 100  # 104.84 is clamped to the top of the scale


def test_mean_interval_without_a_spread_is_none():
    assert stats.mean_interval(1, 80, None) is None
    assert stats.mean_interval(0, None, None) is None


def test_wilson_8_of_10():
    interval = stats.wilson(8, 10)
    assert interval.low == pytest.approx(49.0, abs=0.05)
    assert interval.high == pytest.approx(94.3, abs=0.05)


def test_wilson_edges():
    assert stats.wilson(0, 0) is None
    none_passed = stats.wilson(0, 5)
    assert none_passed.low == 0 and 0 < none_passed.high < 50
    all_passed = stats.wilson(5, 5)
    assert all_passed.high == 100 and 50 < all_passed.low < 100


def test_rolling_mean_over_a_window_of_three():
    assert stats.rolling_mean([10, 20, 30, 40, 50], 3) == [10, 15, 20, 30, 40]
    assert stats.rolling_mean([], 5) == []


def test_enough_to_judge_starts_at_five():
    assert not stats.enough_to_judge(4)
    assert stats.enough_to_judge(5)
