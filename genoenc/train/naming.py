"""Default run names."""

from __future__ import annotations

from pathlib import Path

from .config import RunConfig

__all__ = ["run_name"]


def run_name(cfg: RunConfig) -> str:
    """A readable default name: input stem, tokenizer, strategy, ratio and seed.

    >>> from genoenc.io import ReaderConfig
    >>> run_name(RunConfig(reader=ReaderConfig(fasta=("data/ecoli.fna.gz",))))
    'ecoli-k1s1-learned-r4-seed0'
    """
    inputs = (
        [cfg.tokens]
        if cfg.tokens
        else [
            *cfg.reader.fasta,
            *cfg.reader.bam,
            *cfg.reader.cram,
            *cfg.reader.fastq,
            *cfg.reader.text,
        ]
    )
    stem = Path(str(inputs[0])).name.split(".")[0] if inputs else "run"
    stem = "stdin" if inputs and str(inputs[0]) == "-" else stem  # '-': standard input
    tok = cfg.tokenizer
    stride = tok.stride if tok.stride is not None else tok.k
    ratio = 1 if cfg.encoder.strategy == "full" else cfg.encoder.ratio
    return f"{stem}-k{tok.k}s{stride}-{cfg.encoder.strategy}-r{ratio}-seed{cfg.train.seed}"
