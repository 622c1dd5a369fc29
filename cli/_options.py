"""Options shared by several subcommands, and their mapping onto config sections."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from typing import Any, TypeVar

import click

from ._defaults import package_defaults
from ._types import PackageChoice

__all__ = [
    "OptionError",
    "input_options",
    "margin_option",
    "merge_config_file",
    "option_for_key",
    "reader_overrides",
    "run_options",
    "run_overrides",
]

F = TypeVar("F", bound=Callable[..., Any])
#: What ``click.option(...)`` returns: it adds the option to the function it decorates.
_Decorator = Callable[[Any], Any]

_path = click.Path(dir_okay=False)


class OptionError(click.UsageError):
    """A bad option or config value: one line on stderr, exit 2 (no usage block)."""

    def show(self, file: Any = None) -> None:
        click.echo(f"Error: {self.format_message()}", err=True, file=file)


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


#: ``--margin`` of compare and report: the TOST equivalence margin (None: the package's).
margin_option = click.option(
    "--margin",
    type=click.FloatRange(min=0, min_open=True),
    help="Equivalence margin of the TOST, in bits per base (or per character) [{compare.margin}].",
)


def reader_overrides(kw: dict[str, Any]) -> dict[str, Any]:
    """Reader fields given on the command line (empty tuples and None are 'not given')."""
    fields = ("fasta", "regions", "bed", "bam", "cram", "reference", "fastq", "text")
    return {f: kw[f] for f in fields if kw.get(f) not in (None, ())}


def _encoding_options() -> list[_Decorator]:
    return [
        click.option(
            "--strategy",
            type=PackageChoice("genoenc.encoders.base", "STRATEGIES"),
            help="Encoding strategy [{encoder.strategy}].",
        ),
        click.option("--ratio", type=int, help="Compression ratio d_orig / d_c [{encoder.ratio}]."),
        click.option("--d-orig", type=int, help="Uncompressed encoding width [{encoder.d_orig}]."),
        click.option(
            "--source-table",
            type=PackageChoice("genoenc.encoders.base", "SOURCE_TABLES"),
            help="Table the autoencoder arms compress [{encoder.source_table}].",
        ),
    ]


def _tokenizer_options() -> list[_Decorator]:
    return [
        click.option(
            "--tokenizer",
            "tokenizer_kind",
            type=PackageChoice("genoenc.tokenize.config", "TOKENIZER_KINDS"),
            help="Tokenizer: dna (k-mers), text (char, byte, word, bpe) or ids [{tokenizer.kind}].",
        ),
        click.option(
            "--vocab-size",
            type=int,
            help="Vocabulary size: words ({MIN_WORD_VOCAB}-{MAX_TEXT_VOCAB}) "
            "[{DEFAULT_WORD_VOCAB}, or every word if fewer], BPE tokens [{DEFAULT_BPE_VOCAB}], "
            "characters [all], or ids symbols; fitted on the train split.",
        ),
        click.option(
            "--lowercase/--no-lowercase",
            default=None,
            help="Lowercase text before tokenizing [{tokenizer.lowercase}].",
        ),
        click.option("--k", type=int, help="k-mer length [{tokenizer.k}]."),
        click.option("--stride", type=int, help="k-mer stride: 1 (overlapping) or k [k]."),
        click.option(
            "--context",
            type=int,
            help="Window length in tokens, at least {MIN_CONTEXT} [{window.context}; "
            "{KMER_CONTEXT} for non-overlapping k-mers].",
        ),
    ]


def _model_options() -> list[_Decorator]:
    return [
        click.option(
            "--arch",
            type=PackageChoice("genoenc.models.task", "ARCHS"),
            help="Task model [{model.arch}].",
        ),
        click.option(
            "--d-model",
            type=int,
            help="Task model width [{model.d_model}; {TEXT_D_MODEL} for char and byte].",
        ),
        click.option("--n-layer", type=int, help="Task model layers [{model.n_layer}]."),
        click.option(
            "--dropout",
            type=click.FloatRange(0, 1, max_open=True),
            help="Task model dropout [{model.dropout}; {TEXT_DROPOUT} for word and BPE].",
        ),
        click.option(
            "--head",
            type=PackageChoice("genoenc.models.task", "HEADS"),
            help="Output head: softmax (a row per target id) or chain (non-overlapping "
            "k-mers only: the next k-mer as k base predictions) [{model.head}; "
            "{KMER_HEAD} for non-overlapping k-mers].",
        ),
    ]


def _train_options() -> list[_Decorator]:
    return [
        click.option(
            "--tokens-budget",
            type=int,
            help="Input tokens to train on (the cap under --budget auto) "
            "[{train.tokens_budget}; {TEXT_TOKENS_BUDGET} for char and byte].",
        ),
        click.option(
            "--budget",
            type=PackageChoice("genoenc.train.config", "BUDGETS"),
            help="fixed: train on --tokens-budget (cosine schedule); auto: stop once "
            "validation has stopped improving (warmup-stable-decay; the reason is recorded) "
            "[{train.budget}].",
        ),
        click.option(
            "--eval-tokens", type=int, help="Cap on test targets scored [{train.eval_tokens}]."
        ),
        click.option("--batch-size", type=int, help="Windows per step [{train.batch_size}]."),
        click.option("--lr", type=float, help="Peak learning rate [{train.lr}]."),
        click.option(
            "--seed",
            type=int,
            help="Seed of the model's initialisation, the order of training windows and "
            "reverse-complement draws [{train.seed}]; the split has its own fixed seed "
            "(split.seed in --config).",
        ),
        click.option(
            "--rc-aug/--no-rc-aug",
            default=None,
            help="Reverse-complement augmentation (training only) [{train.rc_aug}].",
        ),
        click.option(
            "--device",
            type=PackageChoice("genoenc.train.config", "DEVICES"),
            help="Device; auto picks CUDA, then MPS, then CPU [{train.device}].",
        ),
    ]


def _split_options() -> list[_Decorator]:
    return [
        click.option(
            "--block-tokens",
            type=int,
            help="Split block size in tokens (hashed train/val/test blocks) "
            "[{split.block_tokens}].",
        ),
        click.option(
            "--threads",
            type=click.IntRange(min=1),
            help="CPU threads for torch [every core this process may use].",
        ),
        click.option("--val-contigs", help="Comma-separated records for validation."),
        click.option("--test-contigs", help="Comma-separated records for test."),
        click.option(
            "--source-run",
            type=click.Path(file_okay=False),
            help="Finished full-arm run whose table the autoencoder compresses.",
        ),
    ]


def run_options(func: F) -> F:
    """Options of one run (train and sweep share them); help shows the package defaults."""
    options = [
        *_encoding_options(),
        *_tokenizer_options(),
        *_model_options(),
        *_train_options(),
        *_split_options(),
    ]
    for option in reversed(options):
        func = option(func)
    return package_defaults(func)


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
    "dropout": ("model", "dropout"),
    "head": ("model", "head"),
    "tokens_budget": ("train", "tokens_budget"),
    "budget": ("train", "budget"),
    "eval_tokens": ("train", "eval_tokens"),
    "batch_size": ("train", "batch_size"),
    "lr": ("train", "lr"),
    "seed": ("train", "seed"),
    "rc_aug": ("train", "rc_aug"),
    "device": ("train", "device"),
    "source_run": ("train", "source_run"),
    "block_tokens": ("split", "block_tokens"),
    "threads": ("train", "threads"),
}


_KEY = re.compile(r"(?<![\w.-])(reader|tokenizer|split|window|encoder|model|train)\.(\w+)\b")


def option_for_key(message: str, offered: Collection[str]) -> str:
    """Put the command-line option before each config key it sets in ``message``.

    >>> option_for_key("lower split.block_tokens", {"--block-tokens"})
    'lower --block-tokens (split.block_tokens)'
    >>> option_for_key("train.markov_max_k must be in 0..16", {"--block-tokens"})
    'train.markov_max_k must be in 0..16'
    """
    keys = {fields: option for option, fields in _RUN_FIELDS.items()}
    keys[("split", "val_records")] = "val_contigs"
    keys[("split", "test_records")] = "test_contigs"
    for field in ("fasta", "regions", "bed", "bam", "cram", "reference", "fastq", "text"):
        keys[("reader", field)] = "region" if field == "regions" else field

    def swap(match: re.Match[str]) -> str:
        option = keys.get((match.group(1), match.group(2)))
        flag = "--" + option.replace("_", "-") if option else None
        if option == "tokenizer_kind":
            flag = "--tokenizer"
        if flag is None or flag not in offered:
            return match.group(0)
        return f"{flag} ({match.group(0)})"

    return _KEY.sub(swap, message)


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


def merge_config_file(cfg: Any, path: str) -> Any:
    """``cfg`` with a YAML/JSON config file merged in; a bad file or value is one line that
    names the file and the key (``c.yaml: train.seed must be an integer, got '1'``), exit 2."""
    from genoenc.errors import ConfigError
    from genoenc.train import load_config_file, merge_config

    try:
        return merge_config(cfg, load_config_file(path))
    except ConfigError as exc:
        message = str(exc)
        if not message.startswith(f"{path}:"):
            message = f"{path}: {message}"
        raise OptionError(message) from None
