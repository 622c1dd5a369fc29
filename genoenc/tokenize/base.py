"""The ``Tokenizer`` interface every tokenizer implements, and ``build_tokenizer``."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np

from genoenc.errors import ConfigError
from genoenc.tokenize.config import TokenizerConfig
from genoenc.tokenize.dna import KmerTokenizer
from genoenc.tokenize.ids import IdTokenizer
from genoenc.tokenize.text import TextVocab, build_text_tokenizer

if TYPE_CHECKING:
    from genoenc.io import Chunk

__all__ = ["Tokenizer", "build_tokenizer"]


@runtime_checkable
class Tokenizer(Protocol):
    """Bytes in, integer ids out; the contract between readers, the store and training.

    Three id spaces: *store* ids (what a token store and a stream of pieces hold),
    *input* ids (what the encoder embeds) and *target* ids (what the model predicts).
    Target ids are store ids in every tokenizer, so the special ids serve both.
    Shapes: a window is ``(..., history + T + 1)`` store ids; inputs and targets are
    ``(..., T)`` int64.

    Bits per unit (per base for DNA, per character for text, per symbol for ``ids``)
    is one formula for every tokenizer: ``sum(bits[counted]) / sum(units[counted])``
    with ``counted = counted(targets)`` and ``units = units(targets)``.
    """

    @property
    def config(self) -> TokenizerConfig:
        """The config the tokenizer was built from."""

    @property
    def alphabet(self) -> bytes:
        """Every byte a sequence may hold (readers reject others with a byte offset)."""

    @property
    def store_vocab_size(self) -> int:
        """Number of store ids."""

    @property
    def store_dtype(self) -> np.dtype[Any]:
        """The uint dtype of store ids (uint8, uint16 or uint32)."""

    @property
    def input_vocab_size(self) -> int:
        """Number of input ids (the encoder's vocabulary)."""

    @property
    def target_vocab_size(self) -> int:
        """Number of target ids (the model head's width)."""

    @property
    def unit_name(self) -> str:
        """What bits per unit counts: ``"base"``, ``"char"`` or ``"symbol"``."""

    @property
    def history(self) -> int:
        """Store ids a window needs before its first input."""

    @property
    def start_id(self) -> int:
        """The START id in store/target space."""

    @property
    def end_id(self) -> int:
        """The END id in store/target space."""

    @property
    def pad_id(self) -> int:
        """The PAD id in store/target space."""

    def encode(self, seq: bytes) -> np.ndarray:
        """Unframed store ids of one sequence, shape ``(n,)``."""

    def encode_chunks(self, chunks: Iterable[Chunk]) -> Iterator[tuple[Chunk, np.ndarray]]:
        """Framed store ids (START ... END per record), one array per chunk."""

    def decode(self, ids: np.ndarray) -> bytes:
        """Sequence bytes of store ids (inverse of :meth:`encode` on in-vocabulary input)."""

    def inputs_targets(self, windows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(inputs, targets)``, int64 ``(..., T)`` each, of store-id windows."""

    def scored(self, targets: np.ndarray) -> np.ndarray:
        """bool mask of targets that count in the loss (never START or PAD)."""

    def counted(self, targets: np.ndarray) -> np.ndarray:
        """bool mask of scored targets whose bits count towards bits per unit."""

    def units(self, targets: np.ndarray) -> np.ndarray:
        """Units (bases, characters, symbols) each target stands for; 0 if not counted."""

    def reverse_complement(self, windows: np.ndarray) -> np.ndarray:
        """Store-id windows read from the other strand (DNA; others raise ConfigError)."""


def build_tokenizer(cfg: TokenizerConfig, vocab: TextVocab | None = None) -> Tokenizer:
    """The tokenizer a config describes.

    Args:
        cfg: The tokenizer config.
        vocab: The vocabulary fitted on the train split, required by the ``char``,
            ``word`` and ``bpe`` kinds (see :func:`genoenc.tokenize.fit_vocab`).

    Returns:
        A :class:`Tokenizer`: :class:`~genoenc.tokenize.KmerTokenizer` for ``"dna"``,
        :class:`~genoenc.tokenize.IdTokenizer` for ``"ids"``, a text tokenizer otherwise.

    Raises:
        ConfigError: A vocabulary is needed and not given, or does not match ``cfg``.

    >>> build_tokenizer(TokenizerConfig(k=3, stride=1))
    KmerTokenizer(k=3, stride=1)
    >>> build_tokenizer(TokenizerConfig(kind="byte"))
    ByteTokenizer()
    """
    if cfg.kind == "dna":
        return KmerTokenizer(cfg)
    if cfg.kind == "ids":
        return IdTokenizer(cfg)
    if cfg.is_text:
        return build_text_tokenizer(cfg, vocab)
    raise ConfigError(f"unhandled tokenizer kind {cfg.kind!r}")  # TokenizerConfig checks it
