"""Wilcoxon signed-rank test on paired differences, with scipy's default choice of method."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike
from scipy import special, stats

from genoenc.stats._checks import FEWER_THAN_TWO, as_pairs

__all__ = ["WilcoxonTest", "wilcoxon_signed_rank"]

#: Above this many pairs scipy (and so this module) always uses the normal approximation.
EXACT_MAX_PAIRS = 50
#: Up to this many pairs the exact null is used even with ties or zero differences
#: (scipy runs a permutation test over all 2^n sign flips there, which is the same thing).
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


def signed_rank_null_counts(doubled_ranks: np.ndarray) -> np.ndarray:
    """Count sign assignments by their doubled positive-rank sum ``2·W+``.

    Each rank is given a sign independently (2^m assignments); ``counts[k]`` is the number
    whose positive ranks sum to ``k / 2``. Doubling keeps tied (average, half-integer)
    ranks integral, so the same dynamic programme serves ranks with and without ties.

    Args:
        doubled_ranks: int64 array, twice the ranks of the non-zero ``|d|``.

    Returns:
        int64 array of length ``doubled_ranks.sum() + 1``; it sums to ``2**m``.

    >>> signed_rank_null_counts(np.array([2, 4, 6])).tolist()  # ranks 1, 2, 3
    [1, 0, 1, 0, 1, 0, 2, 0, 1, 0, 1, 0, 1]
    """
    counts = np.zeros(int(doubled_ranks.sum()) + 1, dtype=np.int64)
    counts[0] = 1
    for rank in doubled_ranks.tolist():
        shifted = np.zeros_like(counts)
        shifted[rank:] = counts[:-rank]
        counts += shifted
    return counts


def _exact_p(doubled_w_plus: int, doubled_ranks: np.ndarray) -> float:
    counts = signed_rank_null_counts(doubled_ranks)
    total = float(2**doubled_ranks.size)
    p_low = float(counts[: doubled_w_plus + 1].sum()) / total  # P(W+ <= observed)
    p_high = float(counts[doubled_w_plus:].sum()) / total  # P(W+ >= observed)
    return min(1.0, 2.0 * min(p_low, p_high))


def wilcoxon_signed_rank(a: ArrayLike, b: ArrayLike) -> WilcoxonTest:
    """Two-sided Wilcoxon signed-rank test on the paired differences ``d = a - b``.

    Follows ``scipy.stats.wilcoxon(a, b)`` with its defaults (``zero_method="wilcox"``,
    ``correction=False``, ``method="auto"``, as of scipy 1.13-1.17) and agrees with it to
    rounding. Zero differences are dropped before ranking; ``|d|`` is ranked with average
    ranks for ties. The method, by the number of pairs ``n`` (zeros included):

    * ``n <= 50`` and no ties or zeros, or ``n <= 13``: exact. The p-value comes from the
      distribution of ``W+`` over all ``2^m`` sign flips of the observed ranks (``m``
      non-zero differences); this is the classical exact null without ties, and the
      conditional (permutation) null with them, as scipy's permutation test for n <= 13.
      ``p = min(1, 2·min(P(W+ <= w), P(W+ >= w)))``.
    * otherwise: normal approximation ``z = (W+ - m(m+1)/4) / se`` with the tie-corrected
      ``se² = (m(m+1)(2m+1) - Σ(t³ - t)/2) / 24``, ``p = 2·Φ(-|z|)``.

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
    """
    first, second = as_pairs(a, b)
    d = first - second
    n = d.size
    nonzero = d[d != 0]
    m = nonzero.size
    ranks = stats.rankdata(np.abs(nonzero))  # average ranks, multiples of 1/2: sums are exact
    w_plus = float(ranks[nonzero > 0].sum())
    w_minus = float(ranks[nonzero < 0].sum())
    statistic = min(w_plus, w_minus)
    has_ties = np.unique(np.abs(nonzero)).size < m
    has_zeros = m < n
    exact = n <= EXACT_MAX_PAIRS and (not (has_ties or has_zeros) or n <= EXACT_WITH_TIES_MAX_PAIRS)
    method: WilcoxonMethod = "exact" if exact else "normal"

    def result(p_value: float, z: float = math.nan, reason: str | None = None) -> WilcoxonTest:
        return WilcoxonTest(
            statistic=statistic,
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
    if exact:
        doubled_ranks = np.rint(2 * ranks).astype(np.int64)
        return result(_exact_p(round(2 * w_plus), doubled_ranks))
    _, tie_sizes = np.unique(np.abs(nonzero), return_counts=True)
    tie_term = float(np.sum(tie_sizes.astype(np.float64) ** 3 - tie_sizes)) / 2
    se = math.sqrt((m * (m + 1) * (2 * m + 1) - tie_term) / 24)
    z = (w_plus - m * (m + 1) / 4) / se
    return result(float(2 * special.ndtr(-abs(z))), z=z)
