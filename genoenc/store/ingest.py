"""``tokenize_inputs`` (what ``genoenc tokenize INPUT... -o STORE`` does) and ``write_id_store``."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from genoenc.errors import SequenceCharError
from genoenc.io import InputDigests, ReaderConfig, describe_inputs, read_inputs
from genoenc.store.store import TokenStore
from genoenc.store.write import check_destination, write_store
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

    The destination is checked first, then the inputs are read, tokenized and written
    in one streaming pass, which also hashes them for provenance (``describe_inputs``).

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
    logger.info("tokenizing %s with %r into %s", reader_cfg.label, tokenizer, out)
    # One pass over each FASTA/text file: it is hashed (provenance) as it is read.
    # Every byte is checked once, by the tokenizer's translation (a table lookup, then
    # a memchr for the invalid marker), not also by the readers' alphabet check: that
    # second pass over the sequence cost a fifth of the run (issue 13).
    # A tokenizer with a byte map (DNA) has the FASTA reader map the bytes as it drops
    # line breaks: one bytes.translate instead of a replace and a translate.
    digests = InputDigests()
    byte_map = getattr(tokenizer, "byte_map", None)
    chunks = read_inputs(reader_cfg, digests=digests, byte_map=byte_map)
    try:
        return write_store(
            out,
            chunks,
            tokenizer,
            lambda: describe_inputs(reader_cfg, digests),
            overwrite=overwrite,
            progress=progress,
        )
    except SequenceCharError as error:
        if error.offset is not None:
            raise
        # The tokenizer knows the record and position, not the byte in the file: read
        # the inputs again with the readers' check, which names file, record and byte.
        for _ in read_inputs(reader_cfg, alphabet=tokenizer.alphabet):
            pass
        raise


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
