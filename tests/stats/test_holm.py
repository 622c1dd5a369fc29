"""holm against statsmodels' multipletests, a hand-worked family, and nan handling."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from statsmodels.stats.multitest import multipletests

from genoenc.stats import holm

P_VALUES = st.floats(min_value=0.0, max_value=1.0)


# multipletests takes ~15 ms a call: 50 examples keep these tests near a second each
@settings(deadline=None, max_examples=50)
@given(arrays(np.float64, st.integers(1, 40), elements=P_VALUES))
def test_matches_statsmodels(p: np.ndarray) -> None:
    expected = multipletests(p, method="holm")[1]
    np.testing.assert_allclose(holm(p), expected, rtol=1e-10, atol=1e-10)


@settings(deadline=None, max_examples=50)
@given(arrays(np.float64, st.integers(1, 40), elements=P_VALUES | st.just(math.nan)))
def test_nan_is_passed_through_and_not_counted(p: np.ndarray) -> None:
    adjusted = holm(p)
    present = ~np.isnan(p)
    np.testing.assert_array_equal(np.isnan(adjusted), ~present)
    if present.any():
        expected = multipletests(p[present], method="holm")[1]
        np.testing.assert_allclose(adjusted[present], expected, rtol=1e-10, atol=1e-10)


@settings(deadline=None)
@given(arrays(np.float64, st.integers(1, 40), elements=P_VALUES))
def test_monotone_capped_and_never_below_the_raw_value(p: np.ndarray) -> None:
    adjusted = holm(p)
    order = np.argsort(p, kind="stable")
    assert np.all(np.diff(adjusted[order]) >= 0)
    assert np.all(adjusted <= 1.0)
    assert np.all(adjusted >= p)


def test_hand_worked_family() -> None:
    # sorted 0.005, 0.01, 0.03, 0.04 times 4, 3, 2, 1 = 0.02, 0.03, 0.06, 0.04;
    # the running maximum makes the last 0.06
    adjusted = holm([0.01, 0.04, 0.03, 0.005])
    np.testing.assert_allclose(adjusted, [0.03, 0.06, 0.06, 0.02], rtol=1e-15)


def test_cap_ties_and_shape() -> None:
    np.testing.assert_array_equal(holm([0.5, 0.6]), [1.0, 1.0])
    np.testing.assert_array_equal(holm([0.02, 0.02, 0.02]), [0.06, 0.06, 0.06])
    assert holm(np.full((2, 2), 0.01)).shape == (2, 2)
    assert holm([]).shape == (0,)
    assert np.isnan(holm([math.nan, math.nan])).all()


def test_does_not_modify_its_input() -> None:
    p = np.array([0.01, 0.2])
    holm(p)
    np.testing.assert_array_equal(p, [0.01, 0.2])


@pytest.mark.parametrize("bad", [-0.1, 1.5, math.inf])
def test_rejects_values_outside_unit_interval(bad: float) -> None:
    with pytest.raises(ValueError, match=r"must lie in \[0, 1\]"):
        holm([0.1, bad])
