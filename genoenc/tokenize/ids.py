"""The ``ids`` tokenizer: synthetic symbols ``0 .. V-1`` that are already integers.

Synthetic sources (:mod:`genoenc.sources`) emit token ids, not text. Their store ids
are the symbol ids themselves, followed by the specials: ``START = V``, ``END = V + 1``,
``PAD = V + 2``. Records arrive as numpy arrays; :func:`id_chunks` wraps them in
:class:`~genoenc.io.Chunk` objects whose ``seq`` holds the ids as little-endian uint32
bytes, so the token store (``genoenc.store.write_store``, or ``write_id_store`` which
does it in one call) and the tokenizer's :meth:`IdTokenizer.encode_chunks` treat them
like any other input.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import numpy as np

from genoenc.errors import ConfigError, InputError
from genoenc.io import Chunk
from genoenc.tokenize.config import TokenizerConfig
from genoenc.tokenize.kmer import next_token_pairs, smallest_uint_dtype

__all__ = ["ID_CHUNK_DTYPE", "IdTokenizer", "id_chunks"]

#: How :func:`id_chunks` packs symbol ids into ``Chunk.seq`` bytes.
ID_CHUNK_DTYPE = np.dtype("<u4")
_DEFAULT_CHUNK_IDS = 1 << 18
_SPECIALS = 3  # START, END, PAD


def id_chunks(
    records: Iterable[np.ndarray],
    *,
    names: Sequence[str] | None = None,
    path: str = "<arrays>",
    chunk_ids: int = _DEFAULT_CHUNK_IDS,
) -> Iterator[Chunk]:
    """Wrap integer arrays as record chunks for :meth:`IdTokenizer.encode_chunks`.

    Args:
        records: One 1-D integer array of symbol ids per record (each non-empty).
        names: Record names (default ``seq0``, ``seq1``, ...).
        path: The source named in error messages.
        chunk_ids: The most ids in one chunk.

    Yields:
        Chunks whose ``seq`` is the ids as little-endian uint32 bytes; ``start`` counts ids.

    Raises:
        InputError: A record is empty, not 1-D, not integers, or holds a negative id.

    >>> [len(c.seq) // 4 for c in id_chunks([np.arange(5)], chunk_ids=2)]
    [2, 2, 1]
    """
    if chunk_ids < 1:
        raise ValueError(f"chunk_ids must be >= 1 (got {chunk_ids})")
    for number, record in enumerate(records):
        name = names[number] if names is not None else f"seq{number}"
        ids = np.asarray(record)
        if ids.ndim != 1 or ids.size == 0 or not np.issubdtype(ids.dtype, np.integer):
            raise InputError(
                path,
                f"a record must be a non-empty 1-D integer array (got shape {ids.shape}, "
                f"dtype {ids.dtype})",
                record=name,
            )
        if int(ids.min()) < 0 or int(ids.max()) > np.iinfo(ID_CHUNK_DTYPE).max:
            bad = int(np.argmax((ids < 0) | (ids > np.iinfo(ID_CHUNK_DTYPE).max)))
            raise InputError(
                path, f"symbol id {int(ids[bad])} out of range", record=name, position=bad
            )
        packed = ids.astype(ID_CHUNK_DTYPE)
        for lo in range(0, ids.size, chunk_ids):
            hi = min(lo + chunk_ids, ids.size)
            yield Chunk(
                path=path,
                name=name,
                seq=packed[lo:hi].tobytes(),
                start=lo,
                first=lo == 0,
                last=hi == ids.size,
            )


class IdTokenizer:
    """Symbol ids ``0 .. V-1`` in, the same ids out, framed ``START ... END``.

    Store, input and target ids are one id space: the ``V`` symbols, then ``START``,
    ``END`` and ``PAD``. Every symbol target counts one unit (bits per symbol); END is
    scored (the model learns where a record ends) but counts no unit, as DNA's END
    counts no base.

    Attributes:
        config: The tokenizer's config (``kind="ids"``, ``vocab_size=V``).
        n_symbols: ``V``.
        alphabet: Every byte (ids come packed as bytes; nothing is checked as text).
        store_vocab_size, input_vocab_size, target_vocab_size: ``V + 3``.
        store_dtype: The smallest uint dtype that holds ``V + 3`` ids.
        history: 0.
        unit_name: ``"symbol"``.
        start_id, end_id, pad_id: ``V``, ``V + 1``, ``V + 2``.
    """

    unit_name = "symbol"
    history = 0
    alphabet: bytes = bytes(range(256))

    def __init__(self, config: TokenizerConfig) -> None:
        if config.kind != "ids" or config.vocab_size is None:
            raise ConfigError(f"IdTokenizer needs tokenizer.kind 'ids' (got {config.kind!r})")
        self.config = config
        self.n_symbols = config.vocab_size
        self.start_id = self.n_symbols
        self.end_id = self.n_symbols + 1
        self.pad_id = self.n_symbols + 2
        self.store_vocab_size = self.n_symbols + _SPECIALS
        self.input_vocab_size = self.store_vocab_size
        self.target_vocab_size = self.store_vocab_size
        self.store_dtype: np.dtype[Any] = smallest_uint_dtype(self.store_vocab_size)

    def __repr__(self) -> str:
        return f"IdTokenizer(vocab_size={self.n_symbols})"

    def encode(self, seq: bytes | np.ndarray) -> np.ndarray:
        """Unframed store ids of one record.

        Args:
            seq: Symbol ids: an integer array, or little-endian uint32 bytes (as
                :func:`id_chunks` packs them).

        Returns:
            ``store_dtype`` ids, shape ``(n,)``.

        Raises:
            InputError: An id is not a symbol (``>= V`` or negative).

        >>> IdTokenizer(TokenizerConfig(kind="ids", vocab_size=3)).encode(np.array([2, 0])).tolist()
        [2, 0]
        """
        return self._symbols(seq, path="<sequence>", record=None, start=0)

    def encode_chunks(self, chunks: Iterable[Chunk]) -> Iterator[tuple[Chunk, np.ndarray]]:
        """Framed store ids of :func:`id_chunks` output: START before a record, END after it.

        Raises:
            InputError: An id is not a symbol (names the record and position).
            ValueError: The chunks are not framed ``first`` ... ``last``.
        """
        record: str | None = None
        for chunk in chunks:
            if chunk.first:
                if record is not None:
                    raise ValueError(f"record {record!r} ended without a last chunk")
                record = chunk.name
            elif record is None:
                raise ValueError(f"record {chunk.name!r}: chunk without a first chunk")
            body = self._symbols(chunk.seq, path=chunk.path, record=chunk.name, start=chunk.start)
            lead, tail = int(chunk.first), int(chunk.last)
            ids = np.empty(lead + body.size + tail, dtype=self.store_dtype)
            ids[lead : lead + body.size] = body
            if chunk.first:
                ids[0] = self.start_id
            if chunk.last:
                ids[-1] = self.end_id
                record = None
            yield chunk, ids
        if record is not None:
            raise ValueError(f"record {record!r}: the chunks ended without its last chunk")

    def decode(self, ids: np.ndarray) -> bytes:
        """The symbols of store ids as little-endian uint32 bytes (specials dropped).

        >>> tok = IdTokenizer(TokenizerConfig(kind="ids", vocab_size=3))
        >>> np.frombuffer(tok.decode(np.array([3, 2, 0, 4])), dtype="<u4").tolist()
        [2, 0]
        """
        ids = np.asarray(ids)
        return ids[ids < self.n_symbols].astype(ID_CHUNK_DTYPE).tobytes()

    def inputs_targets(self, windows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``inputs = w[..., :-1]``, ``targets = w[..., 1:]`` (int64, ``(..., T)``).

        >>> tok = IdTokenizer(TokenizerConfig(kind="ids", vocab_size=2))
        >>> [a.tolist() for a in tok.inputs_targets(np.array([[2, 0, 1, 3]]))]
        [[[2, 0, 1]], [[0, 1, 3]]]
        """
        return next_token_pairs(windows)

    def scored(self, targets: np.ndarray) -> np.ndarray:
        """Targets that count in the loss: symbols and END (not START, not PAD)."""
        targets = np.asarray(targets)
        return (targets != self.start_id) & (targets != self.pad_id)

    def counted(self, targets: np.ndarray) -> np.ndarray:
        """Targets whose bits count towards bits per symbol: the symbols (not END).

        >>> IdTokenizer(TokenizerConfig(kind="ids", vocab_size=2)).counted(np.arange(5)).tolist()
        [True, True, False, False, False]
        """
        targets = np.asarray(targets)
        return (targets >= 0) & (targets < self.n_symbols)

    def units(self, targets: np.ndarray) -> np.ndarray:
        """Symbols each target stands for: 1 for a symbol, 0 otherwise (float64)."""
        return self.counted(targets).astype(np.float64)

    def reverse_complement(self, windows: np.ndarray) -> np.ndarray:
        """Not defined for symbols: reverse-complement augmentation is DNA-only.

        Raises:
            ConfigError: Always.
        """
        raise ConfigError("train.rc_aug is for DNA only (tokenizer.kind is 'ids')")

    def _symbols(
        self, seq: bytes | np.ndarray, *, path: str, record: str | None, start: int
    ) -> np.ndarray:
        ids = (
            np.frombuffer(seq, dtype=ID_CHUNK_DTYPE)
            if isinstance(seq, bytes | bytearray | memoryview)
            else np.asarray(seq)
        )
        if ids.size and (int(ids.min()) < 0 or int(ids.max()) >= self.n_symbols):
            bad = int(np.argmax((ids < 0) | (ids >= self.n_symbols)))
            raise InputError(
                path,
                f"symbol id {int(ids[bad])} is not below tokenizer.vocab_size {self.n_symbols}",
                record=record,
                position=start + bad,
            )
        return ids.astype(self.store_dtype)
