"""Paired t-test (two-sided) and the paired equivalence test (TOST) against ±margin.

Thin over ``scipy.stats.ttest_rel`` and ``ttest_1samp``; what is added is the rule of zero
spread and of fewer than two pairs (see :func:`paired_t_test`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy import special, stats

from genoenc.stats._checks import FEWER_THAN_TWO, as_pairs, ratio, sample_sd, scipy_quietly
from genoenc.stats._summary import Interval, t_interval

__all__ = ["EquivalenceTest", "PairedTest", "paired_t_test", "tost_paired"]


@dataclass(frozen=True, kw_only=True)
class PairedTest:
    """Result of a two-sided paired t-test of ``mean(a - b) == 0``.

    Attributes:
        statistic: t = mean_diff / se_diff (see :func:`paired_t_test` for zero spread).
        p_value: two-sided p-value; nan when ``n < 2``.
        df: degrees of freedom, ``n - 1``.
        n: number of pairs.
        mean_diff: mean of ``a - b``.
        se_diff: standard error of the mean difference, ``sd / sqrt(n)``.
        reason: why a special rule applied (fewer than 2 pairs, zero spread); else None.
    """

    statistic: float
    p_value: float
    df: int
    n: int
    mean_diff: float
    se_diff: float
    reason: str | None = None


@dataclass(frozen=True, kw_only=True)
class EquivalenceTest:
    """Result of two one-sided paired t-tests (TOST) against ``-margin`` and ``+margin``.

    Attributes:
        p_value: ``max(p_lower, p_upper)``; below alpha means the mean difference lies
            within ``(-margin, +margin)``.
        p_lower: p of H0 ``mean(a - b) <= -margin`` against H1 ``mean(a - b) > -margin``.
        p_upper: p of H0 ``mean(a - b) >= +margin`` against H1 ``mean(a - b) < +margin``.
        t_lower: t of the lower test, ``(mean_diff + margin) / se``.
        t_upper: t of the upper test, ``(mean_diff - margin) / se``.
        df: degrees of freedom, ``n - 1``.
        margin: the equivalence margin (> 0), in the unit of the data.
        ci90: 90% t-interval of the mean difference; TOST at alpha 0.05 rejects exactly
            when it lies inside ``(-margin, +margin)``.
        reason: why a special rule applied; else None.
    """

    p_value: float
    p_lower: float
    p_upper: float
    t_lower: float
    t_upper: float
    df: int
    margin: float
    ci90: Interval
    reason: str | None = None


def _differences(a: ArrayLike, b: ArrayLike) -> tuple[np.ndarray, float, float]:
    """Return ``d = a - b``, its mean and its sample sd (nan for n = 1)."""
    first, second = as_pairs(a, b)
    d = first - second
    return d, float(np.mean(d)), sample_sd(d)


def _zero_spread_reason(d: np.ndarray) -> str | None:
    if d.size < 2:
        return FEWER_THAN_TWO
    if np.all(d == 0):
        return "all differences are zero"
    if np.all(d == d[0]):
        return "all differences are equal (zero variance)"
    return None


def paired_t_test(a: ArrayLike, b: ArrayLike) -> PairedTest:
    """Two-sided paired t-test on ``d = a - b`` (``t > 0`` when ``a`` is larger on average).

    ``scipy.stats.ttest_rel(a, b)`` wherever scipy gives a number. Where it gives none, or
    a rounding artefact, the rule of zero spread applies: if every difference is the same,
    the standard error is 0 and

    * all differences 0: ``t = 0``, ``p = 1`` (no difference at all; scipy gives nan);
    * all differences equal and non-zero: ``t = ±inf``, ``p = 0`` (a difference with no
      noise; scipy gives ``±inf`` or, when the mean rounds, a huge finite t).

    Args:
        a: first arm, one value per pair.
        b: second arm, same length and order.

    Returns:
        A :class:`PairedTest`. With one pair, ``statistic``, ``p_value`` and ``se_diff``
        are nan and ``reason`` is ``"fewer than 2 pairs"``.

    Raises:
        ValueError: the arrays are empty, not 1-D, differ in length or hold nan/inf.

    >>> test = paired_t_test([1.0, 3.0], [0.0, 0.0])
    >>> test.statistic, test.df, round(test.p_value, 4)
    (2.0, 1, 0.2952)
    """
    first, second = as_pairs(a, b)
    d = first - second
    mean, n = float(np.mean(d)), d.size
    reason = _zero_spread_reason(d)
    if n < 2:
        return PairedTest(
            statistic=math.nan,
            p_value=math.nan,
            df=0,
            n=n,
            mean_diff=mean,
            se_diff=math.nan,
            reason=reason,
        )
    if reason is not None:
        mean = float(d[0])  # exact, where np.mean may round
        t = ratio(mean, 0.0)
        p = 1.0 if t == 0 else 0.0
        return PairedTest(
            statistic=t, p_value=p, df=n - 1, n=n, mean_diff=mean, se_diff=0.0, reason=reason
        )
    with scipy_quietly():
        result = stats.ttest_rel(first, second)
    return PairedTest(
        statistic=float(result.statistic),
        p_value=float(result.pvalue),
        df=n - 1,
        n=n,
        mean_diff=mean,
        se_diff=sample_sd(d) / math.sqrt(n),
    )


def _one_sided_tests(d: np.ndarray, margin: float) -> tuple[float, float, float, float]:
    """``(t_lower, p_lower, t_upper, p_upper)`` of the two one-sided tests of TOST.

    With zero spread each ``t`` follows :func:`ratio` and its p is the t distribution's tail
    at ``±inf`` or ``0`` (0, 1 or 1/2).
    """
    if np.all(d == d[0]):
        mean = float(d[0])
        t_lower, t_upper = ratio(mean + margin, 0.0), ratio(mean - margin, 0.0)
        df = d.size - 1
        return (
            t_lower,
            float(special.stdtr(df, -t_lower)),  # P(T >= t_lower)
            t_upper,
            float(special.stdtr(df, t_upper)),  # P(T <= t_upper)
        )
    with scipy_quietly():
        lower = stats.ttest_1samp(d, -margin, alternative="greater")
        upper = stats.ttest_1samp(d, margin, alternative="less")
    return (
        float(lower.statistic),
        float(lower.pvalue),
        float(upper.statistic),
        float(upper.pvalue),
    )


def tost_paired(a: ArrayLike, b: ArrayLike, margin: float) -> EquivalenceTest:
    """Paired equivalence test: two one-sided t-tests of ``mean(a - b)`` against ``±margin``.

    Schuirmann's TOST (Schuirmann 1987; Lakens 2017, "Equivalence tests", Soc. Psychol.
    Personal. Sci. 8:355), as two ``scipy.stats.ttest_1samp`` of ``d = a - b`` (against
    ``-margin``, alternative greater; against ``+margin``, alternative less). Matches
    ``statsmodels.stats.weightstats.ttost_paired(a, b, -margin, margin)`` wherever
    statsmodels gives a number. With zero spread (all differences equal) the same rule as
    :func:`paired_t_test` applies to each one-sided t: ``±inf`` when the mean is off the
    bound, ``0`` (one-sided p = 0.5) when it sits on it.

    Args:
        a: first arm, one value per pair.
        b: second arm, same length and order.
        margin: equivalence margin, > 0, in the unit of the data (bits per base).

    Returns:
        An :class:`EquivalenceTest`; all p-values and t are nan with one pair.

    Raises:
        ValueError: ``margin`` is not a finite number > 0, or the arrays are unusable.
    """
    if not (math.isfinite(margin) and margin > 0):
        raise ValueError(f"margin must be a finite number > 0 (got {margin!r})")
    d, mean, sd = _differences(a, b)
    n = d.size
    reason = _zero_spread_reason(d)
    if n < 2:
        return EquivalenceTest(
            p_value=math.nan,
            p_lower=math.nan,
            p_upper=math.nan,
            t_lower=math.nan,
            t_upper=math.nan,
            df=0,
            margin=float(margin),
            ci90=Interval(math.nan, math.nan),
            reason=reason,
        )
    if reason is not None:
        sd = 0.0
        mean = float(d[0])
    t_lower, p_lower, t_upper, p_upper = _one_sided_tests(d, margin)
    return EquivalenceTest(
        p_value=max(p_lower, p_upper),
        p_lower=p_lower,
        p_upper=p_upper,
        t_lower=t_lower,
        t_upper=t_upper,
        df=n - 1,
        margin=float(margin),
        ci90=t_interval(mean, sd, n, 0.90),
        reason=reason,
    )
