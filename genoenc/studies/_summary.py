"""A study's runs reduced to numbers: one row per arm, and accuracy paired by seed.

:func:`study_summary` reduces the finished runs of a study to one row per arm (data,
tokenizer, strategy, ratio) beside the source's entropy rate; :func:`accuracy_rows`
compares top-1 accuracy between arms with :func:`genoenc.compare.compare_runs`, the
pairing and Holm correction of the bits comparison.
"""

from __future__ import annotations

import dataclasses
import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np

from genoenc import stats
from genoenc.compare import (
    FULL,
    CompareConfig,
    ComparisonRow,
    RunResult,
    compare_runs,
    strategy_order,
)

__all__ = [
    "ACCURACY_KEYS",
    "ACCURACY_MARGIN",
    "ArmSummary",
    "accuracy_rows",
    "finite_mean",
    "json_number",
    "study_summary",
]

#: Equivalence margin of the accuracy comparisons (absolute top-1 accuracy).
ACCURACY_MARGIN: Final = 0.005
#: The fields of an accuracy row that ``summary.json`` keeps.
ACCURACY_KEYS: Final = (
    "condition",
    "arm_a",
    "arm_b",
    "n_pairs",
    "mean_a",
    "mean_b",
    "diff",
    "diff_ci95",
    "p_t",
    "p_holm",
    "verdict",
)


@dataclass(frozen=True, kw_only=True)
class ArmSummary:
    """One arm of one dataset and tokenizer, over its seeds.

    Attributes:
        data: Dataset name.
        tokenizer: Tokenizer label (``k1s1-ids``, ``k6s6``...).
        strategy: Encoding strategy.
        ratio: Compression ratio (1 for ``full``).
        d_c: Encoding width.
        symbols: Symbols a target can be (``V`` of a synthetic source, ``4**k`` ACGT k-mers).
        n: Finished runs (seeds).
        unit: Unit of ``value`` (``bits/symbol``, ``bits/base``...).
        value_mean: Mean test value in ``unit``.
        value_sd: Its sample sd (nan with one run).
        loss_nats_mean: Mean test cross-entropy in nats per target.
        accuracy_mean: Mean top-1 test accuracy.
        accuracy_sd: Its sample sd.
        accuracy_ci95: 95% t-interval of the mean accuracy.
        floor: The source's entropy rate in ``unit`` (nan for real data).
        context_floor: The best loss with the window's context (nan for real data).
        unigram: The source's unigram entropy (nan for real data).
        markov_mean: Mean best-Markov reference of the runs' test split.
        order0_mean: Mean order-0 reference of the runs' test split.
        gap: ``value_mean - floor`` (nan for real data).
        closed: Share of the learnable gap closed: ``(unigram - value) / (unigram - floor)``.
        learned_nothing: Runs flagged ``learned_nothing``.
        train_seconds_mean: Mean training seconds per run.
    """

    data: str
    tokenizer: str
    strategy: str
    ratio: int
    d_c: int
    symbols: int
    n: int
    unit: str
    value_mean: float
    value_sd: float
    loss_nats_mean: float
    accuracy_mean: float
    accuracy_sd: float
    accuracy_ci95: tuple[float, float]
    floor: float
    context_floor: float
    unigram: float
    markov_mean: float
    order0_mean: float
    gap: float
    closed: float
    learned_nothing: int
    train_seconds_mean: float

    @property
    def arm(self) -> str:
        """``full`` or ``strategy-rR``."""
        return FULL if self.strategy == FULL else f"{self.strategy}-r{self.ratio}"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields (nan as None)."""
        out: dict[str, Any] = {}
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            if isinstance(value, tuple):
                value = [json_number(v) for v in value]
            elif isinstance(value, float):
                value = json_number(value)
            out[name] = value
        out["arm"] = self.arm
        return out


def json_number(value: Any) -> Any:
    """``value``, or None for a non-finite float (JSON has no nan)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def finite_mean(values: Sequence[float]) -> float:
    """The mean of the finite values; nan when there is none."""
    finite = [v for v in values if math.isfinite(v)]
    return float(np.mean(finite)) if finite else math.nan


def _sd(values: Sequence[float]) -> float:
    finite = [v for v in values if math.isfinite(v)]
    return float(np.std(finite, ddof=1)) if len(finite) > 1 else math.nan


def _interval(values: Sequence[float]) -> tuple[float, float]:
    finite = np.array([v for v in values if math.isfinite(v)])
    if finite.size < 2:
        return (math.nan, math.nan)
    summary = stats.describe(finite)
    return (summary.ci95.low, summary.ci95.high)


def _symbols(run: RunResult) -> int:
    """Symbols one target can be: the ``ids`` vocabulary, or ``4**k`` ACGT k-mers.

    Stride-1 DNA k-mers predict one base (4 symbols).
    """
    tokenizer = run.metrics.get("tokenizer", {})
    if not isinstance(tokenizer, Mapping):
        return 0
    if tokenizer.get("kind", "dna") == "dna":
        k = int(tokenizer.get("k", 1))
        return 4 if int(tokenizer.get("stride") or k) == 1 else 4**k
    return int(tokenizer.get("vocab_size") or 0)


def _sources_by_name(manifest: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    return {str(s["name"]): s for s in manifest.get("sources", [])}


def study_summary(manifest: Mapping[str, Any], runs: Sequence[RunResult]) -> list[ArmSummary]:
    """One :class:`ArmSummary` per (dataset, tokenizer, strategy, ratio), in report order."""
    sources = _sources_by_name(manifest)
    arms: dict[tuple[str, str, str, int], list[RunResult]] = defaultdict(list)
    for run in runs:
        ratio = 1 if run.strategy == FULL else run.ratio
        arms[(run.data, run.tokenizer, run.strategy, ratio)].append(run)
    rows = []
    # Datasets in the study's order (V = 50, 100, ... not alphabetical), then full first.
    order = {name: i for i, name in enumerate(manifest.get("datasets", {}))}

    def position(key: tuple[str, str, str, int]) -> tuple[Any, ...]:
        data, tokenizer, strategy, ratio = key
        rank = order.get(data, len(order))
        return (rank, data, tokenizer, ratio != 1, ratio, strategy_order(strategy))

    for key in sorted(arms, key=position):
        data, tokenizer, strategy, ratio = key
        members = arms[key]
        source = sources.get(data)
        values = [run.value for run in members]
        value_mean = finite_mean(values)
        floor = float(source["entropy"]["bits"]) if source else math.nan
        unigram = float(source["unigram_bits"]) if source else math.nan
        learnable = unigram - floor
        accuracies = [run.score("accuracy") for run in members]
        rows.append(
            ArmSummary(
                data=data,
                tokenizer=tokenizer,
                strategy=strategy,
                ratio=ratio,
                d_c=int(members[0].metrics.get("d_c", 0) or 0),
                symbols=_symbols(members[0]),
                n=len(members),
                unit=members[0].unit,
                value_mean=value_mean,
                value_sd=_sd(values),
                loss_nats_mean=finite_mean([run.score("loss_nats") for run in members]),
                accuracy_mean=finite_mean(accuracies),
                accuracy_sd=_sd(accuracies),
                accuracy_ci95=_interval(accuracies),
                floor=floor,
                context_floor=float(source["context_bits"]) if source else math.nan,
                unigram=unigram,
                markov_mean=finite_mean([run.reference.markov_bits for run in members]),
                order0_mean=finite_mean([run.reference.order0_bits for run in members]),
                gap=value_mean - floor,
                closed=(unigram - value_mean) / learnable if learnable > 0 else math.nan,
                learned_nothing=sum(run.learned_nothing for run in members),
                train_seconds_mean=finite_mean(
                    [float(run.metrics.get("train_seconds", math.nan)) for run in members]
                ),
            )
        )
    return rows


def accuracy_rows(runs: Sequence[RunResult]) -> list[ComparisonRow]:
    """Top-1 test accuracy compared between arms, paired by seed, as the bits are:
    ``learned`` against each other compressed arm, and each compressed arm against
    ``full``, per dataset, tokenizer and ratio; Holm's correction runs over all rows.

    Verdicts use the margin :data:`ACCURACY_MARGIN` (higher accuracy is better). Rows
    without a paired seed are left out; conditions are named ``data/tokenizer/rR``
    (a study's datasets each have one domain, so no ``domain:`` prefix).
    """
    rows, _ = compare_runs(runs, CompareConfig(margin=ACCURACY_MARGIN), metric="accuracy")
    kept = [
        dataclasses.replace(row, condition=row.condition.removeprefix(f"{row.domain}:"))
        for row in rows
        if row.n_pairs > 0
    ]
    # Listed by (data, tokenizer) whatever the domain, as the study's tables are.
    return sorted(kept, key=lambda row: row.condition.rsplit("/", 2)[:2])
