"""paired_t_test against scipy.stats.ttest_rel and tost_paired against statsmodels."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy import stats
from statsmodels.stats.weightstats import ttost_paired

from genoenc.stats import paired_t_test, tost_paired
from tests.stats._strategies import all_equal, paired, reference
from tests.stats.test_summary import SLEEP_1, SLEEP_2


@settings(deadline=None)
@given(paired())
def test_t_test_matches_scipy(pair: tuple[np.ndarray, np.ndarray]) -> None:
    a, b = pair
    assume(not all_equal(a - b))  # the zero-spread rule is tested on its own below
    result, warned = reference(lambda: stats.ttest_rel(a, b))
    assume(not warned)
    test = paired_t_test(a, b)
    assert test.df == result.df == a.size - 1
    assert test.statistic == pytest.approx(result.statistic, rel=1e-10)
    assert test.p_value == pytest.approx(result.pvalue, rel=1e-10, abs=1e-10)
    assert test.reason is None


def test_t_test_sleep_data() -> None:
    # R: t.test(extra ~ group, data = sleep, paired = TRUE): t = -4.0621, df = 9,
    # p-value = 0.002833
    test = paired_t_test(SLEEP_1, SLEEP_2)
    assert test.statistic == pytest.approx(-4.0621, abs=5e-5)
    assert test.p_value == pytest.approx(0.002833, abs=5e-7)
    assert (test.df, test.n) == (9, 10)
    assert test.mean_diff == pytest.approx(-1.58, abs=1e-12)


def test_t_test_two_pairs_by_hand() -> None:
    # d = [1, 3]: mean 2, sd sqrt(2), se 1, t = 2 on 1 df (Cauchy): p = 1 - 2 atan(2) / pi
    test = paired_t_test([1.0, 3.0], [0.0, 0.0])
    assert test.statistic == pytest.approx(2.0, rel=1e-12)
    assert test.se_diff == pytest.approx(1.0, rel=1e-12)
    assert test.p_value == pytest.approx(1 - 2 * math.atan(2) / math.pi, rel=1e-12)


def test_t_test_is_antisymmetric() -> None:
    forward = paired_t_test(SLEEP_1, SLEEP_2)
    backward = paired_t_test(SLEEP_2, SLEEP_1)
    assert backward.statistic == pytest.approx(-forward.statistic, rel=1e-12)
    assert backward.p_value == pytest.approx(forward.p_value, rel=1e-12)


def test_t_test_all_zero_differences() -> None:
    test = paired_t_test([1.0, 2.0, 3.0], [1.0, 2.0, 3.0])
    assert (test.statistic, test.p_value, test.se_diff) == (0.0, 1.0, 0.0)
    assert test.reason == "all differences are zero"


@pytest.mark.parametrize(("shift", "sign"), [(0.25, 1.0), (-0.5, -1.0)])
def test_t_test_constant_differences(shift: float, sign: float) -> None:
    b = np.array([1.5, 2.0, 2.5, 1.75])  # dyadic values: a - b is exactly `shift`
    a = b + shift
    assert all_equal(a - b)
    test = paired_t_test(a, b)
    assert test.statistic == sign * math.inf
    assert test.p_value == 0.0
    assert test.reason == "all differences are equal (zero variance)"


def test_t_test_constant_differences_where_the_mean_rounds() -> None:
    # mean([0.1] * 3) is not exactly 0.1; without the rule t would be a huge finite number
    test = paired_t_test([0.1, 0.1, 0.1], [0.0, 0.0, 0.0])
    assert (test.statistic, test.p_value, test.mean_diff) == (math.inf, 0.0, 0.1)


def test_t_test_one_pair_is_undefined() -> None:
    test = paired_t_test([1.0], [2.0])
    assert math.isnan(test.statistic)
    assert math.isnan(test.p_value)
    assert test.reason == "fewer than 2 pairs"
    assert (test.n, test.mean_diff) == (1, -1.0)


@settings(deadline=None)
@given(paired(), st.floats(min_value=1e-3, max_value=1e3))
def test_tost_matches_statsmodels(pair: tuple[np.ndarray, np.ndarray], margin: float) -> None:
    a, b = pair
    assume(not all_equal(a - b))
    (p, lower, upper), warned = reference(lambda: ttost_paired(a, b, -margin, margin))
    assume(not warned)
    test = tost_paired(a, b, margin)
    assert test.p_value == pytest.approx(p, rel=1e-10, abs=1e-10)
    assert test.p_lower == pytest.approx(lower[1], rel=1e-10, abs=1e-10)
    assert test.p_upper == pytest.approx(upper[1], rel=1e-10, abs=1e-10)
    assert test.t_lower == pytest.approx(lower[0], rel=1e-10, abs=1e-10)
    assert test.t_upper == pytest.approx(upper[0], rel=1e-10, abs=1e-10)
    assert test.df == lower[2] == a.size - 1


@settings(deadline=None)
@given(paired(), st.floats(min_value=1e-3, max_value=1e3))
def test_tost_rejects_exactly_when_ci90_is_inside_the_margin(
    pair: tuple[np.ndarray, np.ndarray], margin: float
) -> None:
    a, b = pair
    test = tost_paired(a, b, margin)
    # keep away from the boundary, where rounding may decide either way
    assume(abs(test.p_value - 0.05) > 1e-9)
    inside = -margin < test.ci90.low and test.ci90.high < margin
    assert (test.p_value < 0.05) == inside


def test_tost_by_hand() -> None:
    # d = [0.1, 0.2, 0.3], margin 0.5: mean 0.2, se 0.1 / sqrt(3), so t_lower = 7 sqrt(3)
    # and t_upper = -3 sqrt(3) on 2 df, where F(t) = 1/2 + t / (2 sqrt(2 + t^2)).
    test = tost_paired([0.1, 0.2, 0.3], [0.0, 0.0, 0.0], 0.5)
    p_upper = 0.5 - 3 * math.sqrt(3) / (2 * math.sqrt(29))
    p_lower = 0.5 - 7 * math.sqrt(3) / (2 * math.sqrt(149))
    assert test.t_lower == pytest.approx(7 * math.sqrt(3), rel=1e-12)
    assert test.t_upper == pytest.approx(-3 * math.sqrt(3), rel=1e-12)
    assert test.p_upper == pytest.approx(p_upper, rel=1e-12)
    assert test.p_lower == pytest.approx(p_lower, rel=1e-12)
    assert test.p_value == test.p_upper
    assert test.margin == 0.5


def test_tost_constant_differences() -> None:
    inside = tost_paired([1.25, 2.25], [1.0, 2.0], 0.5)  # d = 0.25 twice
    assert inside.reason is not None
    assert (inside.p_value, inside.t_lower, inside.t_upper) == (0.0, math.inf, -math.inf)
    outside = tost_paired([1.0, 1.0], [0.0, 0.0], 0.5)
    assert (outside.p_lower, outside.p_upper, outside.p_value) == (0.0, 1.0, 1.0)
    on_bound = tost_paired([0.5, 0.5], [0.0, 0.0], 0.5)  # 0/0: t = 0, one-sided p = 1/2
    assert (on_bound.t_upper, on_bound.p_upper, on_bound.p_value) == (0.0, 0.5, 0.5)


def test_tost_one_pair_is_undefined() -> None:
    test = tost_paired([1.0], [1.2], 0.5)
    assert math.isnan(test.p_value)
    assert math.isnan(test.ci90.low)
    assert test.reason == "fewer than 2 pairs"


@pytest.mark.parametrize("margin", [0.0, -0.1, math.nan, math.inf])
def test_tost_rejects_bad_margin(margin: float) -> None:
    with pytest.raises(ValueError, match="margin must be"):
        tost_paired([1.0, 2.0], [1.0, 2.5], margin)
