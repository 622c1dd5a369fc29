"""Everything the comparison table reports for one pair of arms, and Holm across a family."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

from numpy.typing import ArrayLike

from genoenc.stats._checks import as_pairs
from genoenc.stats._effect import cohens_dz, hedges_g
from genoenc.stats._holm import holm
from genoenc.stats._summary import PairedDifference, Summary, describe, paired_difference
from genoenc.stats._ttest import EquivalenceTest, PairedTest, paired_t_test, tost_paired
from genoenc.stats._verdict import Verdict, verdict
from genoenc.stats._wilcoxon import WilcoxonTest, wilcoxon_signed_rank

__all__ = ["PairedComparison", "apply_holm", "compare_paired"]


@dataclass(frozen=True, kw_only=True)
class PairedComparison:
    """All statistics of arm ``a`` against arm ``b`` over ``n_pairs`` paired runs.

    Attributes:
        n_pairs: number of pairs (seeds).
        summary_a: mean, sd and 95% interval of arm ``a``.
        summary_b: the same for arm ``b``.
        difference: the paired differences ``a - b``: mean, sd, 95% interval.
        t_test: two-sided paired t-test (the difference test that Holm adjusts).
        wilcoxon: two-sided Wilcoxon signed-rank test.
        cohens_dz: Cohen's d_z.
        hedges_g: Hedges' g_av.
        equivalence: TOST against ``±margin``.
        p_holm: Holm-adjusted ``t_test.p_value`` within the family (see :func:`apply_holm`).
        verdict: the DESIGN verdict from ``equivalence.p_value`` and ``p_holm``.
        alpha: significance level of the verdict.
        lower_is_better: whether smaller values of the metric are better.
    """

    n_pairs: int
    summary_a: Summary
    summary_b: Summary
    difference: PairedDifference
    t_test: PairedTest
    wilcoxon: WilcoxonTest
    cohens_dz: float
    hedges_g: float
    equivalence: EquivalenceTest
    p_holm: float
    verdict: Verdict
    alpha: float
    lower_is_better: bool

    @property
    def margin(self) -> float:
        """The equivalence margin of the TOST."""
        return self.equivalence.margin


def compare_paired(
    a: ArrayLike,
    b: ArrayLike,
    margin: float,
    *,
    alpha: float = 0.05,
    lower_is_better: bool = True,
) -> PairedComparison:
    """Compare arm ``a`` with arm ``b`` over paired runs (``a[i]`` and ``b[i]`` share a seed).

    Runs every statistic of the DESIGN comparison table. On its own a comparison is a
    family of one, so ``p_holm`` is the t-test's p-value and the verdict follows from it;
    pass all comparisons of a family to :func:`apply_holm` to adjust them together.

    Args:
        a: metric of arm ``a`` per pair (e.g. test bits per base per seed).
        b: metric of arm ``b``, same length and order.
        margin: equivalence margin (> 0) in the unit of the metric.
        alpha: significance level of the verdict, in ``(0, 1)``.
        lower_is_better: whether smaller values of the metric are better.

    Returns:
        A :class:`PairedComparison`.

    Raises:
        ValueError: the arrays are empty, not 1-D, differ in length or hold nan/inf;
            ``margin <= 0``; ``alpha`` outside ``(0, 1)``.
    """
    first, second = as_pairs(a, b)
    t_test = paired_t_test(first, second)
    equivalence = tost_paired(first, second, margin)
    difference = paired_difference(first, second)
    return PairedComparison(
        n_pairs=first.size,
        summary_a=describe(first),
        summary_b=describe(second),
        difference=difference,
        t_test=t_test,
        wilcoxon=wilcoxon_signed_rank(first, second),
        cohens_dz=cohens_dz(first, second),
        hedges_g=hedges_g(first, second),
        equivalence=equivalence,
        p_holm=t_test.p_value,
        verdict=verdict(
            equivalence.p_value,
            t_test.p_value,
            difference.mean_diff,
            alpha=alpha,
            lower_is_better=lower_is_better,
        ),
        alpha=alpha,
        lower_is_better=lower_is_better,
    )


def apply_holm(comparisons: Sequence[PairedComparison]) -> list[PairedComparison]:
    """Holm-adjust the t-test p-values across a family and redo each verdict.

    The family is every comparison given (typically all arm pairs of one condition or of
    one sweep: the caller decides). Comparisons whose t-test p is nan (fewer than 2 pairs)
    keep ``p_holm`` nan, are not counted in the family, and stay *inconclusive*.

    Args:
        comparisons: results of :func:`compare_paired`.

    Returns:
        New comparisons, in the same order, with ``p_holm`` and ``verdict`` filled in.
    """
    adjusted = holm([comparison.t_test.p_value for comparison in comparisons])
    return [
        dataclasses.replace(
            comparison,
            p_holm=float(p_holm),
            verdict=verdict(
                comparison.equivalence.p_value,
                float(p_holm),
                comparison.difference.mean_diff,
                alpha=comparison.alpha,
                lower_is_better=comparison.lower_is_better,
            ),
        )
        for comparison, p_holm in zip(comparisons, adjusted, strict=True)
    ]
