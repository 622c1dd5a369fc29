"""What a report shows, as data: rows, runs, plots, configuration and problems."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from genoenc.compare import ComparisonRow, Problem, RunResult

__all__ = ["Plot", "ReportContent", "RunGroup", "Section", "SectionTable"]


@dataclass(frozen=True, kw_only=True)
class Plot:
    """One rendered plot.

    Attributes:
        name: a file-name-safe slug, unique within the report (``ecoli-k1s1-ratio``).
        title: what it shows, one line.
        caption: how to read it.
        png: the image.
    """

    name: str
    title: str
    caption: str
    png: bytes


@dataclass(frozen=True, kw_only=True)
class SectionTable:
    """A table of an extra :class:`Section`: preformatted cells.

    Attributes:
        headers: ``(name, right_aligned)`` per column.
        rows: one tuple of cell texts per row, as many cells as headers.
        caption: a line shown under the table (may be empty).
    """

    headers: tuple[tuple[str, bool], ...]
    rows: tuple[tuple[str, ...], ...]
    caption: str = ""


@dataclass(frozen=True, kw_only=True)
class Section:
    """An extra section a caller puts before the comparison (a study's entropy floors).

    Attributes:
        title: the section heading.
        paragraphs: lines of text, one paragraph each.
        tables: tables shown after the paragraphs.
    """

    title: str
    paragraphs: tuple[str, ...] = ()
    tables: tuple[SectionTable, ...] = ()


@dataclass(frozen=True, kw_only=True)
class RunGroup:
    """The runs of one group (same data, tokenizer and setting) and their plots."""

    label: str
    runs: tuple[RunResult, ...]
    plots: tuple[Plot, ...]


@dataclass(frozen=True, kw_only=True)
class ReportContent:
    """Everything a report renders; built by :func:`genoenc.report.build_report`.

    Attributes:
        title: the report's heading.
        sources: the run directories and sweep folders it was built from.
        base: the folder run paths are shown relative to (their common parent).
        rows: the comparison rows (one Holm family).
        groups: runs and plots per group.
        problems: runs and comparisons that could not be used, one line each.
        config_origin: where the configuration shown comes from.
        config_text: the sweep grid (``sweep.json``) or the distinct settings, as JSON.
        config_tables: the same configuration as readable tables (one row per setting).
        margin: the TOST margin of the rows.
        alpha: their significance level.
        version: the genoenc version that wrote the report.
        sections: extra sections shown before the comparison.
    """

    title: str
    sources: tuple[str, ...]
    base: Path
    rows: tuple[ComparisonRow, ...]
    groups: tuple[RunGroup, ...]
    problems: tuple[Problem, ...]
    config_origin: str
    config_text: str
    margin: float
    alpha: float
    version: str
    sections: tuple[Section, ...] = ()
    config_tables: tuple[SectionTable, ...] = ()

    @property
    def runs(self) -> tuple[RunResult, ...]:
        """Every run of the report, group by group."""
        return tuple(run for group in self.groups for run in group.runs)

    @property
    def plots(self) -> tuple[Plot, ...]:
        """Every plot of the report, group by group."""
        return tuple(plot for group in self.groups for plot in group.plots)

    def display_path(self, run: RunResult) -> str:
        """A run's path relative to :attr:`base` when it lies below it."""
        try:
            relative = run.path.resolve().relative_to(self.base)
        except ValueError:
            return str(run.path)
        return run.path.name if relative == Path() else str(relative)
