"""Standardised effect sizes for paired designs: Cohen's d_z and Hedges' g_av."""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

from genoenc.stats._checks import as_pairs, ratio, sample_sd

__all__ = ["cohens_dz", "hedges_correction", "hedges_g"]


def cohens_dz(a: ArrayLike, b: ArrayLike) -> float:
    """Cohen's d_z: the mean of ``d = a - b`` over the sample sd of ``d`` (ddof=1).

    d_z = t / sqrt(n) of the paired t-test (Cohen 1988; Lakens 2013). It
    standardises by the spread of the *differences*, so it grows as pairs correlate. With
    zero spread: ``0`` when all differences are 0, ``±inf`` when they are equal and
    non-zero (the rule of :func:`genoenc.stats.paired_t_test`).

    Args:
        a: first arm, one value per pair.
        b: second arm, same length and order.

    Returns:
        d_z; nan with one pair.

    Raises:
        ValueError: the arrays are empty, not 1-D, differ in length or hold nan/inf.
    """
    first, second = as_pairs(a, b)
    d = first - second
    if d.size < 2:
        return math.nan
    mean = float(d[0]) if np.all(d == d[0]) else float(np.mean(d))
    return ratio(mean, sample_sd(d))


def hedges_correction(df: int) -> float:
    """Hedges' small-sample bias correction ``J(df) = 1 - 3 / (4·df - 1)``.

    The usual approximation (Hedges 1981, J. Educ. Stat. 6:107; Borenstein et al. 2009, ch. 4) of
    ``Γ(df/2) / (sqrt(df/2) Γ((df-1)/2))``; both are 0 at ``df = 1``, where no unbiased
    standardised difference exists. nan for ``df < 1``.

    >>> hedges_correction(9)
    0.9142857142857143
    >>> hedges_correction(1)
    0.0
    """
    if df < 1:
        return math.nan
    return 1.0 - 3.0 / (4.0 * df - 1.0)


def hedges_g(a: ArrayLike, b: ArrayLike) -> float:
    """Hedges' g_av for paired samples: d_av times the correction J(n - 1).

    Definition (Lakens 2013, "Calculating and reporting effect sizes to facilitate
    cumulative science", Front. Psychol. 4:863, after Cumming 2012)::

        d_av = (mean(a) - mean(b)) / ((sd(a) + sd(b)) / 2)        # sample sds, ddof=1
        g_av = d_av · J(n - 1),  J(df) = 1 - 3 / (4·df - 1)

    i.e. the mean difference standardised by the average sd of the two arms, as a
    between-arms d would be (so it does not grow with the correlation of pairs, unlike
    :func:`cohens_dz`), with Hedges' bias correction at the ``n - 1`` degrees of freedom
    of the paired design (Borenstein et al. 2009, "Introduction to meta-analysis", §4,
    matched groups). With ``n = 2``, ``J(1) = 0`` and so ``g_av = 0``. When both arms are
    constant the zero-spread rule applies: ``±inf`` for a non-zero difference, else 0.

    Worked example (Lakens 2013, the movie ratings of 10 people): means 8.7 and 7.7, sds
    0.823 and 0.949, so d_av = 1.129 and g_av = 1.129 · (1 - 3/35) = 1.032.

    Args:
        a: first arm, one value per pair.
        b: second arm, same length and order.

    Returns:
        g_av; nan with one pair.

    Raises:
        ValueError: the arrays are empty, not 1-D, differ in length or hold nan/inf.
    """
    first, second = as_pairs(a, b)
    n = first.size
    if n < 2:
        return math.nan
    correction = hedges_correction(n - 1)
    if correction == 0.0:
        return 0.0  # n = 2: J(1) = 0 whatever d_av is, even ±inf
    average_sd = (sample_sd(first) + sample_sd(second)) / 2
    d = first - second
    mean_diff = float(d[0]) if np.all(d == d[0]) else float(np.mean(first) - np.mean(second))
    return ratio(mean_diff, average_sd) * correction
