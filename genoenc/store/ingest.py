"""``tokenize_inputs``: what ``genoenc tokenize INPUT... -o STORE`` does."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable

from genoenc.io import ReaderConfig, describe_inputs, read_inputs
from genoenc.store.store import TokenStore, check_destination, write_store
from genoenc.tokenize import TokenizerConfig, build_tokenizer

__all__ = ["tokenize_inputs"]

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
