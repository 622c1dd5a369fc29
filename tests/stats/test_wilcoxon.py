"""wilcoxon_signed_rank against scipy.stats.wilcoxon and hand-computed values."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from scipy import stats

from genoenc.stats import wilcoxon_signed_rank
from tests.stats._strategies import COARSE, paired, reference
from tests.stats.test_summary import SLEEP_1, SLEEP_2


def _check_against_scipy(a: np.ndarray, b: np.ndarray) -> None:
    test = wilcoxon_signed_rank(a, b)
    if np.all(a == b):
        # scipy divides 0 by 0 here (and warns); our rule: no evidence of a shift, p = 1
        assert (test.p_value, test.statistic) == (1.0, 0.0)
        return
    result, warned = reference(lambda: stats.wilcoxon(a, b))
    assert not warned
    assert test.statistic == result.statistic
    assert test.p_value == pytest.approx(result.pvalue, rel=1e-10, abs=1e-10)
    assert test.w_plus + test.w_minus == test.n_nonzero * (test.n_nonzero + 1) / 2


@settings(deadline=None)
@given(paired(max_size=60))
def test_matches_scipy_on_continuous_data(pair: tuple[np.ndarray, np.ndarray]) -> None:
    _check_against_scipy(*pair)


@settings(deadline=None)
@given(paired(max_size=60, elements=COARSE))
def test_matches_scipy_with_ties_and_zeros(pair: tuple[np.ndarray, np.ndarray]) -> None:
    _check_against_scipy(*pair)


@pytest.mark.parametrize(
    ("d", "method"),
    [
        (np.arange(1.0, 51.0), "exact"),  # 50 pairs, no ties or zeros
        (np.arange(1.0, 52.0), "normal"),  # 51 pairs
        (np.array([*range(1, 13), 1.0]), "exact"),  # 13 pairs with a tie
        (np.array([*range(1, 14), 1.0]), "normal"),  # 14 pairs with a tie
        (np.array([*range(1, 14), 0.0]), "normal"),  # 14 pairs with a zero
        (np.array([*range(-7, 0), *range(8, 15)], dtype=float), "exact"),  # 14 distinct |d|
    ],
)
def test_method_choice_follows_scipy(d: np.ndarray, method: str) -> None:
    zeros = np.zeros_like(d)
    assert wilcoxon_signed_rank(d, zeros).method == method
    _check_against_scipy(d, zeros)


def test_exact_no_ties_by_hand() -> None:
    # d = 1..5 all positive: W+ = 15 is the largest of 32 equally likely sums: p = 2/32
    test = wilcoxon_signed_rank([1.0, 2.0, 3.0, 4.0, 5.0], [0.0] * 5)
    assert (test.w_plus, test.w_minus, test.statistic) == (15.0, 0.0, 0.0)
    assert test.p_value == 0.0625
    # d = 1..5, -6: W- = 6; 14 of the 64 subsets of {1..6} sum to <= 6, so p = 28/64
    test = wilcoxon_signed_rank([1.0, 2.0, 3.0, 4.0, 5.0, -6.0], [0.0] * 6)
    assert (test.w_plus, test.w_minus) == (15.0, 6.0)
    assert test.p_value == pytest.approx(28 / 64, rel=1e-12)


def test_exact_with_ties_by_hand() -> None:
    # d = 1, 1, -2, 3: ranks 1.5, 1.5, 3, 4; W+ = 7, W- = 3. Of the 16 sign flips, 5 give
    # W+ <= 3 ({}, {1.5}, {1.5'}, {1.5, 1.5'}, {3}) and 5 give W+ >= 7: p = 2 * 5/16
    test = wilcoxon_signed_rank([1.0, 1.0, -2.0, 3.0], [0.0] * 4)
    assert (test.w_plus, test.w_minus, test.method) == (7.0, 3.0, "exact")
    assert test.p_value == 0.625


def test_sleep_data_with_a_zero_and_ties() -> None:
    # nine non-zero differences, all negative (one pair has d = 0): W+ = 0 has 1 of the
    # 2^9 sign flips, so p = 2/512
    test = wilcoxon_signed_rank(SLEEP_1, SLEEP_2)
    assert (test.n, test.n_nonzero, test.w_plus, test.method) == (10, 9, 0.0, "exact")
    assert test.p_value == pytest.approx(2 / 512, rel=1e-12)


def test_normal_approximation_by_hand() -> None:
    # 60 distinct differences, 40 positive: z = (W+ - m(m+1)/4) / sqrt(m(m+1)(2m+1)/24)
    d = np.array([*range(1, 41), *range(-60, -40)], dtype=float)
    test = wilcoxon_signed_rank(d, np.zeros_like(d))
    w_plus = sum(range(1, 41))
    z = (w_plus - 60 * 61 / 4) / math.sqrt(60 * 61 * 121 / 24)
    assert test.method == "normal"
    assert test.z == pytest.approx(z, rel=1e-12)
    assert test.p_value == pytest.approx(math.erfc(abs(z) / math.sqrt(2)), rel=1e-12)


@pytest.mark.parametrize("n", [2, 13, 14, 60])
def test_all_zero_differences(n: int) -> None:
    test = wilcoxon_signed_rank(np.ones(n), np.ones(n))
    assert (test.p_value, test.n_nonzero) == (1.0, 0)
    assert test.reason == "all differences are zero"


def test_one_pair_is_undefined() -> None:
    test = wilcoxon_signed_rank([1.0], [0.0])
    assert math.isnan(test.p_value)
    assert test.reason == "fewer than 2 pairs"
