"""Grouping runs into conditions, pairing arms by seed, and the comparison rows.

A *condition* is one dataset, domain, tokenizer and setting (every config field but the
encoder strategy, seed and device) at one compression ratio; its arms are the strategies
run at that ratio. The ``full`` arm has ratio 1 and is shared by every ratio of its
setting. Per condition the rows are, in this order:

* ``learned`` against each other compressed arm (the question genoenc exists for);
* each compressed arm (``learned`` included) against ``full``.

Arms are paired by seed. Seeds that only one arm has are left out of the test, listed in
the row's ``unpaired_seeds`` and reported as a problem. Holm's correction runs over all
rows of one :func:`compare_runs` call (the family).
"""

from __future__ import annotations

import logging
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from genoenc import stats
from genoenc.compare._runs import Problem, RunResult, lower_is_better, unit_label
from genoenc.errors import ConfigError

__all__ = [
    "FULL",
    "LEARNED",
    "CompareConfig",
    "ComparisonRow",
    "compare_runs",
    "condition_label",
    "group_label",
    "strategy_order",
]

logger = logging.getLogger(__name__)

FULL = "full"
LEARNED = "learned"
#: The order arms are listed in; strategies not named here follow alphabetically.
_STRATEGY_ORDER = (
    FULL,
    LEARNED,
    "autoencoder",
    "autoencoder-joint",
    "autoencoder-deep",
    "autoencoder-vae",
    "autoencoder-twostage",
)
FEWER_THAN_TWO_REASON = "fewer than 2 pairs: no test possible"
NO_PAIRS_REASON = "no seed in common: no test possible"


def strategy_order(strategy: str) -> tuple[int, str]:
    """Sort key of a strategy: the DESIGN table's order, then alphabetical.

    >>> sorted(["autoencoder", "zeta", "full", "learned"], key=strategy_order)
    ['full', 'learned', 'autoencoder', 'zeta']
    """
    if strategy in _STRATEGY_ORDER:
        return (_STRATEGY_ORDER.index(strategy), strategy)
    return (len(_STRATEGY_ORDER), strategy)


@dataclass(frozen=True, kw_only=True)
class CompareConfig:
    """How arms are compared.

    Attributes:
        margin: equivalence margin of the TOST, in the unit of the metric (bits per base
            or per character); differences within ``±margin`` count as no difference.
        alpha: significance level of the verdicts (Holm-adjusted difference test, TOST).
    """

    margin: float = 0.01
    alpha: float = 0.05

    def __post_init__(self) -> None:
        if not (math.isfinite(self.margin) and self.margin > 0):
            raise ConfigError(f"compare.margin must be a number > 0 (got {self.margin})")
        if not 0 < self.alpha < 1:
            raise ConfigError(f"compare.alpha must be in (0, 1) (got {self.alpha})")


@dataclass(frozen=True, kw_only=True)
class ComparisonRow:
    """Arm ``a`` against arm ``b`` in one condition; ``diff = mean(a - b)`` over paired seeds.

    The first 21 fields are DESIGN's ``compare --json`` keys, in its order; the rest are
    extras. Statistics that need two pairs are nan with fewer.

    Attributes:
        condition: ``data/tokenizer/r{ratio}``, plus the setting fields that tell apart
            otherwise equal conditions.
        arm_a: strategy of arm ``a`` (``learned`` in the main comparison).
        arm_b: strategy of arm ``b``.
        n_pairs: paired seeds.
        mean_a: mean of arm ``a`` over the paired seeds.
        mean_b: mean of arm ``b``.
        sd_a: sample sd of arm ``a``.
        sd_b: sample sd of arm ``b``.
        diff: mean paired difference ``a - b`` (negative: ``a`` has fewer bits).
        diff_ci95: 95% t-interval of ``diff``.
        t: paired t statistic.
        p_t: two-sided p of the paired t-test.
        p_wilcoxon: two-sided p of the Wilcoxon signed-rank test.
        cohens_dz: Cohen's d_z.
        hedges_g: Hedges' g_av.
        margin: the TOST margin, in ``unit``.
        p_tost: p of the equivalence test.
        p_holm: Holm-adjusted ``p_t`` over the family.
        verdict: ``equivalent``, ``better``, ``worse`` or ``inconclusive`` (of ``a``
            relative to ``b``; lower is better).
        gain_kept_a: share of the ``full`` arm's gain over order-0 that arm ``a`` keeps,
            averaged over the paired seeds that have a ``full`` run (nan with none).
        gain_kept_b: the same for arm ``b``.
        domain: ``genome`` or ``text``.
        metric: the compared test metric (``bits_per_base`` or ``bits_per_char``).
        unit: its unit label (``bits/base`` or ``bits/char``).
        ratio: the condition's compression ratio.
        seeds: the paired seeds, ascending.
        unpaired_seeds: seeds that only one of the arms has (left out).
        reason: the one-line reason for the verdict.
        gap_closed_a: mean over the paired seeds of arm ``a``'s ``gap_closed``: the share
            of the gap from the no-context reference to the best Markov model that its runs
            closed (nan where no run has one).
        gap_closed_b: the same for arm ``b``.
    """

    condition: str
    arm_a: str
    arm_b: str
    n_pairs: int
    mean_a: float
    mean_b: float
    sd_a: float
    sd_b: float
    diff: float
    diff_ci95: tuple[float, float]
    t: float
    p_t: float
    p_wilcoxon: float
    cohens_dz: float
    hedges_g: float
    margin: float
    p_tost: float
    p_holm: float
    verdict: str
    gain_kept_a: float
    gain_kept_b: float
    domain: str
    metric: str
    unit: str
    ratio: int
    seeds: tuple[int, ...]
    unpaired_seeds: tuple[int, ...]
    reason: str
    gap_closed_a: float = math.nan
    gap_closed_b: float = math.nan


def _group_parts(runs: Sequence[RunResult], all_runs: Sequence[RunResult]) -> tuple[str, str]:
    """``(name, extras)`` of a group: ``data/tokenizer`` and its distinguishing fields."""
    first = runs[0]
    name = f"{first.data}/{first.tokenizer}"
    if first.domain != "genome":
        name = f"{first.domain}:{name}"
    siblings = {
        run.setting: run.setting_config
        for run in all_runs
        if (run.domain, run.data, run.tokenizer) == (first.domain, first.data, first.tokenizer)
    }
    if len(siblings) < 2:
        return name, ""
    keys = sorted({key for config in siblings.values() for key in config})
    differing = [
        key for key in keys if len({repr(config.get(key)) for config in siblings.values()}) > 1
    ]
    extras = ", ".join(f"{key}={first.setting_config.get(key)!r}" for key in differing)
    return name, extras or f"setting {first.setting}"


def group_label(runs: Sequence[RunResult], all_runs: Sequence[RunResult]) -> str:
    """A readable name of one group of runs: ``data/tokenizer``, plus distinguishing fields.

    Text groups are prefixed ``text:``. Setting fields are added in parentheses, as
    ``field=value``, only where other groups of ``all_runs`` with the same data and
    tokenizer differ in them (e.g. ``ecoli/k1s1 (train.lr=0.001)``).
    """
    name, extras = _group_parts(runs, all_runs)
    return condition_label(name, None, extras)


def condition_label(name: str, ratio: int | None, extras: str = "") -> str:
    """Name of a condition: group name, ratio, then the distinguishing fields.

    >>> condition_label("ecoli/k1s1", 4)
    'ecoli/k1s1/r4'
    >>> condition_label("ecoli/k1s1", 4, "train.lr=0.001")
    'ecoli/k1s1/r4 (train.lr=0.001)'
    """
    label = name if ratio is None else f"{name}/r{ratio}"
    return f"{label} ({extras})" if extras else label


@dataclass(frozen=True, kw_only=True)
class _Pending:
    """A row before Holm: its arms, seeds and (with at least one pair) the statistics."""

    condition: str
    arm_a: str
    arm_b: str
    ratio: int
    domain: str
    metric: str
    seeds: tuple[int, ...]
    unpaired: tuple[int, ...]
    comparison: stats.PairedComparison | None
    gain_kept_a: float
    gain_kept_b: float
    gap_closed_a: float
    gap_closed_b: float


def compare_runs(
    runs: Iterable[RunResult],
    config: CompareConfig | None = None,
    *,
    metric: str | None = None,
) -> tuple[list[ComparisonRow], list[Problem]]:
    """Group runs into conditions, pair arms by seed and compute every comparison row.

    Args:
        runs: finished runs (from :func:`genoenc.compare.load_runs`).
        config: margin and alpha (in the unit of ``metric``); the defaults when None.
        metric: the test metric compared. None: each run's own (bits per base,
            character or symbol, lower is better). Else a key of ``metrics.json``'s
            ``test`` object, such as ``accuracy`` (higher is better; a run without it
            scores nan); ``gain_kept_*`` is then nan, as it is a share of bits.

    Returns:
        ``(rows, problems)``: rows ordered by group, ratio, then the ``learned`` rows and
        the rows against ``full``; problems name duplicate runs, unpaired seeds and
        conditions with nothing to compare.
    """
    config = config or CompareConfig()
    runs = list(runs)
    problems: list[Problem] = []
    groups: dict[tuple[str, str, str, str], list[RunResult]] = defaultdict(list)
    for run in runs:
        groups[run.group].append(run)
    named = {key: _group_parts(members, runs) for key, members in groups.items()}
    pending: list[_Pending] = []
    for key in sorted(groups, key=lambda k: (k[0], *named[k], k)):
        name, extras = named[key]
        arms = _arms(groups[key], condition_label(name, None, extras), problems)
        pending.extend(_group_rows(arms, (name, extras), config, problems, metric))
    comparisons = [p.comparison for p in pending if p.comparison is not None]
    adjusted = iter(stats.apply_holm(comparisons))
    rows = [
        _finish(p, next(adjusted) if p.comparison is not None else None, config) for p in pending
    ]
    logger.debug("%d runs in %d groups: %d comparison rows", len(runs), len(groups), len(rows))
    return rows, problems


# (strategy, ratio) -> seed -> run
_Arms = dict[tuple[str, int], dict[int, RunResult]]


def _arms(members: Sequence[RunResult], label: str, problems: list[Problem]) -> _Arms:
    """Index a group's runs by arm and seed; a second run of one arm and seed is reported."""
    arms: _Arms = defaultdict(dict)
    for run in sorted(members, key=lambda r: str(r.path)):
        ratio = 1 if run.strategy == FULL else run.ratio
        by_seed = arms[(run.strategy, ratio)]
        kept = by_seed.get(run.seed)
        if kept is not None:
            problems.append(
                Problem(
                    str(run.path),
                    f"duplicate of {kept.path} ({label}, {run.strategy}, ratio {ratio}, "
                    f"seed {run.seed}): not compared",
                )
            )
            continue
        by_seed[run.seed] = run
    return arms


def _group_rows(
    arms: _Arms,
    label: tuple[str, str],
    config: CompareConfig,
    problems: list[Problem],
    metric: str | None,
) -> list[_Pending]:
    full = arms.get((FULL, 1), {})
    ratios = sorted({ratio for strategy, ratio in arms if strategy != FULL})
    if not ratios:
        where = condition_label(label[0], None, label[1])
        problems.append(Problem(where, "only the full arm: nothing to compare"))
        return []
    out: list[_Pending] = []
    for ratio in ratios:
        condition = condition_label(label[0], ratio, label[1])
        strategies = sorted((s for s, r in arms if r == ratio and s != FULL), key=strategy_order)
        pairs = []
        if LEARNED in strategies:
            pairs += [(LEARNED, other) for other in strategies if other != LEARNED]
        if full:
            pairs += [(strategy, FULL) for strategy in strategies]
        if not pairs:
            problems.append(
                Problem(
                    condition,
                    f"{', '.join(strategies)} not compared: no learned or full arm to compare with",
                )
            )
        for arm_a, arm_b in pairs:
            runs_a = arms[(arm_a, ratio)]
            runs_b = full if arm_b == FULL else arms[(arm_b, ratio)]
            out.append(
                _pending(condition, (arm_a, arm_b), ratio, (runs_a, runs_b, full), config, metric)
            )
            _note_unpaired(out[-1], runs_a, runs_b, problems)
    return out


def _pending(
    condition: str,
    arms: tuple[str, str],
    ratio: int,
    runs: tuple[Mapping[int, RunResult], Mapping[int, RunResult], Mapping[int, RunResult]],
    config: CompareConfig,
    metric: str | None,
) -> _Pending:
    """One row before Holm; ``runs`` are arm ``a``'s, arm ``b``'s and ``full``'s by seed."""
    runs_a, runs_b, full = runs
    some = next(iter(runs_a.values()))
    compared = metric or some.metric
    seeds = tuple(sorted(runs_a.keys() & runs_b.keys()))
    comparison = None
    if seeds:
        comparison = stats.compare_paired(
            [runs_a[s].score(compared) for s in seeds],
            [runs_b[s].score(compared) for s in seeds],
            config.margin,
            alpha=config.alpha,
            lower_is_better=lower_is_better(compared),
        )
    bits = compared == some.metric  # gain kept is a share of the bits metric
    return _Pending(
        condition=condition,
        arm_a=arms[0],
        arm_b=arms[1],
        ratio=ratio,
        domain=some.domain,
        metric=compared,
        seeds=seeds,
        unpaired=tuple(sorted(runs_a.keys() ^ runs_b.keys())),
        comparison=comparison,
        gain_kept_a=_gain_kept(runs_a, full, seeds) if bits else math.nan,
        gain_kept_b=_gain_kept(runs_b, full, seeds) if bits else math.nan,
        gap_closed_a=_gap_closed(runs_a, seeds) if bits else math.nan,
        gap_closed_b=_gap_closed(runs_b, seeds) if bits else math.nan,
    )


def _gain_kept(
    arm: Mapping[int, RunResult], full: Mapping[int, RunResult], seeds: Sequence[int]
) -> float:
    """Mean over ``seeds`` of :func:`genoenc.stats.gain_kept` against the same seed's ``full``.

    Each seed's share uses that seed's ``full`` run and the arm's own order-0 reference
    (the same test split). Seeds without a ``full`` run, or whose ``full`` run is no
    better than order-0 (share undefined), are left out; nan when none is left.
    """
    shares = [
        stats.gain_kept(arm[s].value, full[s].value, arm[s].reference.order0_bits)
        for s in seeds
        if s in full
    ]
    finite = [share for share in shares if math.isfinite(share)]
    return float(np.mean(finite)) if finite else math.nan


def _gap_closed(arm: Mapping[int, RunResult], seeds: Sequence[int]) -> float:
    """Mean over ``seeds`` of the runs' ``gap_closed`` (runs without one left out; nan
    when none has one)."""
    shares = [arm[s].gap_closed for s in seeds]
    known = [share for share in shares if share is not None and math.isfinite(share)]
    return float(np.mean(known)) if known else math.nan


def _note_unpaired(
    row: _Pending,
    runs_a: Mapping[int, RunResult],
    runs_b: Mapping[int, RunResult],
    problems: list[Problem],
) -> None:
    if not row.unpaired:
        return
    only = []
    for arm, mine, other in ((row.arm_a, runs_a, runs_b), (row.arm_b, runs_b, runs_a)):
        seeds = sorted(set(mine) - set(other))
        if seeds:
            only.append(f"{_seed_list(seeds)} only in {arm}")
    problems.append(
        Problem(
            row.condition,
            f"{row.arm_a} vs {row.arm_b}: {'; '.join(only)} (unpaired, left out of the test)",
        )
    )


def _seed_list(seeds: Sequence[int]) -> str:
    """``seed 3`` or ``seeds 3, 4``.

    >>> _seed_list([3]), _seed_list([3, 4])
    ('seed 3', 'seeds 3, 4')
    """
    return ("seed " if len(seeds) == 1 else "seeds ") + ", ".join(map(str, seeds))


def _statistics(comparison: stats.PairedComparison | None) -> dict[str, Any]:
    """The statistics fields of a row; nan (and ``inconclusive``) without a paired seed."""
    if comparison is None:
        nan = math.nan
        return {
            "n_pairs": 0,
            **dict.fromkeys(("mean_a", "mean_b", "sd_a", "sd_b", "diff"), nan),
            "diff_ci95": (nan, nan),
            **dict.fromkeys(("t", "p_t", "p_wilcoxon", "cohens_dz", "hedges_g"), nan),
            **dict.fromkeys(("p_tost", "p_holm"), nan),
            "verdict": "inconclusive",
            "reason": NO_PAIRS_REASON,
        }
    reason = comparison.verdict.reason
    if comparison.n_pairs < 2:
        reason = FEWER_THAN_TWO_REASON
    elif comparison.t_test.reason is not None:
        reason = f"{reason} ({comparison.t_test.reason})"
    difference = comparison.difference
    return {
        "n_pairs": comparison.n_pairs,
        "mean_a": comparison.summary_a.mean,
        "mean_b": comparison.summary_b.mean,
        "sd_a": comparison.summary_a.sd,
        "sd_b": comparison.summary_b.sd,
        "diff": difference.mean_diff,
        "diff_ci95": (difference.ci95.low, difference.ci95.high),
        "t": comparison.t_test.statistic,
        "p_t": comparison.t_test.p_value,
        "p_wilcoxon": comparison.wilcoxon.p_value,
        "cohens_dz": comparison.cohens_dz,
        "hedges_g": comparison.hedges_g,
        "p_tost": comparison.equivalence.p_value,
        "p_holm": comparison.p_holm,
        "verdict": comparison.verdict.label,
        "reason": reason,
    }


def _finish(
    row: _Pending, comparison: stats.PairedComparison | None, config: CompareConfig
) -> ComparisonRow:
    """The row, from its Holm-adjusted comparison (None: no paired seed)."""
    return ComparisonRow(
        condition=row.condition,
        arm_a=row.arm_a,
        arm_b=row.arm_b,
        margin=config.margin if comparison is None else comparison.margin,
        gain_kept_a=row.gain_kept_a,
        gain_kept_b=row.gain_kept_b,
        gap_closed_a=row.gap_closed_a,
        gap_closed_b=row.gap_closed_b,
        domain=row.domain,
        metric=row.metric,
        unit=unit_label(row.metric),
        ratio=row.ratio,
        seeds=row.seeds,
        unpaired_seeds=row.unpaired,
        **_statistics(comparison),
    )
