"""Descriptive statistics: mean, sd and 95% t-interval of a sample or of paired differences."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy import special

from genoenc.stats._checks import as_pairs, as_sample, sample_sd

__all__ = ["Interval", "PairedDifference", "Summary", "describe", "paired_difference"]


@dataclass(frozen=True)
class Interval:
    """A closed interval ``[low, high]``; both ends are nan when it is undefined (n = 1)."""

    low: float
    high: float

    def contains(self, value: float) -> bool:
        """Whether ``low <= value <= high`` (False when the interval is undefined).

        >>> Interval(-1.0, 2.0).contains(0.0), Interval(math.nan, math.nan).contains(0.0)
        (True, False)
        """
        return self.low <= value <= self.high


@dataclass(frozen=True, kw_only=True)
class Summary:
    """Mean, sample sd (ddof=1) and the 95% t-interval of the mean of ``n`` values."""

    n: int
    mean: float
    sd: float
    ci95: Interval


@dataclass(frozen=True, kw_only=True)
class PairedDifference:
    """The differences ``d = a - b`` of ``n`` pairs: their mean, sd and 95% t-interval."""

    n: int
    mean_diff: float
    sd_diff: float
    ci95: Interval


def t_interval(mean: float, sd: float, n: int, confidence: float) -> Interval:
    """Two-sided t-interval ``mean ± t_{n-1, (1+confidence)/2} · sd / sqrt(n)``.

    Undefined (nan ends) for ``n < 2``; a point ``[mean, mean]`` when ``sd == 0``.
    """
    if n < 2:
        return Interval(math.nan, math.nan)
    critical = float(special.stdtrit(n - 1, 0.5 + confidence / 2))
    half_width = critical * sd / math.sqrt(n)
    return Interval(mean - half_width, mean + half_width)


def describe(x: ArrayLike) -> Summary:
    """Summarise one sample: ``n``, mean, sample sd and the 95% t-interval of the mean.

    Args:
        x: 1-D array of finite values (e.g. bits per base of one arm over seeds).

    Returns:
        A :class:`Summary`. With ``n = 1`` the sd and both interval ends are nan (one value
        has no spread to estimate), not an error.

    Raises:
        ValueError: ``x`` is empty, not 1-D, or holds nan/inf.
    """
    values = as_sample(x, "x")
    n = values.size
    mean = float(np.mean(values))
    sd = sample_sd(values)
    return Summary(n=n, mean=mean, sd=sd, ci95=t_interval(mean, sd, n, 0.95))


def paired_difference(a: ArrayLike, b: ArrayLike) -> PairedDifference:
    """Summarise the paired differences ``d = a - b`` (pair ``i`` is ``a[i]``, ``b[i]``).

    Args:
        a: first arm, one value per pair (e.g. per seed).
        b: second arm, same length and order as ``a``.

    Returns:
        A :class:`PairedDifference`; its interval is the one of ``scipy.stats.ttest_rel``.
        With one pair, sd and interval are nan.

    Raises:
        ValueError: the arrays are empty, not 1-D, differ in length or hold nan/inf.
    """
    first, second = as_pairs(a, b)
    summary = describe(first - second)
    return PairedDifference(
        n=summary.n, mean_diff=summary.mean, sd_diff=summary.sd, ci95=summary.ci95
    )
