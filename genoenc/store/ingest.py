"""``tokenize_inputs`` (what ``genoenc tokenize INPUT... -o STORE`` does) and ``write_id_store``."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from genoenc.io import ReaderConfig, describe_inputs, read_inputs
from genoenc.store.store import TokenStore, check_destination, write_store
from genoenc.tokenize import TokenizerConfig, build_tokenizer, id_chunks

__all__ = ["tokenize_inputs", "write_id_store"]

logger = logging.getLogger(__name__)


def tokenize_inputs(
    reader_cfg: ReaderConfig,
    tokenizer_cfg: TokenizerConfig,
    out: str | os.PathLike[str],
    overwrite: bool = False,
    *,
    progress: Callable[[int], None] | None = None,
) -> TokenStore:
    """Read every input of ``reader_cfg``, tokenize it and write a token store at ``out``.

    The destination is checked first, then the inputs are hashed for provenance
    (``describe_inputs``), then read and written in one streaming pass.

    Args:
        reader_cfg: The inputs.
        tokenizer_cfg: The tokenizer (its config is recorded in the store).
        out: The store folder to create.
        overwrite: Replace an existing store at ``out``.
        progress: Called with the sequence bytes of each chunk once written.

    Returns:
        The new store, opened.

    Raises:
        GenoencError: A bad input (named with file, record and byte offset), or a
            destination that exists (without ``overwrite``) or is not a store.
    """
    tokenizer = build_tokenizer(tokenizer_cfg)
    check_destination(out, overwrite=overwrite)
    sources = describe_inputs(reader_cfg)
    logger.info("tokenizing %d input file(s) with %r into %s", len(sources), tokenizer, out)
    chunks = read_inputs(reader_cfg, alphabet=tokenizer.alphabet)
    return write_store(out, chunks, tokenizer, sources, overwrite=overwrite, progress=progress)


def write_id_store(
    path: str | os.PathLike[str],
    records: Sequence[np.ndarray],
    vocab_size: int,
    *,
    names: Sequence[str] | None = None,
    sources: Sequence[Mapping[str, Any]] = (),
    overwrite: bool = False,
) -> TokenStore:
    """Write synthetic symbol records (ids ``0 .. vocab_size - 1``) as a token store.

    The store's tokenizer is ``TokenizerConfig(kind="ids", vocab_size=vocab_size)``:
    store ids are the symbols, then START, END, PAD. Train on it with
    ``RunConfig(tokens=path, tokenizer=TokenizerConfig(kind="ids", vocab_size=...))``
    (``genoenc train --tokens STORE --tokenizer ids --vocab-size V``).

    Args:
        path: The store folder to create.
        records: One non-empty 1-D integer array per record.
        vocab_size: Number of symbols ``V``.
        names: Record names (default ``seq0``, ``seq1``, ...).
        sources: Provenance to record (e.g. the source's name, seed and parameters).
        overwrite: Replace an existing store at ``path``.

    Returns:
        The new store, opened.

    Raises:
        GenoencError: A record holds an id ``>= vocab_size`` (InputError naming the
            record and position), or the destination cannot be written.
    """
    tokenizer = build_tokenizer(TokenizerConfig(kind="ids", vocab_size=vocab_size))
    if names is not None and len(names) != len(records):
        raise ValueError(f"{len(names)} names for {len(records)} records")
    chunks = id_chunks(records, names=names, path=os.fspath(path))
    return write_store(path, chunks, tokenizer, list(sources), overwrite=overwrite)
