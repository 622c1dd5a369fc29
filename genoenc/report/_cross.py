"""The cross-domain part of a report: both domains on one axis, and the Welch rows.

Bits per base and bits per character are different units, so the plot puts every
domain on the domain-free "gain kept" scale: per seed, the share of that seed's
``full`` arm's gain over order-0 that a run keeps (1 = as good as ``full``, 0 = no
better than order-0), against the compression ratio.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence

from genoenc import stats
from genoenc.compare import (
    CROSS_LEGEND,
    FULL,
    CompareConfig,
    RunResult,
    cross_domain_rows,
    cross_table_cells,
    group_label,
    strategy_order,
)
from genoenc.report._content import Plot, RunGroup, Section, SectionTable
from genoenc.report._plots import (
    PlotConfig,
    _figure,
    _png,
    _summaries,
    strategy_color,
)

__all__ = ["cross_domain_content", "plot_gain_kept_vs_ratio"]

# One line style and marker per domain (colours stay the strategies').
_DOMAIN_STYLES = {"genome": ("-", "o"), "text": ("--", "s"), "synthetic": (":", "^")}


_Key = tuple[str, str, str]  # (group label, strategy, domain)


def _gain_points(runs: Sequence[RunResult]) -> dict[_Key, dict[int, list[float]]]:
    """(group label, strategy, domain) -> ratio -> per-seed gain kept (vs that seed's full)."""
    groups: dict[tuple[str, str, str, str], list[RunResult]] = defaultdict(list)
    for run in runs:
        groups[run.group].append(run)
    points: dict[_Key, dict[int, list[float]]] = defaultdict(lambda: defaultdict(list))
    for members in groups.values():
        label = group_label(members, runs)
        full = {run.seed: run for run in members if run.strategy == FULL}
        for run in members:
            if run.seed not in full:
                continue
            kept = stats.gain_kept(run.value, full[run.seed].value, run.reference.order0_bits)
            if math.isfinite(kept):
                points[(label, run.strategy, run.domain)][run.ratio].append(kept)
    return points


def plot_gain_kept_vs_ratio(
    runs: Sequence[RunResult], config: PlotConfig | None = None
) -> bytes | None:
    """Gain kept against compression ratio, every domain on one axis.

    One line per group (data/tokenizer) and strategy: colour by strategy, line style and
    marker by domain; mean over seeds with its 95% t-interval; ``full`` is 1 at ratio 1.

    Returns:
        PNG bytes; None when no run has a ``full`` run of its seed to compare with.
    """
    points = _gain_points(runs)
    if not points:
        return None
    config = config or PlotConfig()
    figure, axes = _figure(config)
    ordered = sorted(points, key=lambda key: (key[2], key[0], strategy_order(key[1])))
    for index, key in enumerate(ordered):
        label, strategy, domain = key
        by_ratio = points[key]
        style, marker = _DOMAIN_STYLES.get(domain, ("-.", "D"))
        ratios = sorted(by_ratio)
        shift = 2 ** ((index - len(ordered) / 2) * 0.02)  # sideways, in log2 space
        summaries = [_summaries(by_ratio[r]) for r in ratios]
        axes.errorbar(
            [r * shift for r in ratios],
            [s[0] for s in summaries],
            yerr=[[s[1] for s in summaries], [s[2] for s in summaries]],
            marker=marker,
            markersize=4,
            capsize=3,
            linewidth=1.2,
            linestyle=style if len(ratios) > 1 else "none",
            color=strategy_color(strategy),
            label=f"{label}: {strategy}",
        )
    axes.axhline(1.0, color="0.45", linestyle=":", linewidth=1)
    axes.axhline(0.0, color="0.45", linestyle="--", linewidth=1)
    ticks = sorted({ratio for by_ratio in points.values() for ratio in by_ratio})
    axes.set_xscale("log", base=2)
    axes.set_xticks(ticks, [str(t) for t in ticks])
    axes.set_xlabel("compression ratio d_orig / d_c")
    axes.set_ylabel("gain kept (share of full's gain over order-0)")
    axes.set_title("all domains: gain kept vs compression ratio", fontsize="medium")
    axes.legend(fontsize="x-small", ncol=2)
    return _png(figure, config)


def cross_domain_content(
    runs: Sequence[RunResult],
    compare: CompareConfig | None = None,
    plot: PlotConfig | None = None,
) -> tuple[Section | None, RunGroup | None]:
    """The report's cross-domain section (Welch rows) and plot; ``(None, None)`` for one domain.

    Args:
        runs: every run of the report.
        compare: alpha of the verdicts.
        plot: figure size and resolution.

    Returns:
        ``(section, group)``: the table of :func:`genoenc.compare.cross_domain_rows` and
        a plot-only group holding :func:`plot_gain_kept_vs_ratio`.
    """
    if len({run.domain for run in runs}) < 2:
        return None, None
    rows, _ = cross_domain_rows(runs, compare)
    section = None
    if rows:
        header, right, body = cross_table_cells(rows)
        section = Section(
            title="Cross-domain: is learned minus autoencoder the same in both domains?",
            paragraphs=(
                "Per ratio, the per-seed difference learned - other arm in each domain, "
                "compared between domains with Welch's t-test (seeds of two domains are "
                "independent). The verdict reads the domain-free gain-kept scale; the raw "
                "columns are in each domain's own unit.",
            ),
            tables=(
                SectionTable(
                    headers=tuple(zip(header, right, strict=True)),
                    rows=tuple(tuple(cells) for cells in body),
                    caption=CROSS_LEGEND,
                ),
            ),
        )
    png = plot_gain_kept_vs_ratio(runs, plot)
    group = None
    if png is not None:
        group = RunGroup(
            label="all domains",
            runs=(),
            plots=(
                Plot(
                    name="cross-domain-gain-kept",
                    title="Gain kept vs compression ratio, every domain on one axis",
                    caption="Mean over seeds with 95% t-interval; colour: strategy; line "
                    "and marker: domain (solid circles genome, dashed squares text); 1 = "
                    "as good as full, 0 = no better than order-0.",
                    png=png,
                ),
            ),
        )
    return section, group
