"""Wilcoxon signed-rank test on paired differences: ``scipy.stats.wilcoxon`` with a fixed method."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats

from genoenc.stats._checks import FEWER_THAN_TWO, as_pairs, scipy_quietly

__all__ = ["WilcoxonTest", "wilcoxon_signed_rank"]

#: Above this many pairs the normal approximation is used.
EXACT_MAX_PAIRS = 50
#: Up to this many pairs the exact null is used even with ties or zero differences: all
#: 2^n sign flips (8,192 at most) are enumerated by scipy's permutation test.
EXACT_WITH_TIES_MAX_PAIRS = 13

WilcoxonMethod = Literal["exact", "normal"]


@dataclass(frozen=True, kw_only=True)
class WilcoxonTest:
    """Result of a two-sided Wilcoxon signed-rank test of ``a - b`` symmetric about 0.

    Attributes:
        statistic: ``min(w_plus, w_minus)``, the value ``scipy.stats.wilcoxon`` reports.
        p_value: two-sided p-value; nan when ``n < 2``.
        w_plus: sum of the ranks of ``|d|`` over positive differences.
        w_minus: the same over negative differences.
        n: number of pairs.
        n_nonzero: pairs with a non-zero difference (zeros are dropped: "wilcox" method).
        method: ``"exact"`` (null distribution of all sign flips of the observed ranks) or
            ``"normal"`` (normal approximation with tie correction, no continuity correction).
        z: the standardised statistic of the normal approximation (nan when exact).
        reason: why a special rule applied; else None.
    """

    statistic: float
    p_value: float
    w_plus: float
    w_minus: float
    n: int
    n_nonzero: int
    method: WilcoxonMethod
    z: float = math.nan
    reason: str | None = None


def _method(n: int, ties_or_zeros: bool) -> WilcoxonMethod:
    """The method for ``n`` pairs: exact while the null can be enumerated, else normal.

    The choice is made here and passed to scipy, so scipy's own ``method="auto"`` (the
    same rule in scipy 1.13-1.17) can change without changing a p-value of ours.
    """
    if n > EXACT_MAX_PAIRS or (ties_or_zeros and n > EXACT_WITH_TIES_MAX_PAIRS):
        return "normal"
    return "exact"


def wilcoxon_signed_rank(a: ArrayLike, b: ArrayLike) -> WilcoxonTest:
    """Two-sided Wilcoxon signed-rank test on the paired differences ``d = a - b``.

    ``scipy.stats.wilcoxon(a, b)`` with ``zero_method="wilcox"`` (zero differences are
    dropped before ranking; ``|d|`` is ranked with average ranks for ties), no continuity
    correction, and the method fixed by the number of pairs ``n`` (zeros included):

    * ``n <= 50`` and no ties or zeros, or ``n <= 13``: exact. The p-value comes from the
      distribution of ``W+`` over all ``2^m`` sign flips of the observed ranks (``m``
      non-zero differences): scipy's exact null without ties, its permutation test (the
      conditional null) with them.
    * otherwise: normal approximation ``z = (W+ - m(m+1)/4) / se`` with the tie-corrected
      standard error, ``p = 2·Φ(-|z|)``.

    All differences zero: ``p = 1`` (no evidence of a shift; scipy gives 1 for n <= 13 and
    nan above). One pair: ``p`` nan, reason ``"fewer than 2 pairs"`` (scipy's exact
    answer there is the uninformative ``p = 1``).

    Args:
        a: first arm, one value per pair.
        b: second arm, same length and order.

    Returns:
        A :class:`WilcoxonTest`.

    Raises:
        ValueError: the arrays are empty, not 1-D, differ in length or hold nan/inf.

    >>> test = wilcoxon_signed_rank([1.0, 2.0, 3.0, 4.0, 5.0], [0.0] * 5)
    >>> test.w_plus, test.method, test.p_value
    (15.0, 'exact', 0.0625)
    """
    first, second = as_pairs(a, b)
    d = first - second
    n = d.size
    nonzero = d[d != 0]
    m = nonzero.size
    ranks = stats.rankdata(np.abs(nonzero))  # average ranks, multiples of 1/2: sums are exact
    w_plus = float(ranks[nonzero > 0].sum())
    w_minus = float(ranks[nonzero < 0].sum())
    ties_or_zeros = m < n or np.unique(np.abs(nonzero)).size < m
    method = _method(n, ties_or_zeros)

    def result(p_value: float, z: float = math.nan, reason: str | None = None) -> WilcoxonTest:
        return WilcoxonTest(
            statistic=min(w_plus, w_minus),
            p_value=p_value,
            w_plus=w_plus,
            w_minus=w_minus,
            n=n,
            n_nonzero=m,
            method=method,
            z=z,
            reason=reason,
        )

    if n < 2:
        return result(math.nan, reason=FEWER_THAN_TWO)
    if m == 0:
        return result(1.0, reason="all differences are zero")
    if method == "exact":
        scipy_method = stats.PermutationMethod() if ties_or_zeros else "exact"
        with scipy_quietly():
            test = stats.wilcoxon(d, method=scipy_method)
        return result(float(test.pvalue))
    with scipy_quietly():
        test = stats.wilcoxon(d, method="asymptotic")
    z = math.copysign(abs(float(test.zstatistic)), w_plus - w_minus)  # scipy gives -|z|
    return result(float(test.pvalue), z=z)
