"""Rendering a :class:`ReportContent` as self-contained HTML or as Markdown.

Both renderings show the same sections in the same order; only the markup differs. The
HTML embeds its plots (base64 PNG) and its style sheet, so it is one file with no
external CSS, JavaScript or image.
"""

from __future__ import annotations

import base64
import html
import math
from collections.abc import Callable, Mapping, Sequence

from genoenc.compare import (
    ComparisonRow,
    RunResult,
    format_interval,
    format_mean_sd,
    format_number,
    format_p,
)
from genoenc.report._content import ReportContent, Section

__all__ = ["LEARNED_NOTHING_CLASS", "render_html", "render_markdown"]

#: The CSS class (red) of runs that learned nothing, in the HTML report.
LEARNED_NOTHING_CLASS = "learned-nothing"

_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif;
       margin: 2em auto; max-width: 1600px; padding: 0 1em; color: #222; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 1.6em; }
h3 { font-size: 1em; }
table { border-collapse: collapse; font-size: 0.85em; margin: 0.5em 0 0.5em; }
th, td { padding: 3px 6px; border-bottom: 1px solid #ddd; white-space: nowrap; }
th { text-align: left; background: #f4f4f4; white-space: normal; vertical-align: bottom; }
td.wrap { white-space: normal; }
table.config td { white-space: normal; overflow-wrap: anywhere; }
table.config td:first-child { white-space: nowrap; font-family: ui-monospace, monospace; }
.flagged { color: #d62728; font-weight: 600; }
details summary { cursor: pointer; color: #555; font-size: 0.9em; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.verdict-better { color: #1a7f37; font-weight: 600; }
.verdict-worse { color: #9a4d00; font-weight: 600; }
.verdict-equivalent { color: #0550ae; font-weight: 600; }
.verdict-inconclusive { color: #666; }
.learned-nothing { color: #d62728; font-weight: 600; }
.legend { font-size: 0.85em; color: #555; }
figure { display: inline-block; margin: 0 1em 1em 0; vertical-align: top; }
figure img { max-width: 100%; }
figcaption { font-size: 0.8em; color: #555; max-width: 640px; }
.wide { overflow-x: auto; max-width: 100%; }
pre { background: #f6f8fa; padding: 1em; overflow: auto; font-size: 0.8em; }
"""

# (header, right-aligned) of the comparison table; the unit is filled in per block. The
# verdict comes right after the arms, so a narrow window never hides it; the test details
# (raw p-values, effect sizes) come last.
_ROW_HEADERS = (
    ("condition", False),
    ("arm a", False),
    ("arm b", False),
    ("verdict", False),
    ("n", True),
    ("a {unit}", True),
    ("b {unit}", True),
    ("diff {unit}", True),
    ("diff 95% CI", True),
    ("p Holm", True),
    ("p TOST", True),
    ("kept a", True),
    ("kept b", True),
    ("p t-test", True),
    ("p Wilcoxon", True),
    ("d_z", True),
    ("g", True),
)
#: Index of the verdict column in :data:`_ROW_HEADERS`.
VERDICT_COLUMN = 3
# Columns whose cells may wrap (at a slash, before a ±, after a comma) so the table fits a
# 1,280 px window: condition, mean ± sd of a and b, the interval.
_WRAP_COLUMNS = (0, 5, 6, 8)
_RUN_HEADERS = (
    ("run", False),
    ("strategy", False),
    ("ratio", True),
    ("seed", True),
    ("test {unit}", True),
    ("order-0 {unit}", True),
    ("best Markov {unit}", True),
    ("encoding (bytes)", True),
    ("tokens seen", True),
    ("gap closed", True),
    ("learned nothing", False),
)


#: What the trainer's ``learned_nothing`` flag means (its threshold is the trainer's).
_FLAG_MEANING = (
    "Flagged learned_nothing by the trainer: the run closed less than 10% of the gap (gap "
    "closed) between the no-context reference (order-0; for non-overlapping k-mers the k-mer "
    "unigram) and the best Markov model, i.e. it learned little more than token frequencies. "
    "Marked with a red cross on the plots."
)
_NOT_FLAGGED = "no run was flagged learned_nothing."


def _mean_sd(mean: float, sd: float) -> str:
    return format_mean_sd(mean, sd, joiner=" ±\u00a0")  # wraps before the ± only


def _row_cells(row: ComparisonRow) -> list[str]:
    return [
        row.condition,
        row.arm_a,
        row.arm_b,
        row.verdict,
        f"{row.n_pairs:,}" + ("*" if row.unpaired_seeds else ""),
        _mean_sd(row.mean_a, row.sd_a),
        _mean_sd(row.mean_b, row.sd_b),
        format_number(row.diff, signed=True),
        format_interval(row.diff_ci95, signed=True),
        format_p(row.p_holm),
        format_p(row.p_tost),
        format_number(row.gain_kept_a, 2),
        format_number(row.gain_kept_b, 2),
        format_p(row.p_t),
        format_p(row.p_wilcoxon),
        format_number(row.cohens_dz, 2),
        format_number(row.hedges_g, 2),
    ]


def _count(value: int | None) -> str:
    return "n/a" if value is None else f"{value:,}"


def _markov(run: RunResult) -> str:
    """The best Markov model of the run's test split and its order (``n/a`` when absent)."""
    ref = run.reference
    if not math.isfinite(ref.markov_bits):
        return "n/a"
    order = "" if ref.markov_order is None else f" (k={ref.markov_order})"
    return format_number(ref.markov_bits) + order


def _run_cells(run: RunResult, content: ReportContent) -> list[str]:
    return [
        content.display_path(run),
        run.strategy,
        str(run.ratio),
        str(run.seed),
        format_number(run.value),
        format_number(run.reference.order0_bits),
        _markov(run),
        _count(run.encoding_bytes),
        _count(run.tokens_seen),
        "n/a" if run.gap_closed is None else f"{run.gap_closed:.0%}",
        "yes" if run.learned_nothing else "",
    ]


def _units(items: Sequence[ComparisonRow] | Sequence[RunResult]) -> list[str]:
    return list(dict.fromkeys(item.unit for item in items))


def _legend(content: ReportContent, unit: str, rows: Sequence[ComparisonRow]) -> str:
    text = (
        f"diff = a - b over seeds both arms have (lower {unit} is better). Verdict of a "
        f"relative to b: equivalent when TOST rejects a difference beyond ±{content.margin:g} "
        f"{unit}; else better/worse when the paired t-test, Holm-adjusted over "
        f"{_counted(len(content.rows), 'row')}, rejects at alpha {content.alpha:g}; "
        "else inconclusive. "
        "kept = share of the full arm's gain over order-0 that the arm keeps (1: as good "
        "as full, 0: no better than order-0)."
    )
    if any(row.unpaired_seeds for row in rows):
        text += " * some seeds had no partner and were left out (see Problems)."
    return text


def _counted(n: int, noun: str) -> str:
    """``1 run``, ``2 runs``.

    >>> _counted(1, "group"), _counted(1200, "run")
    ('1 group', '1,200 runs')
    """
    return f"{n:,} {noun}" + ("" if n == 1 else "s")


def _flagged_summary(content: ReportContent) -> str:
    """``6 of 10 runs flagged learned_nothing`` (or that none was)."""
    flagged = sum(1 for run in content.runs if run.learned_nothing)
    if not flagged:
        return "no run flagged learned_nothing"
    every = " (every run)" if flagged == len(content.runs) else ""
    return f"{flagged:,} of {_counted(len(content.runs), 'run')} flagged learned_nothing{every}"


def _settings_lines(content: ReportContent) -> list[str]:
    return [
        f"Built by genoenc {content.version} from {', '.join(content.sources)}: "
        f"{_counted(len(content.runs), 'finished run')} in "
        f"{_counted(len(content.groups), 'group')}, "
        f"{_counted(len(content.rows), 'comparison')}; {_flagged_summary(content)}; "
        f"{_counted(len(content.problems), 'problem')} reading the runs.",
    ]


# -- HTML --------------------------------------------------------------------------------


def _html_table(
    headers: Sequence[tuple[str, bool]],
    body: Sequence[Sequence[str]],
    unit: str,
    row_attrs: Callable[[int], Mapping[str, str]] | None = None,
    cell_class: Callable[[int, int], str | None] | None = None,
    table_class: str | None = None,
) -> str:
    head = "".join(
        f"<th{' class=num' if right else ''}>{html.escape(name.format(unit=unit))}</th>"
        for name, right in headers
    )
    table = f'<table class="{table_class}">' if table_class else "<table>"
    lines = [f'<div class="wide">{table}\n<thead><tr>{head}</tr></thead>\n<tbody>']
    for i, cells in enumerate(body):
        attrs = row_attrs(i) if row_attrs else {}
        attr_text = "".join(f' {k}="{html.escape(v)}"' for k, v in attrs.items())
        tds = []
        for j, (cell, (_, right)) in enumerate(zip(cells, headers, strict=True)):
            extra = cell_class(i, j) if cell_class else None
            classes = [c for c in ("num" if right else None, extra) if c]
            class_attr = f' class="{" ".join(classes)}"' if classes else ""
            text = html.escape(cell)
            if extra == "wrap":  # a path or condition may break after its slashes
                text = text.replace("/", "/<wbr>")
            tds.append(f"<td{class_attr}>{text}</td>")
        lines.append(f"<tr{attr_text}>{''.join(tds)}</tr>")
    lines.append("</tbody>\n</table></div>")
    return "\n".join(lines)


def _html_rows(content: ReportContent) -> list[str]:
    if not content.rows:
        return ["<p>No comparison: no condition holds two arms (see Problems).</p>"]
    parts = []
    for unit in _units(content.rows):
        rows = [row for row in content.rows if row.unit == unit]

        def verdict_class(i: int, j: int, rows: list[ComparisonRow] = rows) -> str | None:
            if j in _WRAP_COLUMNS:
                return "wrap"
            return f"verdict-{rows[i].verdict}" if j == VERDICT_COLUMN else None

        def reason(i: int, rows: list[ComparisonRow] = rows) -> dict[str, str]:
            return {"title": rows[i].reason}

        body = [_row_cells(row) for row in rows]
        parts.append(_html_table(_ROW_HEADERS, body, unit, reason, verdict_class))
        parts.append(f'<p class="legend">{html.escape(_legend(content, unit, rows))}</p>')
    return parts


def _flagged_against(run: RunResult) -> str:
    """The references a flagged run is measured against, for the learned-nothing list."""
    text = f"order-0 {format_number(run.reference.order0_bits)}"
    if math.isfinite(run.reference.order0_token_bits):
        text += f", k-mer unigram {format_number(run.reference.order0_token_bits)}"
    return text


def _html_learned_nothing(content: ReportContent) -> list[str]:
    flagged = [run for run in content.runs if run.learned_nothing]
    if not flagged:
        return [f"<p>None: {_NOT_FLAGGED}</p>"]
    items = "".join(
        f"<li>{html.escape(content.display_path(run))} ({html.escape(run.strategy)}, ratio "
        f"{run.ratio}, seed {run.seed}): {format_number(run.value)} {html.escape(run.unit)}, "
        f"{_flagged_against(run)}</li>"
        for run in flagged
    )
    return [
        f'<ul class="{LEARNED_NOTHING_CLASS}">{items}</ul>',
        f'<p class="legend">{html.escape(_FLAG_MEANING)}</p>',
    ]


def _html_plots(content: ReportContent) -> list[str]:
    parts = []
    for group in content.groups:
        if not group.plots:
            continue
        parts.append(f"<h3>{html.escape(group.label)}</h3>")
        for plot in group.plots:
            data = base64.b64encode(plot.png).decode("ascii")
            parts.append(
                f'<figure><img src="data:image/png;base64,{data}" '
                f'alt="{html.escape(plot.title)}"><figcaption>'
                f"<b>{html.escape(plot.title)}.</b> {html.escape(plot.caption)}"
                "</figcaption></figure>"
            )
    return parts or ["<p>No plot.</p>"]


def _html_runs(content: ReportContent) -> list[str]:
    parts = []
    for unit in _units(content.runs):
        runs = [run for run in content.runs if run.unit == unit]

        def flag(i: int, runs: list[RunResult] = runs) -> dict[str, str]:
            return {"class": LEARNED_NOTHING_CLASS} if runs[i].learned_nothing else {}

        body = [_run_cells(run, content) for run in runs]
        parts.append(_html_table(_RUN_HEADERS, body, unit, flag))
    return parts


def _html_sections(sections: Sequence[Section]) -> list[str]:
    parts = []
    for section in sections:
        parts.append(f"<h2>{html.escape(section.title)}</h2>")
        parts += [f"<p>{html.escape(text)}</p>" for text in section.paragraphs]
        for table in section.tables:
            parts.append(_html_table(table.headers, table.rows, ""))
            if table.caption:
                parts.append(f'<p class="legend">{html.escape(table.caption)}</p>')
    return parts


def _html_summary(line: str, content: ReportContent) -> str:
    """The summary paragraph, with the flagged-run count in red when there are any."""
    text = html.escape(line)
    flagged = _flagged_summary(content)
    if any(run.learned_nothing for run in content.runs):
        text = text.replace(
            html.escape(flagged), f'<span class="flagged">{html.escape(flagged)}</span>'
        )
    return f"<p>{text}</p>"


def _html_config_tables(content: ReportContent) -> list[str]:
    parts = []
    for table in content.config_tables:
        parts.append(_html_table(table.headers, table.rows, "", table_class="config"))
        if table.caption:
            parts.append(f'<p class="legend">{html.escape(table.caption)}</p>')
    return parts


def render_html(content: ReportContent) -> str:
    """The report as one self-contained HTML page (inline CSS, base64 PNG plots).

    Args:
        content: from :func:`genoenc.report.build_report`.

    Returns:
        The page.
    """
    problems = (
        "<ul>" + "".join(f"<li>{html.escape(str(p))}</li>" for p in content.problems) + "</ul>"
        if content.problems
        else "<p>None.</p>"
    )
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        '<head><meta charset="utf-8">',
        f"<title>{html.escape(content.title)}</title>",
        f"<style>{_CSS}</style></head>",
        "<body>",
        f"<h1>{html.escape(content.title)}</h1>",
        *(_html_summary(line, content) for line in _settings_lines(content)),
        *_html_sections(content.sections),
        "<h2>Comparison</h2>",
        *_html_rows(content),
        "<h2>Runs that learned nothing</h2>",
        *_html_learned_nothing(content),
        "<h2>Plots</h2>",
        *_html_plots(content),
        "<h2>Runs</h2>",
        *_html_runs(content),
        "<h2>Configuration</h2>",
        f"<p>{html.escape(content.config_origin)}</p>",
        *_html_config_tables(content),
        "<details><summary>The same as JSON</summary>",
        f"<pre>{html.escape(content.config_text)}</pre></details>",
        "<h2>Problems</h2>",
        problems,
        "</body>",
        "</html>",
    ]
    return "\n".join(parts) + "\n"


# -- Markdown ----------------------------------------------------------------------------


def _md_escape(text: str) -> str:
    """Escape the characters that would break a Markdown table cell.

    >>> _md_escape("a|b_c")
    'a\\\\|b\\\\_c'
    """
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("_", "\\_").replace("*", "\\*")


def _md_table(headers: Sequence[tuple[str, bool]], body: Sequence[Sequence[str]], unit: str) -> str:
    head = "| " + " | ".join(_md_escape(name.format(unit=unit)) for name, _ in headers) + " |"
    rule = "|" + "|".join("---:" if right else "---" for _, right in headers) + "|"
    lines = [head, rule]
    lines += ["| " + " | ".join(_md_escape(cell) for cell in cells) + " |" for cells in body]
    return "\n".join(lines)


def _red(text: str) -> str:
    return f'<span style="color:#d62728">**{text}**</span>'


def render_markdown(content: ReportContent, images: Mapping[str, str]) -> str:
    """The report as Markdown, linking each plot as an image file.

    Args:
        content: from :func:`genoenc.report.build_report`.
        images: plot name -> the image's path relative to the Markdown file.

    Returns:
        The Markdown text.
    """
    lines = [f"# {content.title}", "", *_settings_lines(content), ""]
    for section in content.sections:
        lines += [f"## {section.title}", ""]
        for text in section.paragraphs:
            lines += [text, ""]
        for table in section.tables:
            lines += [_md_table(table.headers, table.rows, ""), ""]
            lines += [table.caption, ""] if table.caption else []
    lines += ["## Comparison", ""]
    if not content.rows:
        lines += ["No comparison: no condition holds two arms (see Problems).", ""]
    for unit in _units(content.rows):
        rows = [row for row in content.rows if row.unit == unit]
        lines += [_md_table(_ROW_HEADERS, [_row_cells(row) for row in rows], unit), ""]
        lines += [_legend(content, unit, rows), ""]
    lines += ["## Runs that learned nothing", ""]
    flagged = [run for run in content.runs if run.learned_nothing]
    lines += [
        f"- {_red('learned nothing')}: `{content.display_path(run)}` ({run.strategy}, ratio "
        f"{run.ratio}, seed {run.seed}): {format_number(run.value)} {run.unit}, "
        f"{_flagged_against(run)}"
        for run in flagged
    ] or [f"None: {_NOT_FLAGGED}"]
    lines += ["", _FLAG_MEANING] if flagged else []
    lines += ["", "## Plots", ""]
    for group in content.groups:
        if not group.plots:
            continue
        lines += [f"### {group.label}", ""]
        for plot in group.plots:
            lines += [f"![{plot.title}]({images[plot.name]})", "", f"*{plot.caption}*", ""]
    lines += ["## Runs", ""]
    for unit in _units(content.runs):
        runs = [run for run in content.runs if run.unit == unit]
        body = [_run_cells(run, content) for run in runs]
        for cells, run in zip(body, runs, strict=True):
            if run.learned_nothing:
                cells[-1] = "LEARNED NOTHING"
        lines += [_md_table(_RUN_HEADERS, body, unit), ""]
    lines += ["## Configuration", "", content.config_origin, ""]
    for table in content.config_tables:
        lines += [_md_table(table.headers, table.rows, ""), ""]
        lines += [table.caption, ""] if table.caption else []
    lines += ["The same as JSON:", "", "```json", content.config_text, "```", ""]
    lines += ["## Problems", ""]
    lines += [f"- {p}" for p in content.problems] or ["None."]
    return "\n".join(lines) + "\n"
