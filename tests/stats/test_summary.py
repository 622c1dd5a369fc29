"""describe and paired_difference against scipy and the sleep-data textbook values."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from numpy.typing import ArrayLike
from scipy import stats

from genoenc.stats import Interval, describe, paired_difference
from tests.stats._strategies import FINITE, all_equal, paired, reference

# Student's sleep data (Cushny & Peebles 1905), extra hours of sleep under two drugs.
SLEEP_1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0]
SLEEP_2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4]


@settings(deadline=None)
@given(arrays(np.float64, st.integers(2, 40), elements=FINITE))
def test_describe_matches_scipy(x: np.ndarray) -> None:
    assume(not all_equal(x))
    result, warned = reference(lambda: stats.ttest_1samp(x, 0.0).confidence_interval(0.95))
    assume(not warned)
    summary = describe(x)
    assert summary.n == x.size
    assert summary.mean == pytest.approx(np.mean(x), rel=1e-12, abs=1e-12)
    assert summary.sd == pytest.approx(np.std(x, ddof=1), rel=1e-10)
    assert summary.ci95.low == pytest.approx(result.low, rel=1e-10, abs=1e-10)
    assert summary.ci95.high == pytest.approx(result.high, rel=1e-10, abs=1e-10)


def test_describe_hand_computed() -> None:
    # mean 2, sd 1, half-width q / sqrt(3), where q = t_{2, 0.975}. For 2 degrees of
    # freedom F(q) = 1/2 + q / (2 sqrt(2 + q^2)), so q / sqrt(2 + q^2) = 0.95.
    summary = describe([1.0, 2.0, 3.0])
    q = 0.95 * math.sqrt(2 / (1 - 0.95**2))
    half = q / math.sqrt(3)
    assert (summary.n, summary.mean, summary.sd) == (3, 2.0, 1.0)
    assert summary.ci95.low == pytest.approx(2 - half, rel=1e-12)
    assert summary.ci95.high == pytest.approx(2 + half, rel=1e-12)


def test_describe_one_value_has_nan_spread() -> None:
    summary = describe([1.5])
    assert (summary.n, summary.mean) == (1, 1.5)
    assert math.isnan(summary.sd)
    assert math.isnan(summary.ci95.low)
    assert math.isnan(summary.ci95.high)


def test_describe_constant_values_have_exactly_zero_sd() -> None:
    summary = describe([0.1, 0.1, 0.1])  # np.std gives ~1e-17 here
    assert summary.sd == 0.0
    assert summary.ci95 == Interval(summary.mean, summary.mean)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ([], "empty"),
        ([[1.0, 2.0]], "1-D"),
        ([1.0, math.nan], "nan or inf"),
        ([1.0, math.inf], "nan or inf"),
    ],
)
def test_describe_rejects_bad_input(values: ArrayLike, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        describe(values)


def test_paired_difference_sleep_data() -> None:
    # R: t.test(extra ~ group, data = sleep, paired = TRUE): mean difference -1.58,
    # 95 percent confidence interval -2.4598858 -0.7001142
    difference = paired_difference(SLEEP_1, SLEEP_2)
    assert difference.n == 10
    assert difference.mean_diff == pytest.approx(-1.58, abs=1e-12)
    assert difference.ci95.low == pytest.approx(-2.4598858, abs=5e-8)
    assert difference.ci95.high == pytest.approx(-0.7001142, abs=5e-8)


@settings(deadline=None)
@given(paired())
def test_paired_difference_matches_ttest_rel(pair: tuple[np.ndarray, np.ndarray]) -> None:
    a, b = pair
    assume(not all_equal(a - b))
    result, warned = reference(lambda: stats.ttest_rel(a, b).confidence_interval(0.95))
    assume(not warned)
    difference = paired_difference(a, b)
    assert difference.sd_diff == pytest.approx(np.std(a - b, ddof=1), rel=1e-10)
    assert difference.ci95.low == pytest.approx(result.low, rel=1e-10, abs=1e-10)
    assert difference.ci95.high == pytest.approx(result.high, rel=1e-10, abs=1e-10)


def test_paired_difference_rejects_unpaired_lengths() -> None:
    with pytest.raises(ValueError, match="pair up: 3 values vs 2"):
        paired_difference([1.0, 2.0, 3.0], [1.0, 2.0])


def test_interval_contains() -> None:
    assert Interval(-1.0, 1.0).contains(1.0)
    assert not Interval(-1.0, 1.0).contains(1.5)
