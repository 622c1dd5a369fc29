"""``genoenc eval``: score a finished run on other data."""

from __future__ import annotations

from typing import Any

import click

from ._options import input_options, run_overrides
from ._output import STDOUT, reserve_stdout, write_once
from ._types import PackageChoice


@click.command("eval")
@click.argument("run", type=click.Path(file_okay=False))
@input_options
@click.option("--eval-tokens", type=int, help="Cap on scored targets [the run's].")
@click.option(
    "--device",
    type=PackageChoice("genoenc.train.config", "DEVICES"),
    default="auto",
    show_default=True,
)
@click.option(
    "--json",
    "json_out",
    type=click.Path(dir_okay=False, allow_dash=True),
    help="Write the result here as JSON ('-': stdout, the summary then goes to stderr).",
)
def eval_(run: str, eval_tokens: int | None, device: str, json_out: str | None, **kw: Any) -> None:
    """Score the trained RUN on other data (for example another genome)."""
    import json

    from genoenc.train import RunConfig, merge_config
    from genoenc.train.scoring import evaluate_run

    if json_out == STDOUT:
        reserve_stdout()

    other = merge_config(RunConfig(), run_overrides(kw))
    if not (other.tokens or other.reader.has_inputs):
        raise click.UsageError(
            "give the data to score: --fasta, --bam, --fastq, --text or --tokens"
        )
    result = evaluate_run(run, other, eval_tokens=eval_tokens, device=device)
    if json_out:
        write_once(json_out, json.dumps(result, indent=2) + "\n")
    err = json_out == STDOUT  # stdout carries the JSON alone
    test, ref = result["test"], result["reference"]
    unit = result.get("unit", "base")
    bits = test[f"bits_per_{unit}"]
    click.echo(
        f"run        {run} ({result['strategy']}, ratio {result['ratio']}, seed {result['seed']})",
        err=err,
    )
    click.echo(f"data       {', '.join(s['path'] for s in result['sources'])}", err=err)
    click.echo(
        f"test       {bits:.4f} bits/{unit}   accuracy {test['accuracy']:.4f}   "
        f"{test['targets']:,} targets",
        err=err,
    )
    click.echo(
        f"reference  order-0 {ref['order0_bits']:.4f}   Markov k={ref['markov_order']} "
        f"{ref['markov_bits']:.4f} bits/{unit} (fitted on the run's training data)",
        err=err,
    )
