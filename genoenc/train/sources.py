"""From a run config to a replayable stream of framed token ids."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from genoenc.data import OpenPieces, store_pieces
from genoenc.errors import ConfigError
from genoenc.io import describe_inputs, read_inputs
from genoenc.store import TokenStore

from .config import RunConfig

__all__ = ["domain_of", "open_piece_source", "source_descriptions"]


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

    def open_pieces() -> Iterator[tuple[str, np.ndarray]]:
        chunks = read_inputs(cfg.reader, alphabet=tokenizer.alphabet)
        for chunk, ids in tokenizer.encode_chunks(chunks):
            yield chunk.name, ids

    return open_pieces


def source_descriptions(cfg: RunConfig) -> list[dict[str, Any]]:
    """Provenance of the inputs (path, kind, bytes, sha256)."""
    if cfg.tokens:
        return list(TokenStore.open(cfg.tokens).sources)
    return describe_inputs(cfg.reader)


def domain_of(cfg: RunConfig) -> str:
    """``"text"`` for text tokenizers, else ``"genome"``."""
    return "text" if cfg.tokenizer.kind != "dna" else "genome"
