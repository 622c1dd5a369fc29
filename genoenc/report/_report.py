"""Building a report from run directories or sweep folders, and writing it to disk."""

from __future__ import annotations

import json
import os
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from genoenc import __version__
from genoenc.compare import (
    SWEEP_FILE,
    CompareConfig,
    RunResult,
    compare_runs,
    group_label,
    load_runs,
    read_sweep_specs,
    strategy_order,
)
from genoenc.errors import ConfigError
from genoenc.report._content import Plot, ReportContent, RunGroup, Section, SectionTable
from genoenc.report._cross import cross_domain_content
from genoenc.report._plots import (
    PlotConfig,
    plot_bits_vs_bytes,
    plot_bits_vs_ratio,
    plot_learning_curves,
)
from genoenc.report._render import render_html, render_markdown
from genoenc.rundir import atomic_write_bytes

__all__ = ["ReportConfig", "ReportFiles", "build_report", "write_report"]


@dataclass(frozen=True, kw_only=True)
class ReportConfig:
    """How a report compares and draws.

    Attributes:
        compare: margin and alpha of the comparison rows.
        plot: figure size and resolution.
        title: the report's heading (default: ``genoenc report: <sources>``).
        sections: extra sections (text and tables) shown before the comparison.
    """

    compare: CompareConfig = field(default_factory=CompareConfig)
    plot: PlotConfig = field(default_factory=PlotConfig)
    title: str | None = None
    sections: tuple[Section, ...] = ()


@dataclass(frozen=True, kw_only=True)
class ReportFiles:
    """The files :func:`write_report` wrote.

    Attributes:
        html: the self-contained HTML report.
        markdown: its Markdown twin (same stem, ``.md``).
        images: the PNG plots the Markdown links to, next to it.
        content: what was rendered.
    """

    html: Path
    markdown: Path
    images: tuple[Path, ...]
    content: ReportContent


def _slug(text: str) -> str:
    """A file-name-safe version of ``text``.

    >>> _slug("ecoli/k1s1 (train.lr=0.001)")
    'ecoli-k1s1-train.lr-0.001'
    """
    return re.sub(r"[^A-Za-z0-9.]+", "-", text).strip("-") or "group"


def _common_base(paths: Sequence[Path]) -> Path:
    resolved = [p.resolve() for p in paths]
    try:
        return Path(os.path.commonpath(resolved))
    except ValueError:
        return Path("/")


def _group_plots(
    runs: Sequence[RunResult], label: str, slug: str, config: PlotConfig
) -> list[Plot]:
    unit = runs[0].unit
    drawn = (
        (
            "ratio",
            f"{label}: test {unit} vs compression ratio",
            "Mean over seeds with 95% t-interval per strategy; full at ratio 1. The "
            "uniform (grey dotted, triangle), order-0 (brown dashed, inverted triangle) and "
            "Markov (dark dash-dot, diamond) references are on the same test split; a red "
            "cross marks a run that learned nothing.",
            plot_bits_vs_ratio(runs, label, config),
        ),
        (
            "bytes",
            f"{label}: test {unit} vs stored encoding bytes",
            "The memory trade-off: bytes of the encoding kept for inference (log axis), "
            "one point per strategy and ratio, 95% t-interval over seeds.",
            plot_bits_vs_bytes(runs, label, config),
        ),
        (
            "curves",
            f"{label}: learning curves",
            f"Validation {unit} against training tokens seen, one line per run: colour "
            "is the strategy, line style the compression ratio; a red cross ends a run that "
            "learned nothing. The brown dashed line is the order-0 reference on the test split.",
            plot_learning_curves(runs, label, config),
        ),
    )
    return [
        Plot(name=f"{slug}-{kind}", title=title, caption=caption, png=png)
        for kind, title, caption, png in drawn
        if png is not None
    ]


# Settings always shown in the configuration table (when the runs record them); other
# fields appear only where settings differ. Per-arm fields (strategy, ratio, seed) are in
# the runs table.
_KEY_SETTINGS = (
    "reader.fasta",
    "reader.regions",
    "reader.bed",
    "reader.bam",
    "reader.cram",
    "reader.fastq",
    "reader.text",
    "tokens",
    "tokenizer.kind",
    "tokenizer.k",
    "tokenizer.stride",
    "tokenizer.vocab_size",
    "split.block_tokens",
    "window.context",
    "encoder.d_orig",
    "encoder.source_table",
    "model.arch",
    "model.d_model",
    "model.n_layer",
    "train.tokens_budget",
    "train.batch_size",
    "train.lr",
    "train.eval_tokens",
    "train.rc_aug",
)


def _show(value: Any) -> str:
    """A config value as a table cell.

    >>> _show(20000), _show(0.003), _show(["a.fa", "b.fa"]), _show(None), _show(True)
    ('20,000', '0.003', 'a.fa, b.fa', '-', 'yes')
    """
    if value is None or value == [] or value == ():
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, list | tuple):
        return ", ".join(_show(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k} {_show(v)}" for k, v in value.items())
    return str(value)


def _flatten(overrides: Any, prefix: str = "") -> list[tuple[str, Any]]:
    if not isinstance(overrides, dict):
        return [(prefix, overrides)]
    out: list[tuple[str, Any]] = []
    for key, value in overrides.items():
        name = f"{prefix}.{key}" if prefix else str(key)
        out += _flatten(value, name) if isinstance(value, dict) else [(name, value)]
    return out


def _grid_table(folder: Path, grid: dict[str, Any], cells: int) -> SectionTable:
    """The axes of one sweep as rows: datasets, tokenizers, strategies, ratios, seeds, base."""
    from genoenc.tokenize import tokenizer_label

    rows: list[tuple[str, str]] = []
    for name, entry in (grid.get("datasets") or {}).items():
        inputs = [f"{key} {_show(value)}" for key, value in _flatten(entry) if key != "tokenizers"]
        rows.append((f"dataset {name}", "; ".join(inputs) or "-"))
    tokenizers = []
    for tok in grid.get("tokenizers") or []:
        try:
            tokenizers.append(tokenizer_label(tok))
        except (TypeError, ValueError, KeyError):
            tokenizers.append(_show(tok))
    rows += [
        ("tokenizers", ", ".join(tokenizers) or "-"),
        ("strategies", _show(grid.get("strategies"))),
        ("ratios", _show(grid.get("ratios"))),
        ("seeds", _show(grid.get("seeds"))),
        ("cells (runs)", f"{cells:,}"),
    ]
    rows += [(f"base {key}", _show(value)) for key, value in _flatten(grid.get("base") or {})]
    return SectionTable(
        headers=(("sweep grid", False), ("value", False)),
        rows=tuple(rows),
        caption=f"From {folder / SWEEP_FILE}.",
    )


def _settings_table(runs: Sequence[RunResult]) -> SectionTable | None:
    """Key settings of the runs, one column per distinct setting (group of pairable runs)."""
    settings: dict[str, dict[str, Any]] = {}
    names: dict[str, str] = {}
    for run in runs:
        settings.setdefault(run.setting, dict(run.setting_config))
        names.setdefault(run.setting, f"{run.data}/{run.tokenizer}")
    if not settings:
        return None
    columns = list(settings)
    keys = [k for k in _KEY_SETTINGS if any(k in settings[c] for c in columns)]
    every = sorted({k for c in columns for k in settings[c]})
    keys += [
        k
        for k in every
        if k not in keys and len({json.dumps(settings[c].get(k), default=str) for c in columns}) > 1
    ]
    headers = (("setting", False), *((names[c], False) for c in columns))
    cells = {key: [_show(settings[c].get(key)) for c in columns] for key in keys}
    rows = tuple((key, *cells[key]) for key in keys if any(c != "-" for c in cells[key]))
    caption = (
        "Key settings from each run's config.json (strategy, ratio and seed vary by arm: see "
        "Runs); further fields are listed where settings differ. Every field is in the JSON "
        "below."
    )
    return SectionTable(headers=headers, rows=rows, caption=caption)


def _configuration(
    sources: Sequence[Path], runs: Sequence[RunResult]
) -> tuple[str, str, tuple[SectionTable, ...]]:
    """The sweep grids when ``sweep.json`` exists, else the distinct settings of the runs:
    where they come from, as JSON, and as readable tables."""
    origin, text = _configuration_json(sources, runs)
    tables: list[SectionTable] = [
        _grid_table(folder, content.get("grid", {}), len(content.get("cells", [])))
        for folder, content in read_sweep_specs(sources)
    ]
    settings = _settings_table(runs)
    if settings is not None:
        tables.append(settings)
    return origin, text, tuple(tables)


def _configuration_json(sources: Sequence[Path], runs: Sequence[RunResult]) -> tuple[str, str]:
    """The sweep grids when ``sweep.json`` exists, else the distinct settings of the runs."""
    specs = read_sweep_specs(sources)
    if specs:
        shown = [
            {
                "sweep": str(folder / SWEEP_FILE),
                "grid": content.get("grid", {}),
                "cells": len(content.get("cells", [])),
            }
            for folder, content in specs
        ]
        origin = f"The sweep grid ({SWEEP_FILE}); each cell is one run directory."
        return origin, json.dumps(shown if len(shown) > 1 else shown[0], indent=2, default=str)
    settings: dict[str, dict[str, Any]] = {}
    for run in runs:
        entry = settings.setdefault(
            run.setting,
            {
                "fields": dict(run.setting_config),
                "strategies": set(),
                "ratios": set(),
                "seeds": set(),
                "runs": 0,
            },
        )
        entry["strategies"].add(run.strategy)
        entry["ratios"].add(run.ratio)
        entry["seeds"].add(run.seed)
        entry["runs"] += 1
    shown_settings = [
        {
            "runs": entry["runs"],
            "strategies": sorted(entry["strategies"], key=strategy_order),
            "ratios": sorted(entry["ratios"]),
            "seeds": sorted(entry["seeds"]),
            "config": entry["fields"],
        }
        for entry in settings.values()
    ]
    origin = (
        f"No {SWEEP_FILE}: the distinct configurations of the runs (config.json without "
        "the fields that vary between arms: encoder strategy and its knobs, seed, device)."
    )
    return origin, json.dumps(shown_settings, indent=2, default=str)


def build_report(
    sources: str | Path | Sequence[str | Path], config: ReportConfig | None = None
) -> ReportContent:
    """Load the runs, compare them and draw the plots: everything a report shows.

    Args:
        sources: a sweep folder, a run directory, or several of either.
        config: comparison margin, plot size, title.

    Returns:
        A :class:`ReportContent`.

    Raises:
        RunDirError: a source does not exist, or no finished run was found.
    """
    config = config or ReportConfig()
    paths = [Path(sources)] if isinstance(sources, str | Path) else [Path(s) for s in sources]
    runs, problems = load_runs(paths)
    rows, more = compare_runs(runs, config.compare)
    members: dict[tuple[str, str, str, str], list[RunResult]] = defaultdict(list)
    for run in runs:
        members[run.group].append(run)
    groups = []
    used: set[str] = set()
    labels = {key: group_label(group, runs) for key, group in members.items()}
    for key in sorted(members, key=lambda k: (k[0], labels[k], k)):
        group_runs = sorted(
            members[key], key=lambda r: (strategy_order(r.strategy), r.ratio, r.seed)
        )
        label = labels[key]
        slug = _slug(label)
        while slug in used:  # distinct labels may share a slug
            slug += "-x"
        used.add(slug)
        plots = _group_plots(group_runs, label, slug, config.plot)
        groups.append(RunGroup(label=label, runs=tuple(group_runs), plots=tuple(plots)))
    # Several domains (genome and text): the Welch rows and the one-axis gain-kept plot.
    cross_section, cross_group = cross_domain_content(runs, config.compare, config.plot)
    if cross_group is not None:
        groups.append(cross_group)
    origin, config_text, config_tables = _configuration(paths, runs)
    return ReportContent(
        title=config.title or f"genoenc report: {', '.join(str(p) for p in paths)}",
        sources=tuple(str(p) for p in paths),
        base=_common_base(paths) if len(paths) > 1 else paths[0].resolve(),
        rows=tuple(rows),
        groups=tuple(groups),
        problems=tuple([*problems, *more]),
        config_origin=origin,
        config_text=config_text,
        margin=config.compare.margin,
        alpha=config.compare.alpha,
        version=__version__,
        sections=(*config.sections, *([cross_section] if cross_section else [])),
        config_tables=config_tables,
    )


def write_report(
    sources: str | Path | Sequence[str | Path],
    out_html: str | Path,
    config: ReportConfig | None = None,
) -> ReportFiles:
    """Write the HTML report, its Markdown twin and the Markdown's PNG plots.

    ``report.html`` embeds everything (CSS and base64 plots); ``report.md`` sits next to
    it and links ``report-<group>-<plot>.png`` files in the same folder. Every file is
    written to a temporary name and renamed, so a crash leaves no half-written report.

    Args:
        sources: a sweep folder, a run directory, or several of either.
        out_html: path of the HTML file; the Markdown file gets the same stem.
        config: comparison margin, plot size, title.

    Returns:
        The paths written and the rendered content.

    Raises:
        RunDirError: a source does not exist, or no finished run was found.
        ConfigError: ``out_html`` ends in ``.md`` (the Markdown twin's name).
    """
    out_html = Path(out_html)
    if out_html.suffix.lower() == ".md":
        raise ConfigError(
            f"report output {out_html} ends in .md: name the HTML file (the Markdown twin "
            "gets its stem)"
        )
    content = build_report(sources, config)
    markdown = out_html.with_suffix(".md")
    images = {plot.name: f"{out_html.stem}-{plot.name}.png" for plot in content.plots}
    written = []
    for plot in content.plots:
        path = out_html.parent / images[plot.name]
        atomic_write_bytes(path, plot.png)
        written.append(path)
    atomic_write_bytes(markdown, render_markdown(content, images).encode("utf-8"))
    atomic_write_bytes(out_html, render_html(content).encode("utf-8"))
    return ReportFiles(html=out_html, markdown=markdown, images=tuple(written), content=content)
