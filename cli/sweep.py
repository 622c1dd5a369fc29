"""``genoenc sweep``: a grid of runs into one folder; rerun to finish an interrupted sweep."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from ._options import OptionError, input_options, run_options, run_overrides
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
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Worker processes, one torch thread each; each (dataset, tokenizer, seed) chain "
    "of runs goes to one worker.",
)
@click.option("--dry-run", is_flag=True, help="List the cells and their status; run nothing.")
def sweep(
    grid_file: str | None,
    strategies: tuple[str, ...] | None,
    ratios: tuple[int, ...] | None,
    seeds: str | None,
    tokenizers: tuple[dict[str, int], ...] | None,
    out: str,
    jobs: int,
    dry_run: bool,
    **kw: Any,
) -> None:
    """Run strategies x ratios x seeds x tokenizers (x datasets) as paired runs."""
    import logging

    from genoenc.train import load_config_file
    from genoenc.train.sweep import cell_status, load_grid, plan_sweep, run_sweep

    logger = logging.getLogger("genoenc")
    _refuse_singular(kw, tokenizers_given=bool(tokenizers))
    data: dict[str, Any] = load_config_file(grid_file) if grid_file else {}
    overrides = run_overrides(kw)
    inputs: dict[str, Any] = {k: overrides.pop(k) for k in ("reader", "tokens") if k in overrides}
    if inputs and not data.get("datasets"):
        # Named after the input (``lambda_virus``), so reports label conditions by genome.
        data["datasets"] = {_dataset_name(Path(out), inputs): inputs}
    elif inputs:
        raise OptionError("the grid names its datasets; give inputs there, not as options")
    if strategies:
        data["strategies"] = list(strategies)
    if ratios:
        data["ratios"] = list(ratios)
    if seeds:
        data["seeds"] = _seeds(seeds)
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

    from genoenc.train import RunConfig, merge_config

    def announce(index: int, total: int, cell: Any, status: str) -> None:
        verb = {"done": "done, skipped", "partial": "resuming", "todo": "starting"}[status]
        logger.info("[%d/%d] %s: %s", index, total, cell.name, verb)
        cfg = merge_config(RunConfig(), cell.overrides)
        progress.tokens_per_step = cfg.train.batch_size * cfg.window.context

    try:
        with progress_reporter("run") as progress:
            run_sweep(grid, Path(out), progress=progress, on_cell=announce, jobs=jobs)
    except KeyboardInterrupt:
        click.echo(f"interrupted: run the same command again to finish {out}", err=True)
        sys.exit(130)
    click.echo(f"sweep      {out}: {len(cells)} runs finished")


# Options of one run that a grid replaces by an axis: refused, never silently ignored.
_AXES = {
    "strategy": "--strategies",
    "ratio": "--ratios",
    "seed": "--seeds",
}


def _refuse_singular(kw: dict[str, Any], *, tokenizers_given: bool) -> None:
    """Refuse the options of `genoenc train` a sweep cannot honour, naming what to use."""
    for option, axis in _AXES.items():
        if kw.get(option) is not None:
            flag = "--" + option.replace("_", "-")
            raise OptionError(
                f"{flag}: a sweep takes the grid axis {axis} (comma-separated), "
                f"e.g. {axis} {kw[option]}"
            )
    if kw.get("source_run"):
        raise OptionError("--source-run: a sweep trains the full arm itself; drop the option")
    if tokenizers_given:
        for option in ("k", "stride"):
            if kw.get(option) is not None:
                raise OptionError(f"--{option}: give k and stride in --tokenizers (k:stride items)")


def _dataset_name(out: Path, inputs: dict[str, Any]) -> str:
    """The dataset's name in cell paths and reports: the input files' stems.

    A sweep folder started under the old name ``data`` keeps it, so it resumes.
    """
    import json

    from genoenc.rundir import input_stem

    try:
        old = json.loads((out / "sweep.json").read_text())["grid"]["datasets"]
        if list(old) == ["data"] and old["data"] == json.loads(json.dumps(inputs)):
            return "data"
    except (OSError, ValueError, KeyError, TypeError):
        pass
    paths = [inputs["tokens"]] if inputs.get("tokens") else []
    reader = inputs.get("reader", {})
    for key in ("fasta", "bam", "cram", "fastq", "text"):
        paths += list(reader.get(key, ()))
    return "+".join(dict.fromkeys(input_stem(path) for path in paths)) or "data"


def _seeds(text: str) -> int | list[int]:
    """``--seeds``: a count (``3``: seeds 0, 1, 2) or a comma-separated list (``2,`` is
    seed 2 alone); anything else is one line naming the option."""
    items = [item.strip() for item in text.split(",")]
    try:
        if len(items) == 1:
            return int(items[0])
        return [int(item) for item in items if item]
    except ValueError:
        raise OptionError(
            f"--seeds takes a count or a comma-separated list of integers (got {text!r})"
        ) from None
