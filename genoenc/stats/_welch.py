"""Welch's two-sample t-test (unequal variances) of independent samples."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

from genoenc.stats._checks import scipy_quietly

__all__ = ["WelchTest", "welch_t_test"]


@dataclass(frozen=True, kw_only=True)
class WelchTest:
    """Welch's two-sample t-test of ``mean(x) - mean(y)`` (unequal variances).

    Attributes:
        diff: ``mean(x) - mean(y)``.
        ci95: its 95% interval (Welch-Satterthwaite degrees of freedom).
        t: the t statistic.
        df: the degrees of freedom.
        p_value: two-sided p.
        reason: why the test is nan (too few values, no spread), else None.
    """

    diff: float
    ci95: tuple[float, float]
    t: float
    df: float
    p_value: float
    reason: str | None = None


def welch_t_test(x: Sequence[float] | np.ndarray, y: Sequence[float] | np.ndarray) -> WelchTest:
    """Welch's t-test of two independent samples, with the 95% interval of the difference.

    ``scipy.stats.ttest_ind(x, y, equal_var=False)``. Needs at least two values in each
    sample; with no spread in either the statistics are nan (the difference is still given).

    >>> test = welch_t_test([1.0, 2.0, 3.0], [1.0, 1.5])
    >>> round(test.diff, 3), round(test.df, 3), round(test.p_value, 4)
    (0.75, 2.635, 0.3295)
    """
    a = np.asarray(x, dtype=np.float64)
    b = np.asarray(y, dtype=np.float64)
    diff = float(a.mean() - b.mean()) if a.size and b.size else math.nan
    nan = math.nan
    if a.size < 2 or b.size < 2:
        return WelchTest(
            diff=diff, ci95=(nan, nan), t=nan, df=nan, p_value=nan, reason="fewer than 2 seeds"
        )
    if np.all(a == a[0]) and np.all(b == b[0]):
        return WelchTest(diff=diff, ci95=(nan, nan), t=nan, df=nan, p_value=nan, reason="no spread")
    with scipy_quietly():
        result = stats.ttest_ind(a, b, equal_var=False)
        low, high = result.confidence_interval(0.95)
    return WelchTest(
        diff=diff,
        ci95=(float(low), float(high)),
        t=float(result.statistic),
        df=float(result.df),
        p_value=float(result.pvalue),
    )
