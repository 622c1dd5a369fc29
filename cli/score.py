"""``genoenc score``: per-base bits of a trained run as a bedGraph or bigWig track."""

from __future__ import annotations

import logging
import time

import click

from ._defaults import package_defaults
from ._types import PackageChoice

logger = logging.getLogger("genoenc")


class _Progress:
    """One log line per interval: targets scored and their rate."""

    def __init__(self, interval: float = 30.0) -> None:
        self.interval = interval
        self.started = self.last = time.monotonic()

    def __call__(self, done: int) -> None:
        now = time.monotonic()
        if now - self.last >= self.interval:
            self.last = now
            rate = done / max(now - self.started, 1e-9)
            logger.info("score: %s targets, %s targets/s", f"{done:,}", f"{rate:,.0f}")


@package_defaults
@click.command("score")
@click.argument("run", type=click.Path(file_okay=False, exists=True))
@click.option(
    "--fasta", required=True, type=click.Path(dir_okay=False), help="FASTA (plain, gzip, bgzip)."
)
@click.option(
    "--region",
    "regions",
    multiple=True,
    metavar="CHR:START-END",
    help="Region of an indexed FASTA (1-based inclusive); repeatable. Each is read as a "
    "record of its own (START + its bases).",
)
@click.option("--bed", type=click.Path(dir_okay=False), help="BED file of regions (0-based).")
@click.option(
    "-o",
    "--out",
    required=True,
    type=click.Path(dir_okay=False),
    help="Track to write: bedGraph, or bigWig when it ends in .bw.",
)
@click.option(
    "--markov",
    is_flag=True,
    help="Also write the run's best Markov model's bits (OUT.markov.*) and the gain, Markov "
    "minus model (OUT.gain.*: positive where context helps).",
)
@click.option(
    "--stride",
    type=click.IntRange(min=1),
    help="Targets newly scored per window [context / 2]: each base sees at least "
    "context - stride tokens before it; stride = context reproduces `genoenc eval`.",
)
@click.option(
    "--batch-size",
    type=click.IntRange(min=1),
    help="Windows per forward pass [{score.batch_size}].",
)
@click.option(
    "--bigwig-zooms",
    type=click.IntRange(min=0, max=10),
    default=10,
    show_default=True,
    help="Zoom levels of a bigWig; libBigWig holds them in memory until the end (about 13 "
    "bytes per base at 10): 0 keeps memory flat.",
)
@click.option(
    "--device",
    type=PackageChoice("genoenc.train.config", "DEVICES"),
    help="Device; auto picks CUDA, then MPS, then CPU [{score.device}].",
)
@click.option("--json", "json_out", type=click.Path(dir_okay=False), help="Write the totals here.")
def score(
    run: str,
    fasta: str,
    regions: tuple[str, ...],
    bed: str | None,
    out: str,
    markov: bool,
    stride: int | None,
    batch_size: int | None,
    bigwig_zooms: int,
    device: str | None,
    json_out: str | None,
) -> None:
    """Per-base bits of the trained RUN over FASTA records or regions, streamed to a track."""
    from pathlib import Path

    from genoenc.rundir import atomic_write_json
    from genoenc.score import ScoreConfig, score_run
    from genoenc.train.device import pick_device

    defaults = ScoreConfig()
    cfg = ScoreConfig(
        stride=stride,
        batch_size=defaults.batch_size if batch_size is None else batch_size,
        device=str(pick_device(defaults.device if device is None else device)),
    )
    result = score_run(
        run,
        fasta,
        out,
        regions=regions,
        bed=bed,
        markov=markov,
        cfg=cfg,
        progress=_Progress(),
        bigwig_zooms=bigwig_zooms,
    )
    if json_out:
        atomic_write_json(Path(json_out), result)
    click.echo(f"tracks     {', '.join(result['tracks'].values())}")
    click.echo(
        f"scored     {result['bases_scored']:,} bases in {len(result['records']):,} records "
        f"(context {result['context']}, stride {result['stride']})"
    )
    line = f"bits/base  model {result['bits_per_base']:.4f}"
    if markov:
        line += f"   Markov k={result['markov_order']} {result['markov_bits_per_base']:.4f}"
    click.echo(line)
