"""The verdict rule of a paired comparison, and the domain-free share of gain kept."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from genoenc.stats._checks import FEWER_THAN_TWO

__all__ = ["Verdict", "VerdictLabel", "gain_kept", "verdict"]

VerdictLabel = Literal["equivalent", "better", "worse", "inconclusive"]


@dataclass(frozen=True, kw_only=True)
class Verdict:
    """The verdict on arm ``a`` relative to arm ``b``, with a one-line reason.

    Attributes:
        label: ``"equivalent"``, ``"better"``, ``"worse"`` or ``"inconclusive"``.
        reason: which test decided it, with its p-value (or why none could).
    """

    label: VerdictLabel
    reason: str

    def __str__(self) -> str:
        return self.label


def verdict(
    p_tost: float,
    p_holm_diff: float,
    mean_diff: float,
    alpha: float = 0.05,
    lower_is_better: bool = True,
) -> Verdict:
    """Apply the DESIGN rule to one comparison of arm ``a`` against arm ``b``.

    In order:

    1. a p-value is nan (the tests need at least 2 pairs): *inconclusive*;
    2. TOST rejects non-equivalence, ``p_tost < alpha``: *equivalent*;
    3. the Holm-adjusted difference test rejects, ``p_holm_diff < alpha``: *better* or
       *worse* by the sign of ``mean_diff = mean(a - b)`` (with bits per base lower is
       better, so a negative difference is *better*);
    4. otherwise *inconclusive*.

    A non-significant difference test alone never yields *equivalent*: only TOST can.

    Args:
        p_tost: p-value of the equivalence test (:func:`genoenc.stats.tost_paired`).
        p_holm_diff: Holm-adjusted p-value of the paired difference test.
        mean_diff: mean of ``a - b``.
        alpha: significance level, in ``(0, 1)``.
        lower_is_better: whether smaller values of the metric are better.

    Returns:
        A :class:`Verdict`.

    Raises:
        ValueError: ``alpha`` is not in ``(0, 1)``.

    >>> verdict(0.01, 0.5, 0.001).label
    'equivalent'
    >>> verdict(0.3, 0.001, -0.05).label, verdict(0.3, 0.001, 0.05).label
    ('better', 'worse')
    >>> verdict(0.3, 0.2, 0.05).label
    'inconclusive'
    """
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must lie in (0, 1) (got {alpha!r})")
    if math.isnan(p_tost) or math.isnan(p_holm_diff):
        return Verdict(label="inconclusive", reason=FEWER_THAN_TWO)
    if p_tost < alpha:
        return Verdict(
            label="equivalent",
            reason=f"TOST rejects a difference beyond the margin (p = {p_tost:.3g} < {alpha:g})",
        )
    if p_holm_diff < alpha and mean_diff != 0:
        a_is_lower = mean_diff < 0
        label: VerdictLabel = "better" if a_is_lower == lower_is_better else "worse"
        return Verdict(
            label=label,
            reason=(
                f"Holm-adjusted paired t-test rejects no difference (p = {p_holm_diff:.3g} "
                f"< {alpha:g}); mean difference {mean_diff:+.4g}"
            ),
        )
    return Verdict(
        label="inconclusive",
        reason=(
            f"neither TOST (p = {p_tost:.3g}) nor the Holm-adjusted paired t-test "
            f"(p = {p_holm_diff:.3g}) rejects at alpha = {alpha:g}"
        ),
    )


def gain_kept(arm_bits: float, full_bits: float, order0_bits: float) -> float:
    """Share of the ``full`` arm's gain over order-0 that an arm keeps.

    ``(order0 - arm) / (order0 - full)``, with all three in the same unit (bits per base or
    per character) on the same test split, so genome and text share one axis: 1 means the
    arm matches ``full``, 0 means it is no better than order-0, above 1 it beats ``full``,
    below 0 it is worse than order-0.

    nan when ``full`` is no better than order-0 (``order0_bits <= full_bits``: there is no
    gain to share, so the ratio means nothing) or when any input is nan.

    >>> gain_kept(1.5, 1.0, 2.0)
    0.5
    >>> math.isnan(gain_kept(1.9, 2.0, 2.0))
    True
    """
    gain = order0_bits - full_bits
    if math.isnan(arm_bits) or math.isnan(gain) or gain <= 0:
        return math.nan
    return (order0_bits - arm_bits) / gain
