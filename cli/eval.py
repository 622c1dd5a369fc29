"""``genoenc eval``: score a finished run on other data."""

from __future__ import annotations

from typing import Any

import click

from ._options import input_options, run_overrides


@click.command("eval")
@click.argument("run", type=click.Path(file_okay=False))
@input_options
@click.option("--eval-tokens", type=int, help="Cap on scored targets [the run's].")
@click.option(
    "--device", type=click.Choice(["auto", "cpu", "cuda", "mps"]), default="auto", show_default=True
)
@click.option("--json", "json_out", type=click.Path(dir_okay=False), help="Write the result here.")
def eval_(run: str, eval_tokens: int | None, device: str, json_out: str | None, **kw: Any) -> None:
    """Score the trained RUN on other data (for example another genome)."""
    from pathlib import Path

    from genoenc.train import RunConfig, merge_config
    from genoenc.train.rundir import atomic_write_json
    from genoenc.train.scoring import evaluate_run

    other = merge_config(RunConfig(), run_overrides(kw))
    if not (other.tokens or other.reader.has_inputs):
        raise click.UsageError(
            "give the data to score: --fasta, --bam, --fastq, --text or --tokens"
        )
    result = evaluate_run(run, other, eval_tokens=eval_tokens, device=device)
    if json_out:
        atomic_write_json(Path(json_out), result)
    test, ref = result["test"], result["reference"]
    unit = result.get("unit", "base")
    bits = test[f"bits_per_{unit}"]
    click.echo(
        f"run        {run} ({result['strategy']}, ratio {result['ratio']}, seed {result['seed']})"
    )
    click.echo(f"data       {', '.join(s['path'] for s in result['sources'])}")
    click.echo(
        f"test       {bits:.4f} bits/{unit}   accuracy {test['accuracy']:.4f}   "
        f"{test['targets']:,} targets"
    )
    click.echo(
        f"reference  order-0 {ref['order0_bits']:.4f}   Markov k={ref['markov_order']} "
        f"{ref['markov_bits']:.4f} bits/{unit} (fitted on the run's training data)"
    )
