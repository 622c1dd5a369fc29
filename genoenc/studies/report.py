"""The study report: genoenc's sweep report extended with the study's sections.

:func:`study_sections` renders a study's floors, gaps and accuracy (and the QUICK
banner) as :class:`genoenc.report.Section` objects, which :func:`genoenc.report.write_report`
shows before the comparison; :func:`write_study_report` writes ``report.html``,
``report.md`` and ``summary.json`` into the study folder.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Final

from genoenc.compare import (
    ComparisonRow,
    format_interval,
    format_mean_sd,
    format_number,
    format_p,
    load_runs,
)
from genoenc.report import ReportConfig, ReportFiles, Section, SectionTable, write_report
from genoenc.rundir import atomic_write_json
from genoenc.studies._folder import RUNS_DIR, read_study
from genoenc.studies._summary import (
    ACCURACY_KEYS,
    ACCURACY_MARGIN,
    ArmSummary,
    accuracy_rows,
    finite_mean,
    json_number,
    study_summary,
)

__all__ = [
    "ACCURACY_MARGIN",
    "ArmSummary",
    "accuracy_rows",
    "study_sections",
    "study_summary",
    "write_study_report",
]

_SUMMARY_FILE: Final = "summary.json"
# A source whose entropy rate is within 1% of its unigram entropy cannot be learned beyond
# order-0, so a run on it is flagged learned_nothing however good it is.
_UNLEARNABLE: Final = 0.99


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
        bounds = format_interval((entropy["lower"], entropy["upper"]))
        interval = (
            "exact" if entropy.get("exact") else f"± {format_number(entropy['se'])} SE, {bounds}"
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
        order0 = finite_mean([m.order0_mean for m in members])
        markov = finite_mean([m.markov_mean for m in members])
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
            format_mean_sd(row.value_mean, row.value_sd),
            format_number(row.floor),
            format_number(row.gap, signed=True),
            _percent(row.gap / row.floor if row.floor > 0 else math.nan),
            _percent(row.closed),
            format_number(row.markov_mean),
            format_number(row.value_mean - row.markov_mean, signed=True),
            format_number(row.loss_nats_mean),
            format_mean_sd(row.accuracy_mean, row.accuracy_sd),
            format_interval(row.accuracy_ci95),
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


def _accuracy_section(rows: Sequence[ComparisonRow]) -> Section:
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
            format_interval(row.diff_ci95, signed=True),
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
    accuracy: Sequence[ComparisonRow],
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
                    **{key: json_number(getattr(row, key)) for key in ACCURACY_KEYS},
                    "diff_ci95": [json_number(v) for v in row.diff_ci95],
                }
                for row in accuracy
            ],
        },
    )
    return files
