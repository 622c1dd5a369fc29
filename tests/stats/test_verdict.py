"""The verdict rule's outcomes and the gain-kept figure."""

from __future__ import annotations

import math

import pytest

from genoenc.stats import gain_kept, verdict


def test_equivalent_when_tost_rejects() -> None:
    result = verdict(0.01, 0.5, 0.001)
    assert result.label == "equivalent"
    assert "TOST" in result.reason
    assert str(result) == "equivalent"


def test_equivalence_takes_precedence_over_a_significant_difference() -> None:
    # a tiny but consistent difference inside the margin is "equivalent", as DESIGN orders
    assert verdict(0.001, 0.001, -0.002).label == "equivalent"


@pytest.mark.parametrize(
    ("mean_diff", "lower_is_better", "label"),
    [
        (-0.05, True, "better"),
        (0.05, True, "worse"),
        (0.05, False, "better"),
        (-0.05, False, "worse"),
    ],
)
def test_better_or_worse_by_sign_and_direction(
    mean_diff: float, lower_is_better: bool, label: str
) -> None:
    result = verdict(0.3, 0.001, mean_diff, lower_is_better=lower_is_better)
    assert result.label == label
    assert "Holm" in result.reason


def test_inconclusive_when_neither_rejects() -> None:
    # non-significance is never called equivalence
    result = verdict(0.3, 0.9, 0.0)
    assert result.label == "inconclusive"
    assert "neither" in result.reason


def test_alpha_is_strict_and_configurable() -> None:
    assert verdict(0.05, 0.05, -1.0).label == "inconclusive"
    assert verdict(0.3, 0.04, -1.0, alpha=0.01).label == "inconclusive"
    assert verdict(0.3, 0.04, -1.0, alpha=0.1).label == "better"


@pytest.mark.parametrize(("p_tost", "p_holm"), [(math.nan, 0.001), (0.001, math.nan)])
def test_nan_p_values_are_inconclusive(p_tost: float, p_holm: float) -> None:
    result = verdict(p_tost, p_holm, -1.0)
    assert (result.label, result.reason) == ("inconclusive", "fewer than 2 pairs")


@pytest.mark.parametrize("alpha", [0.0, 1.0, -0.1, math.nan])
def test_rejects_bad_alpha(alpha: float) -> None:
    with pytest.raises(ValueError, match="alpha"):
        verdict(0.01, 0.01, 0.0, alpha=alpha)


def test_gain_kept() -> None:
    assert gain_kept(1.5, 1.0, 2.0) == 0.5
    assert gain_kept(1.0, 1.0, 2.0) == 1.0  # matches full
    assert gain_kept(2.0, 1.0, 2.0) == 0.0  # no better than order-0
    assert gain_kept(0.5, 1.0, 2.0) == 1.5  # beats full
    assert gain_kept(2.5, 1.0, 2.0) == -0.5  # worse than order-0


@pytest.mark.parametrize(
    ("arm", "full", "order0"),
    [(1.5, 2.0, 2.0), (1.5, 2.1, 2.0), (math.nan, 1.0, 2.0), (1.5, math.nan, 2.0)],
)
def test_gain_kept_is_nan_without_a_gain(arm: float, full: float, order0: float) -> None:
    assert math.isnan(gain_kept(arm, full, order0))
