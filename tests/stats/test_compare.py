"""compare_paired bundles the single statistics; apply_holm adjusts a family."""

from __future__ import annotations

import math

import numpy as np
import pytest

from genoenc.stats import (
    apply_holm,
    cohens_dz,
    compare_paired,
    describe,
    hedges_g,
    holm,
    paired_t_test,
    tost_paired,
    wilcoxon_signed_rank,
)
from tests.stats.test_summary import SLEEP_1, SLEEP_2


def test_bundles_the_single_statistics() -> None:
    comparison = compare_paired(SLEEP_1, SLEEP_2, 0.5)
    assert comparison.n_pairs == 10
    assert comparison.summary_a == describe(SLEEP_1)
    assert comparison.summary_b == describe(SLEEP_2)
    assert comparison.t_test == paired_t_test(SLEEP_1, SLEEP_2)
    assert comparison.wilcoxon == wilcoxon_signed_rank(SLEEP_1, SLEEP_2)
    assert comparison.equivalence == tost_paired(SLEEP_1, SLEEP_2, 0.5)
    assert comparison.cohens_dz == cohens_dz(SLEEP_1, SLEEP_2)
    assert comparison.hedges_g == hedges_g(SLEEP_1, SLEEP_2)
    assert comparison.margin == 0.5
    # alone, a comparison is a family of one
    assert comparison.p_holm == comparison.t_test.p_value
    # drug 1 gives less extra sleep: "better" only where lower is better
    assert comparison.verdict.label == "better"
    higher = compare_paired(SLEEP_1, SLEEP_2, 0.5, lower_is_better=False)
    assert higher.verdict.label == "worse"


def test_equivalent_arms() -> None:
    rng = np.random.default_rng(7)
    b = 1.9 + rng.normal(0, 0.01, size=8)
    a = b + rng.normal(0, 0.001, size=8)
    comparison = compare_paired(a, b, 0.01)
    assert comparison.verdict.label == "equivalent"


def test_apply_holm_adjusts_the_family_and_redoes_verdicts() -> None:
    rng = np.random.default_rng(3)
    b = rng.normal(2.0, 0.05, size=6)
    arms = [b - 0.05 + rng.normal(0, 0.04, size=6) for _ in range(3)]
    family = [compare_paired(a, b, 0.001) for a in arms]
    raw = [comparison.t_test.p_value for comparison in family]
    adjusted = apply_holm(family)
    np.testing.assert_array_equal([c.p_holm for c in adjusted], holm(raw))
    for before, after in zip(family, adjusted, strict=True):
        assert after.t_test == before.t_test  # only p_holm and verdict change
        assert after.p_holm >= before.p_holm
    assert apply_holm([]) == []


def test_holm_can_turn_a_raw_difference_inconclusive() -> None:
    # 0.05 / 3 < p < 0.05: "better" alone, but not in a family of three
    b = np.array([2.0, 2.1, 1.9, 2.05, 1.95])
    a = b - np.array([0.02, 0.05, 0.0, 0.03, 0.04])
    single = compare_paired(a, b, 1e-4)
    assert 0.05 / 3 < single.t_test.p_value < 0.05
    assert single.verdict.label == "better"
    family = apply_holm([single, single, single])
    assert all(c.verdict.label == "inconclusive" for c in family)
    assert family[0].p_holm == pytest.approx(3 * single.t_test.p_value, rel=1e-12)


def test_a_single_pair_stays_inconclusive_and_out_of_the_family() -> None:
    short = compare_paired([1.8], [1.9], 0.01)
    assert math.isnan(short.t_test.p_value)
    assert short.verdict.label == "inconclusive"
    full = compare_paired(SLEEP_1, SLEEP_2, 0.5)
    short_after, full_after = apply_holm([short, full])
    assert math.isnan(short_after.p_holm)
    assert short_after.verdict.reason == "fewer than 2 pairs"
    assert full_after.p_holm == full.t_test.p_value  # a family of one counted test


def test_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError, match="margin"):
        compare_paired([1.0, 2.0], [1.0, 2.0], 0.0)
    with pytest.raises(ValueError, match="alpha"):
        compare_paired([1.0, 2.0], [1.0, 2.0], 0.1, alpha=2.0)
    with pytest.raises(ValueError, match="pair up"):
        compare_paired([1.0, 2.0], [1.0], 0.1)
