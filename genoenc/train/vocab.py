"""The run's tokenizer: built from its config, with text vocabularies fitted on the train split.

Char, word and BPE vocabularies are fitted on the texts of the *train* blocks only.
Text is split on blocks of characters (see :func:`genoenc.tokenize.text_blocks`): the
trainer's piece stream turns text block ``i`` into exactly ``split.block_tokens`` ids
(``encode_blocks``), so block ``i`` of the text is block ``i`` of the data layer and
:func:`genoenc.data.block_splits` (or, under the record rule, the record's listed
split) tells here which texts the data layer will put in train. The vocabulary is saved
as ``RUN/vocab.json`` and reloaded on resume and by ``genoenc eval``.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from genoenc.data import SPLITS, block_splits
from genoenc.errors import ConfigError, InputError
from genoenc.io import read_inputs
from genoenc.tokenize import (
    VOCAB_FILE,
    TextVocab,
    Tokenizer,
    build_tokenizer,
    fit_vocab,
    text_blocks,
)

from .config import RunConfig

__all__ = ["fit_run_vocab", "run_tokenizer", "save_vocab"]

logger = logging.getLogger(__name__)


def _inputs_label(cfg: RunConfig) -> str:
    return ", ".join(cfg.reader.text) or "the inputs"


def fit_run_vocab(cfg: RunConfig) -> TextVocab:
    """Fit ``cfg.tokenizer``'s vocabulary on the train split of the run's text inputs.

    Raises:
        ConfigError: The vocabulary size exceeds the distinct types of the train split.
        InputError: The train split holds no text (too few blocks; lower
            ``--block-tokens``), or an input is unreadable or not UTF-8.
    """
    tok_cfg = cfg.tokenizer
    block_bytes = cfg.split.block_tokens - 2
    blocks = list(text_blocks(read_inputs(cfg.reader), block_bytes, lowercase=tok_cfg.lowercase))
    if cfg.split.by_record:
        keep = [cfg.split.record_split(block.name) == "train" for block in blocks]
    else:
        codes = block_splits(np.arange(len(blocks)), cfg.split)
        keep = (codes == SPLITS.index("train")).tolist()
    texts = [block.text for block, kept in zip(blocks, keep, strict=True) if kept]
    where = _inputs_label(cfg)
    if not texts:
        raise InputError(
            where,
            f"the train split holds none of the {len(blocks)} text blocks; "
            "lower --block-tokens (text is split in blocks of block_tokens - 2 bytes)",
        )
    vocab = fit_vocab(tok_cfg, texts, where=where)
    logger.info(
        "%s: %s vocabulary of %d tokens fitted on %d of %d blocks (train split)",
        where,
        tok_cfg.kind,
        len(vocab),
        len(texts),
        len(blocks),
    )
    return vocab


def run_tokenizer(cfg: RunConfig, run_dir: str | Path | None = None) -> Tokenizer:
    """The tokenizer of a run: ``build_tokenizer`` plus the fitted vocabulary if needed.

    Args:
        cfg: The run config.
        run_dir: The run directory; its ``vocab.json``, when present, is loaded instead
            of fitting again (resume, ``genoenc eval``).

    Raises:
        ConfigError: A DNA-only option with another kind (``train.rc_aug``), text inputs
            with a non-text tokenizer, an ``ids`` run without a token store, a vocabulary
            kind fed from a token store, or a vocabulary size the train split cannot fill.
    """
    tok_cfg = cfg.tokenizer
    if cfg.train.rc_aug and tok_cfg.kind != "dna":
        raise ConfigError(f"train.rc_aug is for DNA only (tokenizer.kind is {tok_cfg.kind!r})")
    if cfg.reader.text and not tok_cfg.is_text:
        raise ConfigError(
            f"--text needs a text tokenizer (--tokenizer char, byte, word or bpe; "
            f"tokenizer.kind is {tok_cfg.kind!r})"
        )
    if tok_cfg.kind == "ids" and not cfg.tokens:
        raise ConfigError(
            "tokenizer.kind 'ids' reads a token store only (--tokens; write one with "
            "genoenc.store.write_id_store)"
        )
    if not tok_cfg.needs_vocab:
        return build_tokenizer(tok_cfg)
    saved = Path(run_dir) / VOCAB_FILE if run_dir is not None else None
    if saved is not None and saved.exists():
        return build_tokenizer(tok_cfg, TextVocab.load(saved))
    if cfg.tokens:
        raise ConfigError(
            f"tokenizer.kind {tok_cfg.kind!r} fits its vocabulary on the train split of "
            "text inputs: give --text, not --tokens"
        )
    return build_tokenizer(tok_cfg, fit_run_vocab(cfg))


def save_vocab(tokenizer: Tokenizer, run_dir: str | Path) -> None:
    """Write the tokenizer's fitted vocabulary to ``RUN/vocab.json`` (no-op without one)."""
    vocab = getattr(tokenizer, "vocab", None)
    if isinstance(vocab, TextVocab):
        vocab.save(Path(run_dir) / VOCAB_FILE)
