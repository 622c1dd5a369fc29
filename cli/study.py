"""``genoenc study NAME --out DIR``: a seed-paper study preset, run and reported."""

from __future__ import annotations

import sys
from typing import Any

import click

from ._progress import progress_reporter


@click.command()
@click.argument("name", required=False)
@click.option("--out", type=click.Path(file_okay=False), help="Study folder (created).")
@click.option(
    "--seeds",
    type=click.IntRange(min=1),
    help="Training seeds 0..N-1 [10; --quick: 2].",
)
@click.option("--quick", is_flag=True, help="Few seeds and tokens (minutes); labelled QUICK.")
@click.option("--list", "list_", is_flag=True, help="List the presets and exit.")
@click.option(
    "--data-seed",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Seed of the sampled synthetic data.",
)
@click.option(
    "--genome",
    type=click.Path(dir_okay=False),
    help="FASTA of the genome study [the bundled E. coli sample].",
)
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    help="Worker processes, one torch thread each [one per available core].",
)
@click.option(
    "--threads",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Torch threads per worker.",
)
@click.option(
    "--report-only", is_flag=True, help="Rewrite the report from the finished runs; train nothing."
)
def study(
    name: str | None,
    out: str | None,
    seeds: int | None,
    quick: bool,
    list_: bool,
    data_seed: int,
    genome: str | None,
    jobs: int | None,
    threads: int,
    report_only: bool,
) -> None:
    """Run the seed-paper study NAME (see --list) into --out and write its report."""
    import logging

    from genoenc.studies.presets import STUDIES, get_study

    if list_:
        width = max(len(n) for n in STUDIES)
        for spec in STUDIES.values():
            click.echo(f"{spec.name:<{width}}  {spec.runs_per_seed:>3} runs/seed  {spec.title}")
        return
    if name is None:
        raise click.UsageError("name a study (genoenc study --list shows them)")
    if name not in STUDIES:
        raise click.BadParameter(
            f"unknown study {name!r} (known: {', '.join(STUDIES)})", param_hint="'NAME'"
        )
    if out is None:
        raise click.UsageError("give --out DIR (the study folder)")
    if report_only:
        from genoenc.studies.report import write_study_report

        files = write_study_report(out)
        click.echo(f"report     {files.html}, {files.markdown}")
        return

    from genoenc.studies.runner import run_study

    spec = get_study(name)
    logger = logging.getLogger("genoenc")

    def announce(index: int, total: int, cell: Any, status: str) -> None:
        verb = {"done": "done, skipped", "partial": "resuming", "todo": "starting"}[status]
        logger.info("[%d/%d] %s: %s", index, total, cell.name, verb)

    try:
        with progress_reporter("run") as progress:
            result = run_study(
                spec,
                out,
                quick=quick,
                seeds=seeds,
                data_seed=data_seed,
                genome=genome,
                jobs=jobs,
                threads=threads,
                progress=progress,
                on_cell=announce,
            )
    except KeyboardInterrupt:
        click.echo(f"interrupted: run the same command again to finish {out}", err=True)
        sys.exit(130)
    mode = "QUICK study" if quick else "study"
    click.echo(
        f"{mode:<10} {name}: {result.cells:,} runs ({result.ran:,} trained now) "
        f"in {result.seconds / 60:.1f} min"
    )
    click.echo(f"report     {result.report_html}, {result.report_markdown}")
