"""Cross-domain rows: is the learned-minus-autoencoder difference the same in two domains?

For one compression ratio and one pair of arms (``learned`` against a compressed arm),
each domain's condition gives one paired difference per seed. The two domains' seeds
are independent samples (a genome seed and a text seed share nothing), so their mean
differences are compared with Welch's t-test and its 95% interval, on two scales:

* **gain kept** (domain-free): per seed, ``gain_kept(learned) - gain_kept(arm)``, each
  the share of that seed's ``full`` arm's gain over order-0 (bits per base and bits per
  character become the same kind of number);
* **raw**: per seed, ``learned - arm`` in the domain's own unit. Bits per base and bits
  per character are not one unit, so the raw interval is shown for completeness only.

The verdict reads the gain-kept test (Holm-adjusted over the cross-domain rows): *differs*
when it rejects, else *no difference shown*; a non-significant test is never read as
"the same".
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from genoenc import stats
from genoenc.compare._format import (
    _align,
    _json_value,
    format_interval,
    format_number,
    format_p,
)
from genoenc.compare._rows import (
    FULL,
    LEARNED,
    CompareConfig,
    _arms,
    _group_parts,
    condition_label,
    strategy_order,
)
from genoenc.compare._runs import Problem, RunResult, unit_label
from genoenc.stats import WelchTest, welch_t_test

__all__ = [
    "CrossDomainRow",
    "WelchTest",
    "cross_domain_rows",
    "cross_rows_to_json",
    "format_cross_table",
    "welch_t_test",
]


@dataclass(frozen=True, kw_only=True)
class CrossDomainRow:
    """``learned`` minus ``arm_b`` in one domain's condition against another's, at one ratio.

    Attributes:
        ratio: the compression ratio.
        arm_a: ``learned``.
        arm_b: the compressed arm it is compared with (``autoencoder``...).
        condition_1: the first domain's condition (e.g. ``ecoli/k6s6/r4``).
        condition_2: the second domain's condition (e.g. ``text:wiki/word-v4096/r4``).
        domain_1: the first domain (domains in alphabetical order: genome before text).
        domain_2: the second domain.
        n_1: seeds of the first domain with a paired difference (and a ``full`` run).
        n_2: the same for the second domain.
        gain_diff_1: mean per-seed ``gain_kept(a) - gain_kept(b)`` in the first domain.
        gain_diff_2: the same in the second domain.
        gain_delta: ``gain_diff_1 - gain_diff_2`` (Welch).
        gain_delta_ci95: its 95% interval.
        gain_t: Welch's t.
        gain_df: its degrees of freedom.
        gain_p: two-sided p.
        gain_p_holm: Holm-adjusted over the cross-domain rows.
        raw_diff_1: mean per-seed ``a - b`` in the first domain's unit.
        raw_diff_2: the same in the second domain's unit.
        raw_delta: ``raw_diff_1 - raw_diff_2`` (units differ: for completeness).
        raw_delta_ci95: its 95% interval.
        raw_p: two-sided Welch p on the raw scale.
        unit_1: the first domain's unit (``bits/base``).
        unit_2: the second domain's unit (``bits/char``).
        verdict: ``differs`` or ``no difference shown`` (gain-kept test, Holm).
        reason: one line on the verdict.
    """

    ratio: int
    arm_a: str
    arm_b: str
    condition_1: str
    condition_2: str
    domain_1: str
    domain_2: str
    n_1: int
    n_2: int
    gain_diff_1: float
    gain_diff_2: float
    gain_delta: float
    gain_delta_ci95: tuple[float, float]
    gain_t: float
    gain_df: float
    gain_p: float
    gain_p_holm: float
    raw_diff_1: float
    raw_diff_2: float
    raw_delta: float
    raw_delta_ci95: tuple[float, float]
    raw_p: float
    unit_1: str
    unit_2: str
    verdict: str
    reason: str


@dataclass(frozen=True)
class _Side:
    """One domain's condition at one ratio: per-seed differences of ``learned - arm``."""

    condition: str
    domain: str
    unit: str
    gain: tuple[float, ...]
    raw: tuple[float, ...]


def _sides(
    runs: Sequence[RunResult], problems: list[Problem]
) -> dict[tuple[int, str], list[_Side]]:
    """Per (ratio, arm_b): the conditions with learned, arm_b and full runs, by group."""
    groups: dict[tuple[str, str, str, str], list[RunResult]] = defaultdict(list)
    for run in runs:
        groups[run.group].append(run)
    sides: dict[tuple[int, str], list[_Side]] = defaultdict(list)
    for key in sorted(groups):
        members = groups[key]
        name, extras = _group_parts(members, runs)
        arms = _arms(members, condition_label(name, None, extras), [])
        full = arms.get((FULL, 1), {})
        for (strategy, ratio), learned in sorted(arms.items()):
            if strategy != LEARNED:
                continue
            for (other, other_ratio), compressed in arms.items():
                if other_ratio != ratio or other in (LEARNED, FULL):
                    continue
                seeds = sorted(learned.keys() & compressed.keys() & full.keys())
                gain, raw = [], []
                for seed in seeds:
                    a, b, f = learned[seed], compressed[seed], full[seed]
                    kept_a = stats.gain_kept(a.value, f.value, a.reference.order0_bits)
                    kept_b = stats.gain_kept(b.value, f.value, b.reference.order0_bits)
                    if math.isfinite(kept_a) and math.isfinite(kept_b):
                        gain.append(kept_a - kept_b)
                        raw.append(a.value - b.value)
                if not gain:
                    continue
                some = next(iter(learned.values()))
                sides[(ratio, other)].append(
                    _Side(
                        condition=condition_label(name, ratio, extras),
                        domain=some.domain,
                        unit=unit_label(some.metric),
                        gain=tuple(gain),
                        raw=tuple(raw),
                    )
                )
    return sides


def cross_domain_rows(
    runs: Iterable[RunResult], config: CompareConfig | None = None
) -> tuple[list[CrossDomainRow], list[Problem]]:
    """Cross-domain rows: every pair of conditions from two domains, per ratio and arm.

    Args:
        runs: finished runs of at least two domains (genome and text).
        config: its ``alpha`` sets the verdict; defaults when None.

    Returns:
        ``(rows, problems)``: rows by ratio, arm, then condition pair; no rows (and no
        problem) when the runs hold a single domain.
    """
    config = config or CompareConfig()
    runs = list(runs)
    problems: list[Problem] = []
    pending = []
    for (ratio, arm_b), sides in sorted(
        _sides(runs, problems).items(), key=lambda item: (item[0][0], strategy_order(item[0][1]))
    ):
        for i, one in enumerate(sides):
            for two in sides[i + 1 :]:
                if one.domain == two.domain:
                    continue
                first, second = (one, two) if one.domain < two.domain else (two, one)
                pending.append((ratio, arm_b, first, second))
    gains = [welch_t_test(first.gain, second.gain) for _, _, first, second in pending]
    p_values = np.array([g.p_value for g in gains], dtype=np.float64)
    holm = np.full(p_values.shape, math.nan)
    finite = np.isfinite(p_values)
    if finite.any():
        holm[finite] = stats.holm(p_values[finite])
    rows = []
    for (ratio, arm_b, first, second), gain, p_holm in zip(pending, gains, holm, strict=True):
        raw = welch_t_test(first.raw, second.raw)
        if gain.reason is not None:
            verdict, reason = "no difference shown", f"no test: {gain.reason}"
        elif p_holm < config.alpha:
            verdict = "differs"
            reason = f"Welch test on gain kept rejects (p Holm = {p_holm:.3g} < {config.alpha:g})"
        else:
            verdict = "no difference shown"
            reason = (
                f"Welch test on gain kept does not reject (p Holm = {p_holm:.3g}); "
                "not evidence that the domains agree"
            )
        rows.append(
            CrossDomainRow(
                ratio=ratio,
                arm_a=LEARNED,
                arm_b=arm_b,
                condition_1=first.condition,
                condition_2=second.condition,
                domain_1=first.domain,
                domain_2=second.domain,
                n_1=len(first.gain),
                n_2=len(second.gain),
                gain_diff_1=float(np.mean(first.gain)),
                gain_diff_2=float(np.mean(second.gain)),
                gain_delta=gain.diff,
                gain_delta_ci95=gain.ci95,
                gain_t=gain.t,
                gain_df=gain.df,
                gain_p=gain.p_value,
                gain_p_holm=float(p_holm),
                raw_diff_1=float(np.mean(first.raw)),
                raw_diff_2=float(np.mean(second.raw)),
                raw_delta=raw.diff,
                raw_delta_ci95=raw.ci95,
                raw_p=raw.p_value,
                unit_1=first.unit,
                unit_2=second.unit,
                verdict=verdict,
                reason=reason,
            )
        )
    return rows, problems


def cross_rows_to_json(rows: Sequence[CrossDomainRow]) -> list[dict[str, Any]]:
    """One JSON-ready object per cross-domain row (nan -> None, tuples -> lists)."""
    return [{name: _json_value(value) for name, value in vars(row).items()} for row in rows]


def cross_table_cells(
    rows: Sequence[CrossDomainRow],
) -> tuple[list[str], list[bool], list[list[str]]]:
    """Header, right-alignment and cells of the cross-domain table (terminal and report)."""
    header = [
        "ratio",
        "arms",
        "domain 1",
        "domain 2",
        "n1",
        "n2",
        "kept diff 1",
        "kept diff 2",
        "Δ kept",
        "Δ kept 95% CI",
        "p Holm",
        "raw diff 1",
        "raw diff 2",
        "raw Δ 95% CI",
        "p raw",
        "verdict",
    ]
    right = [True, False, False, False, *[True] * 11, False]
    body = [
        [
            f"{row.ratio}",
            f"{row.arm_a} - {row.arm_b}",
            row.condition_1,
            row.condition_2,
            f"{row.n_1}",
            f"{row.n_2}",
            format_number(row.gain_diff_1, 3, signed=True),
            format_number(row.gain_diff_2, 3, signed=True),
            format_number(row.gain_delta, 3, signed=True),
            format_interval(row.gain_delta_ci95, 3, signed=True),
            format_p(row.gain_p_holm),
            f"{format_number(row.raw_diff_1, 4, signed=True)} {row.unit_1}",
            f"{format_number(row.raw_diff_2, 4, signed=True)} {row.unit_2}",
            format_interval(row.raw_delta_ci95, 4, signed=True),
            format_p(row.raw_p),
            row.verdict,
        ]
        for row in rows
    ]
    return header, right, body


CROSS_LEGEND = (
    "per seed: kept diff = gain kept by learned - gain kept by the other arm (share of "
    "full's gain over order-0, domain-free); raw diff = learned - other in the domain's "
    "unit. Δ = domain 1 - domain 2, Welch t-test over the seeds of each domain (Holm over "
    "the cross-domain rows on the kept scale); raw units differ between domains."
)


def format_cross_table(rows: Sequence[CrossDomainRow]) -> str:
    """The cross-domain rows as a terminal table with its legend (``""`` with no rows)."""
    if not rows:
        return ""
    header, right, body = cross_table_cells(rows)
    return "cross-domain\n" + _align(header, body, right) + "\n" + CROSS_LEGEND
