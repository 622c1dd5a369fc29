"""``genoenc sweep``: a grid of runs into one folder; rerun to finish an interrupted sweep."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from ._options import input_options, run_options, run_overrides
from ._progress import progress_reporter
from ._types import CommaList, TokenizerList


@click.command()
@input_options
@run_options
@click.option(
    "--grid",
    "grid_file",
    type=click.Path(dir_okay=False),
    help="YAML/JSON grid (base, datasets, tokenizers, strategies, ratios, seeds).",
)
@click.option("--strategies", type=CommaList(str), help="Comma-separated strategies.")
@click.option("--ratios", type=CommaList(int), help="Comma-separated ratios, e.g. 2,4,8.")
@click.option("--seeds", help="Number of seeds (0..N-1) or a comma-separated list.")
@click.option("--tokenizers", type=TokenizerList(), help="k or k:stride items, e.g. 1,6.")
@click.option("--out", required=True, type=click.Path(file_okay=False), help="Sweep folder.")
@click.option("--dry-run", is_flag=True, help="List the cells and their status; run nothing.")
def sweep(
    grid_file: str | None,
    strategies: tuple[str, ...] | None,
    ratios: tuple[int, ...] | None,
    seeds: str | None,
    tokenizers: tuple[dict[str, int], ...] | None,
    out: str,
    dry_run: bool,
    **kw: Any,
) -> None:
    """Run strategies x ratios x seeds x tokenizers (x datasets) as paired runs."""
    import logging

    from genoenc.train import load_config_file
    from genoenc.train.sweep import cell_status, load_grid, plan_sweep, run_sweep

    logger = logging.getLogger("genoenc")
    data: dict[str, Any] = load_config_file(grid_file) if grid_file else {}
    overrides = run_overrides(kw)
    # Strategy and ratio are axes of the grid (--strategies, --ratios), never fixed in its base.
    for axis in ("strategy", "ratio"):
        overrides.get("encoder", {}).pop(axis, None)
    if strategies:
        data["strategies"] = list(strategies)
    if ratios:
        data["ratios"] = list(ratios)
    if seeds:
        data["seeds"] = int(seeds) if "," not in seeds else [int(s) for s in seeds.split(",")]
    if tokenizers:
        data["tokenizers"] = list(tokenizers)
    elif "tokenizer" in overrides and "tokenizers" not in data:
        data["tokenizers"] = [overrides.pop("tokenizer")]
    grid = load_grid(data, overrides)
    cells = plan_sweep(grid, Path(out))
    if dry_run:
        for cell in cells:
            click.echo(f"{cell_status(cell):<8} {cell.name}")
        click.echo(f"{len(cells)} cells")
        return

    def announce(index: int, total: int, cell: Any, status: str) -> None:
        verb = {"done": "done, skipped", "partial": "resuming", "todo": "starting"}[status]
        logger.info("[%d/%d] %s: %s", index, total, cell.name, verb)

    try:
        with progress_reporter("run") as progress:
            run_sweep(grid, Path(out), progress=progress, on_cell=announce)
    except KeyboardInterrupt:
        click.echo(f"interrupted: run the same command again to finish {out}", err=True)
        sys.exit(130)
    click.echo(f"sweep      {out}: {len(cells)} runs finished")
