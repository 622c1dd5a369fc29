"""Hypothesis strategies and reference-call helpers shared by the statistics tests."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import TypeVar

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

T = TypeVar("T")

#: Finite floats in the range of real metrics and well beyond. Magnitudes below 1e-100 are
#: left out (0 stays): their squares underflow, which no metric of a run ever meets.
FINITE = st.floats(
    min_value=-1e3, max_value=1e3, allow_nan=False, allow_infinity=False, allow_subnormal=False
).filter(lambda x: x == 0 or abs(x) >= 1e-100)
#: Small integers as floats: many ties and zero differences.
COARSE = st.integers(min_value=-3, max_value=3).map(float)


def paired(
    min_size: int = 2, max_size: int = 40, elements: st.SearchStrategy[float] = FINITE
) -> st.SearchStrategy[tuple[np.ndarray, np.ndarray]]:
    """Two float64 arrays of one random length in ``[min_size, max_size]``."""

    def two_arrays(n: int) -> st.SearchStrategy[tuple[np.ndarray, np.ndarray]]:
        one = arrays(np.float64, n, elements=elements)
        return st.tuples(one, one)

    return st.integers(min_value=min_size, max_value=max_size).flatmap(two_arrays)


def reference(function: Callable[[], T]) -> tuple[T, bool]:
    """Call a scipy/statsmodels reference; return its result and whether it warned.

    The references warn (precision loss, division by zero) exactly where their own result
    is unreliable or undefined; callers skip the comparison there.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = function()
    return result, bool(caught)


def all_equal(values: np.ndarray) -> bool:
    """Whether every value is the same (zero spread)."""
    return bool(np.all(values == values[0]))
