"""The report's plots, drawn with matplotlib's object API (no pyplot state) into PNG bytes.

Each function takes the runs of one group (same data, tokenizer and setting) and returns
the PNG, or None when there is nothing to draw. Runs flagged ``learned_nothing`` are
marked with a red cross on every plot.
"""

from __future__ import annotations

import io
import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from genoenc import stats
from genoenc.compare import RunResult, strategy_order
from genoenc.errors import ConfigError
from genoenc.rundir import read_log

__all__ = [
    "LEARNED_NOTHING_COLOR",
    "PlotConfig",
    "plot_bits_vs_bytes",
    "plot_bits_vs_ratio",
    "plot_learning_curves",
    "strategy_color",
]

#: Red is kept for runs that learned nothing; strategies never get it.
LEARNED_NOTHING_COLOR = "#d62728"
_FULL_COLOR = "#222222"
_PALETTE = (
    "#1f77b4",  # learned: blue
    "#ff7f0e",  # autoencoder: orange
    "#2ca02c",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#bcbd22",
    "#17becf",
    "#7f7f7f",
)


def strategy_color(strategy: str) -> str:
    """The colour of a strategy on every plot (``full`` black, never red).

    >>> strategy_color("full"), strategy_color("learned"), strategy_color("autoencoder")
    ('#222222', '#1f77b4', '#ff7f0e')
    """
    if strategy == "full":
        return _FULL_COLOR
    rank, _ = strategy_order(strategy)
    if rank < 7:
        return _PALETTE[max(rank - 1, 0)]
    return _PALETTE[sum(map(ord, strategy)) % len(_PALETTE)]


@dataclass(frozen=True, kw_only=True)
class PlotConfig:
    """Figure size (inches) and resolution of every plot.

    Attributes:
        width: figure width in inches.
        height: figure height in inches.
        dpi: dots per inch of the PNG.
    """

    width: float = 6.4
    height: float = 3.8
    dpi: int = 110

    def __post_init__(self) -> None:
        for name in ("width", "height"):
            value = getattr(self, name)
            if not (math.isfinite(value) and 1 <= value <= 40):
                raise ConfigError(f"report.{name} must be in 1..40 inches (got {value})")
        if not 20 <= self.dpi <= 600:
            raise ConfigError(f"report.dpi must be in 20..600 (got {self.dpi})")


def _figure(config: PlotConfig) -> tuple[Any, Any]:
    from matplotlib.figure import Figure

    figure = Figure(figsize=(config.width, config.height), dpi=config.dpi)
    return figure, figure.add_subplot()


def _png(figure: Any, config: PlotConfig) -> bytes:
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=config.dpi)
    return buffer.getvalue()


def _finite_mean(values: Sequence[float]) -> float:
    finite = [v for v in values if math.isfinite(v)]
    return float(np.mean(finite)) if finite else math.nan


#: (colour, line style, marker, marker's x in axes coordinates) of each reference line:
#: distinct in all four, so two references at nearly the same level (uniform 2.000 and
#: order-0 1.999 on a genome) stay apart by their markers. No strategy uses these colours.
REFERENCE_STYLES: dict[str, tuple[str, str, str, float]] = {
    "uniform": ("#8a8a8a", ":", "^", 0.03),
    "order-0": ("#a0522d", "--", "v", 0.09),
    "Markov": ("#2f4f4f", "-.", "D", 0.15),
}


def _reference_lines(
    axes: Any, runs: Sequence[RunResult], which: Sequence[str] = ("uniform", "order-0", "Markov")
) -> None:
    """Uniform, order-0 and Markov references (means over the runs: one test split), each
    with its own colour, dash and marker, labelled with its value."""
    from matplotlib.transforms import blended_transform_factory

    orders = [r.reference.markov_order for r in runs if r.reference.markov_order is not None]
    markov = f"Markov k={max(set(orders), key=orders.count)}" if orders else "Markov"
    values = {
        "uniform": ("uniform", [r.reference.uniform_bits for r in runs]),
        "order-0": ("order-0", [r.reference.order0_bits for r in runs]),
        "Markov": (markov, [r.reference.markov_bits for r in runs]),
    }
    # Markers sit at a fixed x in axes coordinates and at the line's level in data.
    where = blended_transform_factory(axes.transAxes, axes.transData)
    for key in which:
        label, levels = values[key]
        level = _finite_mean(levels)
        if not math.isfinite(level):
            continue
        color, style, marker, x = REFERENCE_STYLES[key]
        axes.axhline(level, color=color, linestyle=style, linewidth=1.1)
        axes.plot(
            [x],
            [level],
            transform=where,
            color=color,
            linestyle=style,
            linewidth=1.1,
            marker=marker,
            markersize=5,
            label=f"{label} {level:.3f}",
        )


def _mark_learned_nothing(axes: Any, points: Sequence[tuple[float, float]]) -> None:
    if points:
        xs, ys = zip(*points, strict=True)
        axes.scatter(
            xs,
            ys,
            marker="x",
            s=60,
            color=LEARNED_NOTHING_COLOR,
            zorder=5,
            label="learned nothing",
        )


def _summaries(values: Sequence[float]) -> tuple[float, float, float]:
    """Mean and the lower/upper error-bar lengths of the 95% t-interval (0 when undefined)."""
    summary = stats.describe(values)
    low, high = summary.ci95.low, summary.ci95.high
    if math.isnan(low) or math.isnan(high):
        return summary.mean, 0.0, 0.0
    return summary.mean, summary.mean - low, high - summary.mean


def _by_strategy(runs: Sequence[RunResult]) -> dict[str, list[RunResult]]:
    out: dict[str, list[RunResult]] = defaultdict(list)
    for run in runs:
        out[run.strategy].append(run)
    return dict(sorted(out.items(), key=lambda item: strategy_order(item[0])))


def _errorbar(
    axes: Any, xs: Sequence[float], points: Sequence[tuple[float, float, float]], strategy: str
) -> None:
    """One strategy's means with their intervals (``(mean, below, above)`` per point)."""
    axes.errorbar(
        xs,
        [p[0] for p in points],
        yerr=[[p[1] for p in points], [p[2] for p in points]],
        marker="o",
        markersize=4,
        capsize=3,
        linewidth=1.2,
        linestyle="-" if len(points) > 1 else "none",
        color=strategy_color(strategy),
        label=strategy,
    )


def plot_bits_vs_ratio(
    runs: Sequence[RunResult], title: str, config: PlotConfig | None = None
) -> bytes | None:
    """Test bits per unit against compression ratio: one line per strategy, 95% t-intervals.

    ``full`` sits at ratio 1. Points of different strategies at one ratio are spread a
    little sideways so their intervals do not hide each other.

    Args:
        runs: the runs of one group.
        title: the plot title.
        config: figure size and resolution.

    Returns:
        PNG bytes; None with no run.
    """
    if not runs:
        return None
    config = config or PlotConfig()
    figure, axes = _figure(config)
    strategies = _by_strategy(runs)
    spread = len(strategies) - 1
    for index, (strategy, members) in enumerate(strategies.items()):
        by_ratio: dict[int, list[float]] = defaultdict(list)
        for run in members:
            by_ratio[run.ratio].append(run.value)
        ratios = sorted(by_ratio)
        shift = 2 ** ((index - spread / 2) * 0.05)  # sideways, in log2 space
        points = [_summaries(by_ratio[r]) for r in ratios]
        _errorbar(axes, [r * shift for r in ratios], points, strategy)
    _reference_lines(axes, runs)
    _mark_learned_nothing(axes, [(r.ratio, r.value) for r in runs if r.learned_nothing])
    ticks = sorted({r.ratio for r in runs})
    axes.set_xscale("log", base=2)
    axes.set_xticks(ticks, [str(t) for t in ticks])
    axes.set_xlabel("compression ratio d_orig / d_c")
    axes.set_ylabel(f"test {runs[0].unit} (mean, 95% CI)")
    axes.set_title(title, fontsize="medium")
    axes.legend(fontsize="x-small", ncol=2)
    return _png(figure, config)


def plot_bits_vs_bytes(
    runs: Sequence[RunResult], title: str, config: PlotConfig | None = None
) -> bytes | None:
    """Test bits per unit against the stored encoding's bytes (log axis): the memory trade-off.

    One point per (strategy, ratio) with its 95% t-interval over seeds, labelled with the
    ratio; runs without ``params.encoding_bytes`` are left out.

    Returns:
        PNG bytes; None when no run records its encoding bytes.
    """
    sized = [r for r in runs if r.encoding_bytes is not None and r.encoding_bytes > 0]
    if not sized:
        return None
    config = config or PlotConfig()
    figure, axes = _figure(config)
    for strategy, members in _by_strategy(sized).items():
        cells: dict[int, list[RunResult]] = defaultdict(list)
        for run in members:
            cells[run.ratio].append(run)
        ratios = sorted(cells, key=lambda r: -r)
        xs = [float(np.median([run.encoding_bytes or 0 for run in cells[r]])) for r in ratios]
        points = [_summaries([run.value for run in cells[r]]) for r in ratios]
        color = strategy_color(strategy)
        _errorbar(axes, xs, points, strategy)
        for x, point, ratio in zip(xs, points, ratios, strict=True):
            axes.annotate(
                f"r{ratio}",
                (x, point[0]),
                textcoords="offset points",
                xytext=(3, 3),
                fontsize="x-small",
                color=color,
            )
    _reference_lines(axes, sized)
    _mark_learned_nothing(
        axes, [(float(r.encoding_bytes or 0), r.value) for r in sized if r.learned_nothing]
    )
    axes.set_xscale("log")
    axes.set_xlabel("stored encoding (bytes, log scale)")
    axes.set_ylabel(f"test {sized[0].unit} (mean, 95% CI)")
    axes.set_title(title, fontsize="medium")
    axes.legend(fontsize="x-small", ncol=2)
    return _png(figure, config)


def _curve(run: RunResult) -> tuple[list[float], list[float]]:
    """Validation (tokens seen, value) points of a run's ``log.jsonl``, finite ones only."""
    keys = (f"val_{run.metric}", "val_bits_per_base")
    xs, ys = [], []
    for record in read_log(run.path):
        tokens = record.get("tokens_seen")
        value = next((record[k] for k in keys if k in record), None)
        if isinstance(tokens, int | float) and isinstance(value, int | float):
            if math.isfinite(tokens) and math.isfinite(value):
                xs.append(float(tokens))
                ys.append(float(value))
    return xs, ys


#: Line style of each compression ratio on the learning curves (cycled past four ratios).
RATIO_STYLES: tuple[Any, ...] = ("-", "--", ":", "-.")


def ratio_styles(ratios: Sequence[int]) -> dict[int, Any]:
    """The line style of each ratio of a plot: ``full``'s ratio 1 and the smallest solid.

    >>> ratio_styles([8, 1, 2])
    {1: '-', 2: '--', 8: ':'}
    """
    return {r: RATIO_STYLES[i % len(RATIO_STYLES)] for i, r in enumerate(sorted(set(ratios)))}


def plot_learning_curves(
    runs: Sequence[RunResult], title: str, config: PlotConfig | None = None
) -> bytes | None:
    """Validation bits per unit against tokens seen, one line per run.

    Colour is the strategy and line style the compression ratio (both in the legend);
    runs that learned nothing end in a red cross. The order-0 reference is drawn as on
    the other plots.

    Returns:
        PNG bytes; None when no run logged a validation value.
    """
    from matplotlib.lines import Line2D

    curves = [(run, *_curve(run)) for run in runs]
    curves = [(run, xs, ys) for run, xs, ys in curves if xs]
    if not curves:
        return None
    config = config or PlotConfig()
    figure, axes = _figure(config)
    styles = ratio_styles([run.ratio for run, _, _ in curves])
    ends = []
    for run, xs, ys in sorted(curves, key=lambda c: (strategy_order(c[0].strategy), c[0].ratio)):
        axes.plot(
            xs,
            ys,
            color=strategy_color(run.strategy),
            linewidth=1.2,
            alpha=0.85,
            linestyle=styles[run.ratio],
        )
        if run.learned_nothing:
            ends.append((xs[-1], ys[-1]))
    _reference_lines(axes, [run for run, _, _ in curves], which=("order-0",))
    _mark_learned_nothing(axes, ends)
    # The legend's entries are the two codes: colour = strategy, style = ratio.
    handles, labels = axes.get_legend_handles_labels()
    for strategy in dict.fromkeys(run.strategy for run, _, _ in curves):
        handles.append(Line2D([], [], color=strategy_color(strategy), linewidth=1.6))
        labels.append(strategy)
    if len(styles) > 1:
        for ratio, style in styles.items():
            handles.append(Line2D([], [], color="0.3", linestyle=style, linewidth=1.2))
            labels.append("full (ratio 1)" if ratio == 1 else f"ratio {ratio}")
    axes.set_xlabel("tokens seen")
    axes.set_ylabel(f"validation {runs[0].unit}")
    axes.set_title(title, fontsize="medium")
    axes.legend(handles, labels, fontsize="x-small", ncol=2)
    return _png(figure, config)
