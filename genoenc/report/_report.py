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
from genoenc.report._content import Plot, ReportContent, RunGroup, Section
from genoenc.report._cross import cross_domain_content
from genoenc.report._plots import (
    PlotConfig,
    plot_bits_vs_bytes,
    plot_bits_vs_ratio,
    plot_learning_curves,
)
from genoenc.report._render import render_html, render_markdown
from genoenc.train.rundir import atomic_write_bytes

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
            "Mean over seeds with 95% t-interval per strategy; full at ratio 1; grey lines "
            "are the uniform, order-0 and Markov references on the same test split.",
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
            f"Validation {unit} against training tokens seen, one line per run, coloured "
            "by strategy; dashed with a red cross: learned nothing.",
            plot_learning_curves(runs, label, config),
        ),
    )
    return [
        Plot(name=f"{slug}-{kind}", title=title, caption=caption, png=png)
        for kind, title, caption, png in drawn
        if png is not None
    ]


def _configuration(sources: Sequence[Path], runs: Sequence[RunResult]) -> tuple[str, str]:
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
    origin, config_text = _configuration(paths, runs)
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
