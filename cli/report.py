"""``genoenc report``: Markdown + self-contained HTML report of a sweep, with plots."""

from __future__ import annotations

import click

from ._defaults import package_defaults
from ._options import margin_option
from ._output import STDOUT, reserve_stdout, write_once


@package_defaults
@click.command()
@click.argument("sweep", nargs=-1, required=True, type=click.Path(exists=True, file_okay=False))
@click.option(
    "-o",
    "--out",
    default="report.html",
    show_default=True,
    type=click.Path(dir_okay=False, allow_dash=True),
    help="HTML file to write; the Markdown twin and its PNG plots go next to it "
    "('-': the self-contained HTML alone to stdout).",
)
@margin_option
@click.option("--title", help="Heading of the report [genoenc report: SWEEP].")
def report(sweep: tuple[str, ...], out: str, margin: float | None, title: str | None) -> None:
    """Write a report of the finished runs in SWEEP (sweep folders or run directories)."""
    from genoenc.compare import CompareConfig
    from genoenc.report import ReportConfig, build_report, render_html, write_report

    if out.lower().endswith(".md"):
        raise click.BadParameter(
            "name the HTML file; the Markdown twin gets its stem", param_hint="'-o'"
        )
    config = ReportConfig(
        compare=CompareConfig() if margin is None else CompareConfig(margin=margin), title=title
    )
    if out == STDOUT:  # the self-contained HTML alone on stdout; no Markdown, no PNGs
        reserve_stdout()
        content = build_report(sweep, config)
        write_once(STDOUT, render_html(content))
    else:
        files = write_report(sweep, out, config)
        content = files.content
        click.echo(
            f"report     {files.html} (self-contained), {files.markdown} "
            f"+ {len(files.images)} PNG plots"
        )
    err = out == STDOUT
    flagged = sum(1 for run in content.runs if run.learned_nothing)
    click.echo(
        f"contents   {len(content.runs):,} runs ({flagged:,} flagged learned_nothing), "
        f"{len(content.rows):,} comparisons, {len(content.problems):,} problems",
        err=err,
    )
    for problem in content.problems:
        click.echo(f"note: {problem}", err=err)
