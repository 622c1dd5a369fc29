"""Reports: the comparison table, plots and configuration as HTML and Markdown.

:func:`build_report` gathers the rows (from :mod:`genoenc.compare`), the runs and the
plots into a :class:`ReportContent`; :func:`render_html` and :func:`render_markdown` turn
it into text; :func:`write_report` does all three and writes the files atomically::

    write_report("runs/sweep", "report.html")   # also report.md and its PNG plots
"""

from genoenc.report._content import Plot, ReportContent, RunGroup, Section, SectionTable
from genoenc.report._plots import (
    LEARNED_NOTHING_COLOR,
    PlotConfig,
    plot_bits_vs_bytes,
    plot_bits_vs_ratio,
    plot_learning_curves,
    strategy_color,
)
from genoenc.report._render import LEARNED_NOTHING_CLASS, render_html, render_markdown
from genoenc.report._report import ReportConfig, ReportFiles, build_report, write_report

__all__ = [
    "LEARNED_NOTHING_CLASS",
    "LEARNED_NOTHING_COLOR",
    "Plot",
    "PlotConfig",
    "ReportConfig",
    "ReportContent",
    "ReportFiles",
    "RunGroup",
    "Section",
    "SectionTable",
    "build_report",
    "plot_bits_vs_bytes",
    "plot_bits_vs_ratio",
    "plot_learning_curves",
    "render_html",
    "render_markdown",
    "strategy_color",
    "write_report",
]
