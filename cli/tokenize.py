"""``genoenc tokenize``: write a token store once, for many epochs at memory speed."""

from __future__ import annotations

from typing import Any

import click

from ._defaults import package_defaults
from ._options import input_options, reader_overrides
from ._types import PackageChoice


@package_defaults
@click.command()
@input_options
@click.option(
    "--tokenizer",
    "kind",
    type=PackageChoice("genoenc.tokenize.config", "STORE_KINDS"),
    help="dna (k-mers) or byte (UTF-8 text) [{tokenizer.kind}]. Char, word and BPE "
    "vocabularies are fitted on a run's train split, so those runs read --text directly.",
)
@click.option("--k", type=int, help="k-mer length [{tokenizer.k}].")
@click.option("--stride", type=int, help="1 (overlapping) or k [k].")
@click.option("-o", "--out", required=True, type=click.Path(file_okay=False), help="Store folder.")
@click.option("--overwrite", is_flag=True, help="Replace an existing store.")
def tokenize(
    kind: str | None, k: int | None, stride: int | None, out: str, overwrite: bool, **kw: Any
) -> None:
    """Tokenize the inputs into a memory-mapped token store."""
    from genoenc.io import ReaderConfig
    from genoenc.store import tokenize_inputs
    from genoenc.tokenize import TokenizerConfig

    reader = ReaderConfig(**reader_overrides(kw))
    if not reader.has_inputs:
        raise click.UsageError("give an input: --fasta, --bam, --cram, --fastq or --text")
    defaults = TokenizerConfig()
    kind = defaults.kind if kind is None else kind
    if reader.text and kind == "dna":
        raise click.UsageError("--text needs a text tokenizer: --tokenizer byte")
    config = TokenizerConfig(kind=kind, k=defaults.k if k is None else k, stride=stride)
    store = tokenize_inputs(reader, config, out, overwrite=overwrite)
    click.echo(f"store      {out}")
    click.echo(f"records    {len(store.records):,}")
    click.echo(f"tokens     {store.n_tokens:,} ({store.tokens.dtype})")
