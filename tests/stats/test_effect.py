"""Cohen's d_z and Hedges' g_av: hand-computed values, the t-test identity, edge cases."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from scipy import special, stats

from genoenc.stats import cohens_dz, hedges_correction, hedges_g
from tests.stats._strategies import all_equal, paired, reference

# Lakens (2013), Front. Psychol. 4:863, Table 1: ratings of two movies by the same 10 people.
MOVIE_1 = [9.0, 7.0, 8.0, 9.0, 8.0, 9.0, 9.0, 10.0, 9.0, 9.0]
MOVIE_2 = [9.0, 6.0, 7.0, 8.0, 7.0, 9.0, 8.0, 8.0, 8.0, 7.0]


def test_cohens_dz_movie_example() -> None:
    # differences 0,1,1,1,1,0,1,2,1,2: mean 1, sd 2/3, so d_z = 1.5 (Lakens reports 1.50)
    assert cohens_dz(MOVIE_1, MOVIE_2) == pytest.approx(1.5, rel=1e-12)


def test_hedges_g_movie_example() -> None:
    # means 8.7 and 7.7; sums of squares 6.1 and 8.1 over 9 df; d_av = 1 / mean of the sds
    d_av = 1.0 / ((math.sqrt(6.1 / 9) + math.sqrt(8.1 / 9)) / 2)
    assert d_av == pytest.approx(1.13, abs=5e-3)  # the d_av Lakens reports
    expected = d_av * (1 - 3 / (4 * 9 - 1))
    assert hedges_g(MOVIE_1, MOVIE_2) == pytest.approx(expected, rel=1e-12)
    assert hedges_g(MOVIE_1, MOVIE_2) == pytest.approx(1.032, abs=5e-4)


@settings(deadline=None)
@given(paired())
def test_cohens_dz_is_t_over_root_n(pair: tuple[np.ndarray, np.ndarray]) -> None:
    a, b = pair
    assume(not all_equal(a - b))
    result, warned = reference(lambda: stats.ttest_rel(a, b))
    assume(not warned)
    assert cohens_dz(a, b) == pytest.approx(result.statistic / math.sqrt(a.size), rel=1e-10)


@settings(deadline=None)
@given(paired())
def test_hedges_g_matches_its_definition(pair: tuple[np.ndarray, np.ndarray]) -> None:
    a, b = pair
    assume(not all_equal(a - b))
    n = a.size
    d_av = (np.mean(a) - np.mean(b)) / ((np.std(a, ddof=1) + np.std(b, ddof=1)) / 2)
    expected = d_av * (1 - 3 / (4 * (n - 1) - 1))
    assert hedges_g(a, b) == pytest.approx(expected, rel=1e-9, abs=1e-9)


def test_hedges_correction_is_close_to_the_exact_gamma_form() -> None:
    for df in (2, 5, 9, 30, 100):
        exact = math.exp(
            special.gammaln(df / 2) - 0.5 * math.log(df / 2) - special.gammaln((df - 1) / 2)
        )
        assert hedges_correction(df) == pytest.approx(exact, abs=0.01)
    assert hedges_correction(1) == 0.0
    assert math.isnan(hedges_correction(0))


def test_two_pairs() -> None:
    assert cohens_dz([1.0, 3.0], [0.0, 0.0]) == pytest.approx(2 / math.sqrt(2), rel=1e-12)
    assert hedges_g([1.0, 3.0], [0.0, 0.5]) == 0.0  # J(1) = 0
    assert hedges_g([1.0, 1.0], [0.0, 0.0]) == 0.0  # even when d_av is infinite


def test_one_pair_is_undefined() -> None:
    assert math.isnan(cohens_dz([1.0], [0.0]))
    assert math.isnan(hedges_g([1.0], [0.0]))


def test_zero_spread_rule() -> None:
    assert cohens_dz([1.0, 2.0, 3.0], [1.0, 2.0, 3.0]) == 0.0
    assert cohens_dz([1.5, 2.5, 3.5], [1.0, 2.0, 3.0]) == math.inf
    assert cohens_dz([0.5, 1.5, 2.5], [1.0, 2.0, 3.0]) == -math.inf
    assert hedges_g([2.0, 2.0, 2.0], [1.0, 1.0, 1.0]) == math.inf
    assert hedges_g([1.0, 1.0, 1.0], [1.0, 1.0, 1.0]) == 0.0
