"""``genoenc baseline``: order-0 and order-k Markov bits per base on the run's split."""

from __future__ import annotations

from typing import Any

import click

from ._defaults import package_defaults
from ._options import input_options, run_overrides
from ._output import STDOUT, reserve_stdout, write_once
from ._types import PackageChoice


@package_defaults
@click.command()
@input_options
@click.option(
    "--tokenizer",
    "tokenizer_kind",
    type=PackageChoice("genoenc.tokenize.config", "TOKENIZER_KINDS"),
    help="Tokenizer: dna (k-mers), text (char, byte, word, bpe) or ids [{tokenizer.kind}].",
)
@click.option("--vocab-size", type=int, help="Text vocabulary size, fitted on the train split.")
@click.option(
    "--lowercase/--no-lowercase",
    default=None,
    help="Lowercase text first [{tokenizer.lowercase}].",
)
@click.option("--k", type=int, help="k-mer length of the tokenization [{tokenizer.k}].")
@click.option("--stride", type=int, help="k-mer stride [k].")
@click.option(
    "--context",
    type=int,
    help="Window length [{window.context}; {KMER_CONTEXT} for non-overlapping k-mers].",
)
@click.option("--eval-tokens", type=int, help="Cap on test targets.")
@click.option("--block-tokens", type=int, help="Split block size in tokens [{split.block_tokens}].")
@click.option("--max-order", type=int, help="Highest Markov order tried [{train.markov_max_k}].")
@click.option(
    "--json",
    "json_out",
    type=click.Path(dir_okay=False, allow_dash=True),
    help="Write the result here as JSON ('-': stdout, the table then goes to stderr).",
)
def baseline(max_order: int | None, json_out: str | None, **kw: Any) -> None:
    """Reference bits per base or per character (uniform, order-0, best Markov) on the
    test split of the same data a run with these options would train on."""
    import json

    from genoenc.train import RunConfig, merge_config
    from genoenc.train.scoring import baseline as run_baseline

    if json_out == STDOUT:
        reserve_stdout()
    overrides = run_overrides(kw)
    if max_order is not None:
        overrides.setdefault("train", {})["markov_max_k"] = max_order
    cfg = merge_config(RunConfig(), overrides)
    if not (cfg.tokens or cfg.reader.has_inputs):
        raise click.UsageError("give an input: --fasta, --bam, --cram, --fastq, --text or --tokens")
    result = run_baseline(cfg)
    if json_out:
        write_once(json_out, json.dumps(result, indent=2) + "\n")
    # With --json -, stdout carries the JSON alone; the table goes to stderr.
    to_stderr = json_out == STDOUT

    def echo(line: str) -> None:
        click.echo(line, err=to_stderr)

    ref = result["reference"]
    unit = "bits/" + result["unit"]
    echo(f"{'reference':<22}{unit:>10}")
    echo(f"{'uniform':<22}{ref['uniform_bits']:>10.4f}")
    echo(f"{'order-0':<22}{ref['order0_bits']:>10.4f}")
    for k, bits in ref["markov_val_bits"].items():
        echo(f"{'Markov k=' + k + ' (val)':<22}{bits:>10.4f}")
    echo(f"{'Markov k=' + str(ref['markov_order']) + ' (test)':<22}{ref['markov_bits']:>10.4f}")
    for command, value in result.get("compressors", {}).items():
        echo(f"{command + ' (test)':<22}{value['bits_per_base']:>10.4f}")
