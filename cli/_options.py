"""Options shared by several subcommands, and their mapping onto config sections."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

__all__ = ["input_options", "margin_option", "reader_overrides", "run_options", "run_overrides"]

F = TypeVar("F", bound=Callable[..., Any])

_path = click.Path(dir_okay=False)


def input_options(func: F) -> F:
    """--fasta/--region/--bed/--bam/--cram/--reference/--fastq/--text/--tokens."""
    options = [
        click.option(
            "--fasta", multiple=True, type=_path, help="FASTA (plain, gzip or bgzip); repeatable."
        ),
        click.option(
            "--region",
            "regions",
            multiple=True,
            metavar="CHR:START-END",
            help="Region of an indexed FASTA (1-based inclusive); repeatable.",
        ),
        click.option("--bed", type=_path, help="BED file of regions (0-based half-open)."),
        click.option("--bam", multiple=True, type=_path, help="BAM of reads; repeatable."),
        click.option(
            "--cram", multiple=True, type=_path, help="CRAM of reads (needs --reference)."
        ),
        click.option("--reference", type=_path, help="Reference FASTA for CRAM."),
        click.option("--fastq", multiple=True, type=_path, help="FASTQ(.gz) reads; repeatable."),
        click.option("--text", multiple=True, type=_path, help="UTF-8 text file; repeatable."),
        click.option(
            "--tokens",
            "token_store",
            type=click.Path(file_okay=False),
            help="Token store written by `genoenc tokenize`.",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


#: ``--margin`` of compare and report: the TOST equivalence margin.
margin_option = click.option(
    "--margin",
    type=click.FloatRange(min=0, min_open=True),
    default=0.01,
    show_default=True,
    help="Equivalence margin of the TOST, in bits per base (or per character).",
)


def reader_overrides(kw: dict[str, Any]) -> dict[str, Any]:
    """Reader fields given on the command line (empty tuples and None are 'not given')."""
    fields = ("fasta", "regions", "bed", "bam", "cram", "reference", "fastq", "text")
    return {f: kw[f] for f in fields if kw.get(f) not in (None, ())}


def run_options(func: F) -> F:
    """Options of one run (train and sweep share them)."""
    options = [
        click.option(
            "--strategy",
            type=click.Choice(
                [
                    "full",
                    "learned",
                    "autoencoder",
                    "autoencoder-joint",
                    "autoencoder-deep",
                    "autoencoder-vae",
                    "autoencoder-twostage",
                ]
            ),
            help="Encoding strategy [learned].",
        ),
        click.option("--ratio", type=int, help="Compression ratio d_orig / d_c [4]."),
        click.option("--d-orig", type=int, help="Uncompressed encoding width [64]."),
        click.option(
            "--source-table",
            type=click.Choice(["full", "random", "onehot"]),
            help="Table the autoencoder arms compress [full].",
        ),
        click.option(
            "--tokenizer",
            "tokenizer_kind",
            type=click.Choice(["dna", "char", "byte", "word", "bpe", "ids"]),
            help="Tokenizer: dna (k-mers), text (char, byte, word, bpe) or ids [dna].",
        ),
        click.option(
            "--vocab-size",
            type=int,
            help="Vocabulary size: words (50-50,000), BPE tokens [4,096], characters "
            "[all], or ids symbols; fitted on the train split.",
        ),
        click.option(
            "--lowercase/--no-lowercase",
            default=None,
            help="Lowercase text before tokenizing [no].",
        ),
        click.option("--k", type=int, help="k-mer length [1]."),
        click.option("--stride", type=int, help="k-mer stride: 1 (overlapping) or k [k]."),
        click.option("--context", type=int, help="Window length in tokens [256]."),
        click.option("--arch", type=click.Choice(["transformer", "lstm"]), help="Task model."),
        click.option("--d-model", type=int, help="Task model width [64]."),
        click.option("--n-layer", type=int, help="Task model layers [2]."),
        click.option("--tokens-budget", type=int, help="Input tokens to train on [2,000,000]."),
        click.option("--eval-tokens", type=int, help="Cap on test targets scored [524,288]."),
        click.option("--batch-size", type=int, help="Windows per step [16]."),
        click.option("--lr", type=float, help="Peak learning rate [3e-3]."),
        click.option("--seed", type=int, help="Seed of init, split and data order [0]."),
        click.option(
            "--rc-aug/--no-rc-aug",
            default=None,
            help="Reverse-complement augmentation (training only).",
        ),
        click.option(
            "--device",
            type=click.Choice(["auto", "cpu", "cuda", "mps"]),
            help="Device [auto: CUDA, then MPS, then CPU].",
        ),
        click.option(
            "--block-tokens",
            type=int,
            help="Split block size in tokens (hashed train/val/test blocks) [65,536].",
        ),
        click.option("--val-contigs", help="Comma-separated records for validation."),
        click.option("--test-contigs", help="Comma-separated records for test."),
        click.option(
            "--source-run",
            type=click.Path(file_okay=False),
            help="Finished full-arm run whose table the autoencoder compresses.",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


_RUN_FIELDS = {
    "strategy": ("encoder", "strategy"),
    "ratio": ("encoder", "ratio"),
    "d_orig": ("encoder", "d_orig"),
    "source_table": ("encoder", "source_table"),
    "tokenizer_kind": ("tokenizer", "kind"),
    "vocab_size": ("tokenizer", "vocab_size"),
    "lowercase": ("tokenizer", "lowercase"),
    "k": ("tokenizer", "k"),
    "stride": ("tokenizer", "stride"),
    "context": ("window", "context"),
    "arch": ("model", "arch"),
    "d_model": ("model", "d_model"),
    "n_layer": ("model", "n_layer"),
    "tokens_budget": ("train", "tokens_budget"),
    "eval_tokens": ("train", "eval_tokens"),
    "batch_size": ("train", "batch_size"),
    "lr": ("train", "lr"),
    "seed": ("train", "seed"),
    "rc_aug": ("train", "rc_aug"),
    "device": ("train", "device"),
    "source_run": ("train", "source_run"),
    "block_tokens": ("split", "block_tokens"),
}


def run_overrides(kw: dict[str, Any]) -> dict[str, Any]:
    """Map given command-line options onto ``{section: {field: value}}``."""
    overrides: dict[str, Any] = {}
    for option, (section, name) in _RUN_FIELDS.items():
        if kw.get(option) is not None:
            overrides.setdefault(section, {})[name] = kw[option]
    for option, name in (("val_contigs", "val_records"), ("test_contigs", "test_records")):
        if kw.get(option):
            names = tuple(n for n in kw[option].split(",") if n)
            overrides.setdefault("split", {})[name] = names
    reader = reader_overrides(kw)
    if reader:
        overrides["reader"] = reader
    if kw.get("token_store"):
        overrides["tokens"] = kw["token_store"]
    return overrides
