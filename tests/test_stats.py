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


# The change-versus-uncertainty rule: an arrow only where the 95% interval of the change
# leaves out zero. Worked by hand; the proportions are Newcombe's (1998) own examples of
# his method 10, whose published intervals are quoted.


def test_a_count_change_is_clear_beyond_two_poisson_standard_errors():
    # 30 against 10: 20 ± 1.96·√40 = 20 ± 12.40 -> (7.60, 32.40), above zero: up.
    change = stats.count_change(30, 10)
    assert change.interval.low == pytest.approx(7.604, abs=0.001)
    assert change.interval.high == pytest.approx(32.396, abs=0.001)
    assert (change.direction, change.arrow) == ("up", "↑")
    # 12 against 10: 2 ± 1.96·√22 = 2 ± 9.19 holds zero: no clear change, no arrow.
    change = stats.count_change(12, 10)
    assert (change.direction, change.arrow) == (None, "")
    assert stats.count_change(10, 30).direction == "down"


def test_a_mean_change_uses_both_spreads():
    # 80 against 70, n=10 each, variance 25 each: SE = √(2.5 + 2.5) = 2.236, t(9) = 2.262,
    # half-width 5.06 -> (4.94, 15.06): up.
    change = stats.mean_change(10, 80, 25, 10, 70, 25)
    assert change.difference == 10
    assert change.interval.low == pytest.approx(4.942, abs=0.001)
    assert change.direction == "up"
    # The same 10 points with variance 400 each: SE = √80 = 8.94, half-width 20.2: no
    # clear change, however large 10 points looks.
    assert stats.mean_change(10, 80, 400, 10, 70, 400).direction is None
    # Fewer than 5 audits on one side: a difference but no interval, so no judgement.
    few = stats.mean_change(4, 90, 25, 10, 70, 25)
    assert few.difference == 20 and few.interval is None and few.direction is None
    assert stats.mean_change(0, None, None, 10, 70, 25) is None


@pytest.mark.parametrize(
    ("k", "n", "k0", "n0", "low", "high", "direction"),
    [
        (56, 70, 48, 80, 5.24, 33.39, "up"),  # Newcombe: 0.0524 to 0.3339
        (9, 10, 3, 10, 17.05, 80.90, "up"),  # Newcombe: 0.1705 to 0.8090
        (3, 10, 9, 10, -80.90, -17.05, "down"),  # the same, the other way round
        (6, 10, 4, 10, -20.63, 52.78, None),  # 20 points on 10 each: no clear change
    ],
)
def test_a_proportion_change_has_newcombes_interval(k, n, k0, n0, low, high, direction):
    change = stats.proportion_change(k, n, k0, n0)
    assert change.interval.low == pytest.approx(low, abs=0.01)
    assert change.interval.high == pytest.approx(high, abs=0.01)
    assert change.direction == direction


def test_the_rule_itself():
    interval = stats.Interval
    assert stats.clear_direction(3.0, interval(0.5, 5.5)) == "up"
    assert stats.clear_direction(-3.0, interval(-5.5, -0.5)) == "down"
    assert stats.clear_direction(3.0, interval(-0.1, 6.1)) is None  # zero inside
    assert stats.clear_direction(3.0, interval(0.0, 6.0)) is None  # zero at the edge
    assert stats.clear_direction(3.0, None) is None
