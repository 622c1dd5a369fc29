"""The study report: genoenc's sweep report plus the study's floors, gaps and accuracy.

:func:`study_summary` reduces the finished runs of a study to one row per arm (data,
tokenizer, strategy, ratio) beside the source's entropy rate; :func:`accuracy_rows`
compares top-1 accuracy between arms, paired by seed; :func:`study_sections` renders
both (and the QUICK banner) as extra report sections; :func:`write_study_report` writes
``report.html``, ``report.md`` and ``summary.json`` into the study folder.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import numpy as np

from genoenc import stats
from genoenc.compare import (
    FULL,
    LEARNED,
    RunResult,
    format_number,
    format_p,
    load_runs,
    strategy_order,
)
from genoenc.report import ReportConfig, ReportFiles, Section, SectionTable, write_report

__all__ = [
    "ACCURACY_MARGIN",
    "AccuracyRow",
    "ArmSummary",
    "accuracy_rows",
    "study_sections",
    "study_summary",
    "write_study_report",
]

#: Equivalence margin of the accuracy comparisons (absolute top-1 accuracy).
ACCURACY_MARGIN: Final = 0.005
_SUMMARY_FILE: Final = "summary.json"
# A source whose entropy rate is within 1% of its unigram entropy cannot be learned beyond
# order-0, so a run on it is flagged learned_nothing however good it is.
_UNLEARNABLE: Final = 0.99


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
                value = [_json_number(v) for v in value]
            elif isinstance(value, float):
                value = _json_number(value)
            out[name] = value
        out["arm"] = self.arm
        return out


@dataclass(frozen=True, kw_only=True)
class AccuracyRow:
    """Top-1 accuracy of arm ``a`` against arm ``b`` at one ratio, paired by seed.

    Attributes:
        condition: ``data/tokenizer/rR``.
        arm_a: Strategy of arm ``a``.
        arm_b: Strategy of arm ``b``.
        n_pairs: Paired seeds.
        mean_a: Mean accuracy of ``a``.
        mean_b: Mean accuracy of ``b``.
        diff: Mean paired difference ``a - b`` (positive: ``a`` more accurate).
        diff_ci95: Its 95% t-interval.
        p_t: Paired t-test p.
        p_holm: Holm-adjusted over every accuracy row of the study.
        verdict: ``better``/``worse``/``equivalent`` (margin :data:`ACCURACY_MARGIN`)
            or ``inconclusive``, of ``a`` relative to ``b``.
    """

    condition: str
    arm_a: str
    arm_b: str
    n_pairs: int
    mean_a: float
    mean_b: float
    diff: float
    diff_ci95: tuple[float, float]
    p_t: float
    p_holm: float
    verdict: str


def _json_number(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _test(run: RunResult, key: str) -> float:
    test = run.metrics.get("test", {})
    value = test.get(key) if isinstance(test, Mapping) else None
    return float(value) if isinstance(value, int | float) else math.nan


def _mean(values: Sequence[float]) -> float:
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
        value_mean = _mean(values)
        floor = float(source["entropy"]["bits"]) if source else math.nan
        unigram = float(source["unigram_bits"]) if source else math.nan
        learnable = unigram - floor
        accuracies = [_test(run, "accuracy") for run in members]
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
                loss_nats_mean=_mean([_test(run, "loss_nats") for run in members]),
                accuracy_mean=_mean(accuracies),
                accuracy_sd=_sd(accuracies),
                accuracy_ci95=_interval(accuracies),
                floor=floor,
                context_floor=float(source["context_bits"]) if source else math.nan,
                unigram=unigram,
                markov_mean=_mean([run.reference.markov_bits for run in members]),
                order0_mean=_mean([run.reference.order0_bits for run in members]),
                gap=value_mean - floor,
                closed=(unigram - value_mean) / learnable if learnable > 0 else math.nan,
                learned_nothing=sum(run.learned_nothing for run in members),
                train_seconds_mean=_mean(
                    [float(run.metrics.get("train_seconds", math.nan)) for run in members]
                ),
            )
        )
    return rows


def accuracy_rows(runs: Sequence[RunResult]) -> list[AccuracyRow]:
    """Accuracy comparisons, paired by seed: ``learned`` against each other compressed
    arm, and each compressed arm against ``full``, per dataset, tokenizer and ratio.
    Holm's correction runs over all rows."""
    by_arm: dict[tuple[str, str], dict[tuple[str, int], dict[int, float]]] = defaultdict(
        lambda: defaultdict(dict)
    )
    for run in runs:
        ratio = 1 if run.strategy == FULL else run.ratio
        by_arm[(run.data, run.tokenizer)][(run.strategy, ratio)][run.seed] = _test(run, "accuracy")
    pending: list[tuple[str, str, str, stats.PairedComparison]] = []
    for (data, tokenizer), arms in sorted(by_arm.items()):
        full = arms.get((FULL, 1), {})
        for ratio in sorted({r for s, r in arms if s != FULL}):
            here = [s for s, r in arms if r == ratio and s != FULL]
            strategies = sorted(here, key=strategy_order)
            pairs = [(LEARNED, s) for s in strategies if LEARNED in strategies and s != LEARNED]
            pairs += [(s, FULL) for s in strategies if full]
            for arm_a, arm_b in pairs:
                a = arms[(arm_a, ratio)]
                b = full if arm_b == FULL else arms[(arm_b, ratio)]
                seeds = sorted(a.keys() & b.keys())
                if not seeds:
                    continue
                comparison = stats.compare_paired(
                    [a[s] for s in seeds],
                    [b[s] for s in seeds],
                    ACCURACY_MARGIN,
                    lower_is_better=False,
                )
                pending.append((f"{data}/{tokenizer}/r{ratio}", arm_a, arm_b, comparison))
    adjusted = stats.apply_holm([p[3] for p in pending])
    return [
        AccuracyRow(
            condition=condition,
            arm_a=arm_a,
            arm_b=arm_b,
            n_pairs=c.n_pairs,
            mean_a=c.summary_a.mean,
            mean_b=c.summary_b.mean,
            diff=c.difference.mean_diff,
            diff_ci95=(c.difference.ci95.low, c.difference.ci95.high),
            p_t=c.t_test.p_value,
            p_holm=c.p_holm,
            verdict=c.verdict.label,
        )
        for (condition, arm_a, arm_b, _), c in zip(pending, adjusted, strict=True)
    ]


def _pm(mean: float, sd: float, decimals: int = 4) -> str:
    if math.isnan(sd):
        return format_number(mean, decimals)
    return f"{format_number(mean, decimals)} ± {format_number(sd, decimals)}"


def _ci(interval: tuple[float, float], decimals: int = 4, *, signed: bool = False) -> str:
    low, high = interval
    if math.isnan(low) or math.isnan(high):
        return "n/a"
    return (
        f"[{format_number(low, decimals, signed=signed)}, "
        f"{format_number(high, decimals, signed=signed)}]"
    )


def _percent(value: float) -> str:
    """``12.3%`` or ``n/a``.

    >>> _percent(0.1234), _percent(float("nan"))
    ('12.3%', 'n/a')
    """
    return "n/a" if math.isnan(value) else f"{100 * value:.1f}%"


def _quick_section(manifest: Mapping[str, Any]) -> Section:
    budget = manifest.get("budget", {})
    return Section(
        title="QUICK RUN: not the study's result",
        paragraphs=(
            f"QUICK: this report comes from `genoenc study {manifest.get('study')} --quick`: "
            f"{len(manifest.get('seeds', []))} seeds, {budget.get('tokens_budget', 0):,} "
            f"training tokens per run, {budget.get('data_tokens', 0):,} sampled tokens per "
            "source. It checks that the study runs; its numbers are far from converged and "
            "must not be quoted as the study's findings. Run without --quick for those.",
        ),
    )


def _study_section(manifest: Mapping[str, Any]) -> Section:
    budget = manifest.get("budget", {})
    sessions = manifest.get("sessions", [])
    seconds = sum(float(s.get("seconds", 0.0)) for s in sessions)
    cpu = sum(float(s.get("cpu_seconds", 0.0)) for s in sessions)
    datasets = manifest.get("datasets", {})
    lines = [
        str(manifest.get("title", "")),
        f"Seed-paper claim checked: {manifest.get('claim', '')}.",
        f"Arms: {', '.join(manifest.get('strategies', []))}; ratios "
        f"{', '.join(str(r) for r in manifest.get('ratios', []))} of d_orig "
        f"{manifest.get('d_orig')}; {len(manifest.get('seeds', []))} training seeds, paired "
        f"across arms; {budget.get('tokens_budget', 0):,} training tokens per run.",
        "Data: "
        + "; ".join(f"{name}: {info.get('label', '')}" for name, info in datasets.items())
        + ".",
        f"Wall time so far: {seconds / 60:.1f} min over {len(sessions)} invocation(s), "
        f"{cpu / 60:.1f} CPU min.",
    ]
    if manifest.get("custom_budget"):
        lines.append("CUSTOM BUDGET (a test override): not the study's result.")
    return Section(title="Study", paragraphs=tuple(lines))


def _floor_section(manifest: Mapping[str, Any], summary: Sequence[ArmSummary]) -> Section:
    headers = (
        ("dataset", False),
        ("V", True),
        ("entropy rate (bits/symbol)", True),
        ("interval", True),
        ("context floor", True),
        ("unigram H", True),
        ("log2 V (bits)", True),
        ("ln V (nats)", True),
        ("chance acc 1/V", True),
        ("optimal acc", True),
    )
    rows = []
    notes = []
    for source in manifest.get("sources", []):
        entropy = source["entropy"]
        interval = (
            "exact"
            if entropy.get("exact")
            else f"± {format_number(entropy['se'])} SE, {_ci((entropy['lower'], entropy['upper']))}"
        )
        rows.append(
            (
                str(source["name"]),
                f"{source['vocab_size']:,}",
                format_number(entropy["bits"]),
                interval,
                format_number(source["context_bits"]),
                format_number(source["unigram_bits"]),
                format_number(source["log2_vocab"]),
                format_number(source["ln_vocab"]),
                format_number(source["chance_accuracy"]),
                format_number(source["optimal_accuracy"]),
            )
        )
        if not entropy.get("exact"):
            notes.append(f"{source['name']}: {entropy['method']}.")
        if entropy["bits"] >= _UNLEARNABLE * source["unigram_bits"]:
            notes.append(
                f"{source['name']}: UNLEARNABLE beyond order-0 (entropy rate within 1% of the "
                "unigram entropy), so its runs are flagged learned_nothing however good they are."
            )
    paragraphs = (
        [
            "The entropy rate is the floor no model can beat on average. The context floor is "
            f"the best loss with only the window's own context (1..{_context(manifest)} "
            "previous tokens), what a perfect model scores here. Chance accuracy is 1/V; "
            "optimal accuracy is that of the true next-token distribution.",
            *notes,
        ]
        if rows
        else []
    )
    tables = [SectionTable(headers=headers, rows=tuple(rows))] if rows else []
    real = _real_data_table(manifest, summary)
    if real is not None:
        paragraphs.append(
            "Real data: no known entropy rate. The best order-k Markov model fitted on the "
            "same train split and scored on the same test split is the best known reference "
            "(an upper bound on the entropy rate, not a floor); each arm's gap is measured to "
            "it. V counts the ACGT k-mers a target can be; chance accuracy is 1/V."
        )
        tables.append(real)
    return Section(
        title="Entropy floor, chance and ln V", paragraphs=tuple(paragraphs), tables=tuple(tables)
    )


def _real_data_table(
    manifest: Mapping[str, Any], summary: Sequence[ArmSummary]
) -> SectionTable | None:
    synthetic = {str(source["name"]) for source in manifest.get("sources", [])}
    groups: dict[tuple[str, str], list[ArmSummary]] = defaultdict(list)
    for row in summary:
        if row.data not in synthetic:
            groups[(row.data, row.tokenizer)].append(row)
    if not groups:
        return None
    headers = (
        ("data", False),
        ("V", True),
        ("unit", False),
        ("order-0", True),
        ("best Markov ref", True),
        ("Markov gain over order-0", True),
        ("log2 V (bits)", True),
        ("ln V (nats)", True),
        ("chance acc 1/V", True),
    )
    rows = []
    for (data, tokenizer), members in groups.items():
        symbols = members[0].symbols
        order0 = _mean([m.order0_mean for m in members])
        markov = _mean([m.markov_mean for m in members])
        rows.append(
            (
                f"{data}/{tokenizer}",
                f"{symbols:,}",
                members[0].unit,
                format_number(order0),
                format_number(markov),
                _percent((order0 - markov) / order0 if order0 > 0 else math.nan),
                format_number(math.log2(symbols)) if symbols else "n/a",
                format_number(math.log(symbols)) if symbols else "n/a",
                format_number(1 / symbols) if symbols else "n/a",
            )
        )
    caption = (
        "order-0 and Markov in the runs' unit, means over the runs (the same split for all). "
        "A run is flagged learned_nothing when it is within 1% of order-0: where even the best "
        "Markov model gains little over order-0, flags say more about the data than the model."
    )
    return SectionTable(headers=headers, rows=tuple(rows), caption=caption)


def _context(manifest: Mapping[str, Any]) -> int:
    sources = manifest.get("sources", [])
    return int(sources[0].get("context", 0)) if sources else 0


def _arm_section(summary: Sequence[ArmSummary]) -> Section:
    unit = summary[0].unit if summary else "bits"
    headers = (
        ("data", False),
        ("arm", False),
        ("d_c", True),
        ("n", True),
        (f"test {unit}", True),
        ("floor", True),
        ("gap to floor", True),
        ("gap %", True),
        ("learnable gap closed", True),
        ("Markov ref", True),
        ("gap to Markov", True),
        ("loss (nats)", True),
        ("accuracy", True),
        ("accuracy 95% CI", True),
        ("learned nothing", True),
        ("train s/run", True),
    )
    rows = tuple(
        (
            f"{row.data}/{row.tokenizer}",
            row.arm,
            str(row.d_c),
            str(row.n),
            _pm(row.value_mean, row.value_sd),
            format_number(row.floor),
            format_number(row.gap, signed=True),
            _percent(row.gap / row.floor if row.floor > 0 else math.nan),
            _percent(row.closed),
            format_number(row.markov_mean),
            format_number(row.value_mean - row.markov_mean, signed=True),
            format_number(row.loss_nats_mean),
            _pm(row.accuracy_mean, row.accuracy_sd),
            _ci(row.accuracy_ci95),
            f"{row.learned_nothing}/{row.n}",
            format_number(row.train_seconds_mean, 1),
        )
        for row in summary
    )
    caption = (
        "Mean ± sd over seeds. gap to floor = test value - entropy rate; learnable gap closed "
        "= (unigram H - test) / (unigram H - entropy rate): 100% is a perfect model, 0% no "
        "better than token frequencies. Markov ref = best order-k Markov model of the same "
        "split (k chosen on validation)."
    )
    return Section(
        title="Each arm against the floor",
        tables=(SectionTable(headers=headers, rows=rows, caption=caption),),
    )


def _accuracy_section(rows: Sequence[AccuracyRow]) -> Section:
    headers = (
        ("condition", False),
        ("arm a", False),
        ("arm b", False),
        ("n", True),
        ("acc a", True),
        ("acc b", True),
        ("diff", True),
        ("diff 95% CI", True),
        ("p t-test", True),
        ("p Holm", True),
        ("verdict", False),
    )
    body = tuple(
        (
            row.condition,
            row.arm_a,
            row.arm_b,
            str(row.n_pairs),
            format_number(row.mean_a),
            format_number(row.mean_b),
            format_number(row.diff, signed=True),
            _ci(row.diff_ci95, signed=True),
            format_p(row.p_t),
            format_p(row.p_holm),
            row.verdict,
        )
        for row in rows
    )
    caption = (
        "Top-1 test accuracy, paired by seed; diff = a - b (positive: a more accurate). "
        f"Verdict: equivalent when TOST rejects a difference beyond ±{ACCURACY_MARGIN:g}; "
        "else better/worse when the Holm-adjusted paired t-test rejects at 0.05; else "
        "inconclusive."
    )
    return Section(
        title="Accuracy, paired by seed",
        tables=(SectionTable(headers=headers, rows=body, caption=caption),),
    )


def study_sections(
    manifest: Mapping[str, Any],
    summary: Sequence[ArmSummary],
    accuracy: Sequence[AccuracyRow],
) -> tuple[Section, ...]:
    """The extra report sections of a study: QUICK banner, study, floors, arms, accuracy."""
    sections = [_quick_section(manifest)] if manifest.get("quick") else []
    sections += [_study_section(manifest), _floor_section(manifest, summary)]
    if summary:
        sections.append(_arm_section(summary))
    if accuracy:
        sections.append(_accuracy_section(accuracy))
    return tuple(sections)


def write_study_report(out: str | Path) -> ReportFiles:
    """Write ``report.html``, ``report.md`` (with plots) and ``summary.json`` of a study.

    Raises:
        RunDirError: ``out`` is not a study folder, or no run has finished.
    """
    from genoenc.rundir import atomic_write_json
    from genoenc.studies.runner import RUNS_DIR, read_study

    out = Path(out)
    manifest = read_study(out)
    runs, _ = load_runs([out / RUNS_DIR])
    summary = study_summary(manifest, runs)
    accuracy = accuracy_rows(runs) if manifest.get("accuracy", True) else []
    prefix = "QUICK: " if manifest.get("quick") else ""
    title = f"{prefix}genoenc study {manifest.get('study')}: {manifest.get('title', '')}"
    files = write_report(
        out / RUNS_DIR,
        out / "report.html",
        ReportConfig(title=title, sections=study_sections(manifest, summary, accuracy)),
    )
    atomic_write_json(
        out / _SUMMARY_FILE,
        {
            "study": manifest.get("study"),
            "quick": manifest.get("quick"),
            "arms": [row.to_dict() for row in summary],
            "accuracy": [
                {
                    **{k: _json_number(getattr(row, k)) for k in row.__dataclass_fields__},
                    "diff_ci95": [_json_number(v) for v in row.diff_ci95],
                }
                for row in accuracy
            ],
        },
    )
    return files
