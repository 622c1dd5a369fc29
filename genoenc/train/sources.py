"""From a run config to a replayable stream of framed token ids."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from genoenc.data import OpenPieces, Piece, store_pieces
from genoenc.data.read_split import as_piece
from genoenc.errors import ConfigError
from genoenc.io import describe_inputs, local_path, read_inputs
from genoenc.store import TokenStore

from .config import RunConfig

__all__ = ["domain_of", "open_piece_source", "reference_key", "source_descriptions"]


def open_piece_source(cfg: RunConfig, tokenizer: Any) -> OpenPieces:
    """A zero-argument callable that (re)starts the stream of framed store ids.

    A token store is read from its memory map; other inputs are read and tokenized
    as they stream, so nothing reads a whole genome before the first step.
    """
    if cfg.tokens:
        store = TokenStore.open(cfg.tokens)
        if store.tokenizer_config != cfg.tokenizer:
            raise ConfigError(
                f"{cfg.tokens}: the store was written with {store.tokenizer_config}, "
                f"the run asks for {cfg.tokenizer}; pass the matching --k/--stride"
            )
        return store_pieces(store, named=True)

    encode_blocks = getattr(tokenizer, "encode_blocks", None)
    if encode_blocks is not None:
        # Text: every block of text becomes exactly one data-layer block, so the split
        # is decided on the text itself, the same for every text tokenizer (the
        # vocabulary was fitted on the train blocks: see genoenc.train.vocab).
        def open_blocks() -> Iterator[tuple[str, np.ndarray]]:
            yield from encode_blocks(read_inputs(cfg.reader), cfg.split.block_tokens)

        return open_blocks

    def open_pieces() -> Iterator[Piece]:
        chunks = read_inputs(cfg.reader, alphabet=tokenizer.alphabet)
        for chunk, ids in tokenizer.encode_chunks(chunks):
            yield as_piece(chunk, ids)  # reads carry their origin: split by locus (issue 13)

    return open_pieces


def source_descriptions(cfg: RunConfig) -> list[dict[str, Any]]:
    """Provenance of the inputs (path, kind, bytes, sha256)."""
    if cfg.tokens:
        return list(TokenStore.open(cfg.tokens).sources)
    return describe_inputs(cfg.reader)


def domain_of(cfg: RunConfig) -> str:
    """``"genome"`` for DNA, ``"text"`` for text tokenizers, ``"synthetic"`` for ``ids``."""
    if cfg.tokenizer.kind == "dna":
        return "genome"
    return "synthetic" if cfg.tokenizer.kind == "ids" else "text"


def _file_stamps(cfg: RunConfig) -> list[list[Any]]:
    """(path, size, mtime_ns) of every input file, so a changed file changes the key."""
    paths = (
        [cfg.tokens]
        if cfg.tokens
        else [
            *cfg.reader.fasta,
            *cfg.reader.bam,
            *cfg.reader.cram,
            *cfg.reader.fastq,
            *cfg.reader.text,
            *([cfg.reader.bed] if cfg.reader.bed else []),
        ]
    )
    stamps = []
    for path in paths:
        # '-' (standard input, issue 13) is stamped by its copy in a temporary file.
        target = Path(path) / "tokens.bin" if cfg.tokens else Path(local_path(path))
        stat = target.stat()
        stamps.append([str(Path(path).resolve()), stat.st_size, stat.st_mtime_ns])
    return stamps


def reference_key(cfg: RunConfig) -> dict[str, Any]:
    """Everything the references of a run depend on (not the arm, model or seed)."""
    return {
        "kind": "references",
        # Raised when the references gain a field (2: order0_token_bits), so entries
        # cached by an older genoenc are computed again rather than read without it.
        # 3: eval samples drawn across the split, DNA blocks counted in bases.
        # 4: the Markov models' train sample drawn across the train split too.
        "format": 4,
        "inputs": _file_stamps(cfg),
        "reader": dataclasses.asdict(cfg.reader),
        "tokenizer": dataclasses.asdict(cfg.tokenizer),
        "split": dataclasses.asdict(cfg.split),
        "window": dataclasses.asdict(cfg.window),
        "caps": [
            cfg.train.eval_tokens,
            cfg.train.eval_scan_tokens,
            cfg.train.ref_train_tokens,
            cfg.train.markov_max_k,
        ],
    }
