"""``genoenc train``: one run."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click

from ._options import input_options, merge_config_file, run_options, run_overrides
from ._progress import progress_reporter
from ._types import PackageChoice


@click.command()
@input_options
@run_options
@click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False),
    help="YAML/JSON config (sections reader, tokenizer, split, window, encoder, "
    "model, train); command-line options win.",
)
@click.option("--out", type=click.Path(file_okay=False), help="Run directory [runs/<name>].")
@click.option("--resume", is_flag=True, help="Continue the run in --out from its checkpoint.")
@click.option(
    "--log",
    "log_formats",
    multiple=True,
    type=PackageChoice("genoenc.train.metric_log", "LOG_FORMATS"),
    help="Also write the log as RUN/log.csv and/or TensorBoard events in RUN/tensorboard/ "
    "(beside log.jsonl); repeatable.",
)
def train(
    config_file: str | None,
    out: str | None,
    resume: bool,
    log_formats: tuple[str, ...],
    **kw: Any,
) -> None:
    """Train one run and print bits per base beside the references."""
    from genoenc.train import RunConfig, merge_config, run_name
    from genoenc.train import train as train_run

    cfg = RunConfig()
    if config_file:
        cfg = merge_config_file(cfg, config_file)
    cfg = merge_config(cfg, run_overrides(kw))
    if not (cfg.tokens or cfg.reader.has_inputs):
        raise click.UsageError("give an input: --fasta, --bam, --cram, --fastq, --text or --tokens")
    run_dir = Path(out) if out else Path("runs") / run_name(cfg)
    tokens_per_step = cfg.train.batch_size * cfg.window.context
    with progress_reporter("train", tokens_per_step=tokens_per_step) as progress:
        metrics = train_run(
            cfg,
            run_dir,
            resume=resume,
            progress=progress,
            argv=sys.argv,
            log_formats=log_formats,
        )
    if os.environ.get("RANK", "0") == "0":  # under torchrun, rank 0 alone reports
        _echo_summary(run_dir, metrics)


def _echo_summary(run_dir: Path, m: dict[str, Any]) -> None:
    test, ref = m["test"], m["reference"]
    name = {"text": "char", "synthetic": "symbol"}.get(m["domain"], "base")
    unit, key = f"bits/{name}", f"bits_per_{name}"
    bits, markov = test[key], ref["markov_bits"]
    timing = m.get("timing", {})
    click.echo(f"run        {run_dir}")
    click.echo(
        f"strategy   {m['strategy']} (ratio {m['ratio']}, d_c {m['d_c']}), seed {m['seed']}, "
        f"{m['tokens_seen']:,} tokens in {m['train_seconds']:.0f} s "
        f"({m['tokens_per_second']:,.0f} tokens/s in steps; validation "
        f"{timing.get('val_share', 0.0):.0%} of wall time)"
    )
    click.echo(f"test       {bits:.4f} {unit}   accuracy {test['accuracy']:.4f}")
    no_context = (
        f"{name}-level order-0 {ref['order0_bits']:.4f}"
        if "order0_token_bits" not in ref
        else f"order-0 {ref['order0_bits']:.4f}, k-mer unigram {ref['order0_token_bits']:.4f}"
    )
    click.echo(
        f"reference  uniform {ref['uniform_bits']:.4f}   {no_context}   "
        f"best Markov (order {ref['markov_order']}) {markov:.4f} {unit}"
    )
    if bits < markov:
        verdict = f"beat the best Markov model by {markov - bits:.4f} {unit}"
    else:
        verdict = f"did not beat the best Markov model ({bits - markov:.4f} {unit} above it)"
    gap = m.get("gap_closed")
    gap_text = "" if gap is None else f"; it closed {gap:.0%} of the gap from no context to it"
    click.echo(f"verdict    the model {verdict}{gap_text}")
    click.echo(
        f"params     encoding {m['params']['encoding']:,}   training-only "
        f"{m['params']['training_only']:,}   task model {m['params']['task_model']:,}"
    )
    if m["learned_nothing"]:
        from genoenc.train.references import LEARNED_NOTHING_GAP

        click.secho(
            f"WARNING: learned_nothing: the run closed less than {LEARNED_NOTHING_GAP:.0%} of "
            "the gap between the no-context reference and the best Markov model",
            fg="red",
            err=True,
        )
