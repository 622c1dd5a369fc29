"""The DNA tokenizer: single bases (k = 1) and k-mers, non-overlapping or overlapping."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

from genoenc.errors import ConfigError, SequenceCharError, shorten
from genoenc.tokenize.config import TokenizerConfig
from genoenc.tokenize.kmer import (
    kmer_bases,
    kmer_ids,
    kmer_vocab_size,
    reverse_complement_kmer_ids,
    smallest_uint_dtype,
    special_kmer_id,
)
from genoenc.tokenize.vocab import (
    ALPHABET,
    BASES,
    DNA_VOCAB,
    DNA_VOCAB_SIZE,
    END,
    INVALID,
    PAD,
    START,
    TRANSLATE,
    N,
)

if TYPE_CHECKING:
    from genoenc.io import Chunk

__all__ = ["KmerTokenizer"]

logger = logging.getLogger(__name__)

# Byte of each base id 0..N when decoding: b"ATCGN".
_DECODE_BYTES = np.frombuffer(BASES + DNA_VOCAB[N].encode(), dtype=np.uint8)


class KmerTokenizer:
    """DNA bytes to token ids with the fixed vocabulary ``<A,T,C,G,N,START,END,PAD>``.

    Three regimes, all from one class:

    * ``k = 1``: one token per base; store, input and target ids are the base ids 0..7.
    * stride ``k`` (non-overlapping k-mers): the store holds k-mer ids (``4**k + 4`` of
      them); a record's trailing partial k-mer (``len % k`` bases) is dropped, since it
      has no id; the model predicts the next k-mer (``bases_per_target = k``).
    * stride 1, ``k > 1`` (overlapping k-mers): the store holds base ids (0..7) and
      :meth:`inputs_targets` turns each position into the k-mer ending there (so windows
      carry ``history = k - 1`` extra leading ids); the model predicts the next *base*
      (``target_vocab_size = 8``), which is never part of its input k-mer.

    Store ids and target ids are the same id space in every regime, so ``pad_id``,
    ``start_id``, ``end_id`` and ``n_id`` serve both.

    Attributes:
        config: The tokenizer's config.
        k: Bases per k-mer.
        stride: 1 or k.
        alphabet: Every byte a sequence may hold (passed to readers).
        store_vocab_size: Number of ids kept in a token store.
        store_dtype: The uint dtype of stored ids (uint8, uint16 or uint32).
        input_vocab_size: Number of ids the encoder sees (``4**k + 4``).
        target_vocab_size: Number of ids the model predicts.
        bases_per_target: Bases one target stands for (k for stride k, else 1).
        unit_name: ``"base"``: bits per unit are bits per base.
        history: Stored ids a window needs before its first input (``k - 1`` for
            overlapping k-mers, else 0).
        n_id, start_id, end_id, pad_id: The special ids in the store (= target) id space.
    """

    def __init__(self, config: TokenizerConfig) -> None:
        if config.kind != "dna":
            raise ConfigError(
                f"tokenizer.kind must be 'dna' for KmerTokenizer (got {config.kind!r})"
            )
        self.config = config
        self.k = config.k
        self.stride = config.step
        self.alphabet: bytes = ALPHABET
        #: The byte -> base id table; readers may map bytes through it as they read.
        self.byte_map: bytes = _TRANSLATE_BYTES
        self.unit_name = "base"
        self.input_vocab_size = kmer_vocab_size(self.k)
        # True when the store holds k-mer ids; False when it holds base ids (k = 1 or stride 1).
        self._kmer_store = self.k > 1 and self.stride == self.k
        if self._kmer_store:
            self.store_vocab_size = self.input_vocab_size
            self.bases_per_target = self.k
            self.history = 0
            self.n_id, self.start_id, self.end_id, self.pad_id = (
                special_kmer_id(base_id, self.k) for base_id in (N, START, END, PAD)
            )
        else:
            self.store_vocab_size = DNA_VOCAB_SIZE
            self.bases_per_target = 1
            self.history = self.k - 1
            self.n_id, self.start_id, self.end_id, self.pad_id = N, START, END, PAD
        self.target_vocab_size = self.store_vocab_size
        self.store_dtype: np.dtype[Any] = smallest_uint_dtype(self.store_vocab_size)

    def __repr__(self) -> str:
        return f"KmerTokenizer(k={self.k}, stride={self.stride})"

    # -- bytes to store ids ---------------------------------------------------------

    def encode(self, seq: bytes) -> np.ndarray:
        """Unframed store ids of one sequence (no START/END).

        Args:
            seq: Sequence bytes (any of :attr:`alphabet`; lowercase, IUPAC, U allowed).

        Returns:
            ``store_dtype`` ids, shape ``(n,)``: ``n = len(seq)`` for base-id stores,
            ``len(seq) // k`` for non-overlapping k-mers (the partial k-mer is dropped).

        Raises:
            SequenceCharError: A byte is not in :attr:`alphabet`; the message gives its
                0-based position. (Readers check earlier, with the file's byte offset.)

        >>> KmerTokenizer(TokenizerConfig(k=1)).encode(b"ACgtNu").tolist()
        [0, 2, 3, 1, 4, 1]
        >>> KmerTokenizer(TokenizerConfig(k=2)).encode(b"ACGTA").tolist()
        [2, 13]
        """
        bases = _translate(seq, path="<sequence>", record=None, start=0)
        if self._kmer_store:
            bases = kmer_ids(bases, self.k, stride=self.k)
        return bases.astype(self.store_dtype, copy=False)

    def encode_chunks(self, chunks: Iterable[Chunk]) -> Iterator[tuple[Chunk, np.ndarray]]:
        """Framed store ids of a stream of record chunks, one array per chunk.

        START precedes a record's first chunk and END follows its last. For
        non-overlapping k-mers, bases that do not fill a k-mer at a chunk's end are
        carried into the next chunk of the same record, so the ids never depend on
        where the reader cut the record; a record's final partial k-mer is dropped.

        Args:
            chunks: Chunks in reader order (see :class:`genoenc.io._records.Chunk`).

        Yields:
            ``(chunk, ids)``: ``ids`` of ``store_dtype``, shape ``(n,)`` (may be empty
            for a short middle chunk of a k-mer record). A middle chunk's ids may be a
            read-only view of the translated bytes: copy before writing into them.

        Raises:
            SequenceCharError: A byte is not in :attr:`alphabet` (names file, record
                and position within the record).
            ValueError: The chunks break the reader contract (a record's chunks are not
                framed by ``first`` ... ``last``).
        """
        record: str | None = None  # the record whose chunks are being encoded
        carry = np.zeros(0, dtype=np.uint8)  # bases of an unfinished k-mer
        for chunk in chunks:
            if chunk.first:
                if record is not None:
                    raise ValueError(f"record {record!r} ended without a last chunk")
                record = chunk.name
                carry = carry[:0]
            elif record is None:
                raise ValueError(f"record {chunk.name!r}: chunk without a first chunk")
            bases = self._chunk_bases(chunk)
            if self._kmer_store:
                if carry.size:
                    bases = np.concatenate([carry, bases])
                usable = bases.size - bases.size % self.k
                body = kmer_ids(bases[:usable], self.k, stride=self.k)
                carry = bases[usable:].copy()
            else:
                body = bases
            lead, tail = int(chunk.first), int(chunk.last)
            if lead or tail or body.dtype != self.store_dtype:
                ids = np.empty(lead + body.size + tail, dtype=self.store_dtype)
                ids[lead : lead + body.size] = body
                if chunk.first:
                    ids[0] = self.start_id
            else:
                ids = body  # a middle chunk: no frame to add, so no copy (read-only ids)
            if chunk.last:
                ids[-1] = self.end_id
                if carry.size:
                    logger.debug(
                        "%s: dropped %d trailing bases (partial k-mer)", record, carry.size
                    )
                record = None
            yield chunk, ids
        if record is not None:
            raise ValueError(f"record {record!r}: the chunks ended without its last chunk")

    def _chunk_bases(self, chunk: Chunk) -> np.ndarray:
        """Base ids of a chunk: translated here, or already mapped by the reader."""
        if chunk.byte_map is None:
            return _translate(chunk.seq, path=chunk.path, record=chunk.name, start=chunk.start)
        if chunk.byte_map != self.byte_map:
            raise ValueError(f"record {chunk.name!r}: chunk mapped with another byte map")
        if _INVALID_BYTE in chunk.seq:
            index = chunk.seq.index(_INVALID_BYTE)
            raise SequenceCharError(
                chunk.path,
                "unexpected character in a DNA sequence",
                record=chunk.name,
                position=chunk.start + index,
            )
        return np.frombuffer(chunk.seq, dtype=np.uint8)

    def decode(self, ids: np.ndarray) -> bytes:
        """Sequence bytes of store ids: the inverse of :meth:`encode` for ACGT input.

        N ids decode to ``N`` (k of them for a k-mer id); START, END and PAD are
        framing, not sequence, and are skipped, so a framed record decodes to its
        uppercase bases.

        Args:
            ids: Store ids, shape ``(n,)``.

        Raises:
            ValueError: An id is outside the store vocabulary.

        >>> tok = KmerTokenizer(TokenizerConfig(k=2))
        >>> tok.decode(np.array([tok.start_id, 2, 13, 16, tok.end_id]))
        b'ACGTNN'
        """
        ids = self._checked(ids, "store")
        ids = ids[ids <= self.n_id]  # drop START, END, PAD
        bases = kmer_bases(ids, self.k).reshape(-1) if self._kmer_store else ids
        return bytes(_DECODE_BYTES[bases])

    # -- windows to model inputs and targets ---------------------------------------

    def inputs_targets(self, windows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Model inputs and next-token targets of windows of store ids.

        Non-overlapping (and k = 1): ``inputs[t] = w[t]``, ``targets[t] = w[t + 1]``.

        Overlapping (stride 1, k > 1): the current token is ``w[t + k - 1]``, the input
        is the id of the k-mer ``w[t .. t + k - 1]`` ending there and the target is the
        next base ``w[t + k]``, so the target base is never part of its input. When the
        current token is START, END or PAD the input is that special's k-mer id (the
        model sees the framing); otherwise a k-mer holding a non-ACGT id (N, or reaching
        back past START into the previous record or padding) is the N k-mer id.

        Args:
            windows: Store ids, shape ``(..., history + T + 1)``, any integer dtype.

        Returns:
            ``(inputs, targets)``: int64, shape ``(..., T)`` each, C-contiguous. Inputs are
            in ``0 .. input_vocab_size - 1``, targets in ``0 .. target_vocab_size - 1``.

        Raises:
            ValueError: The windows are too short or hold ids outside the store vocabulary.

        >>> tok = KmerTokenizer(TokenizerConfig(k=2, stride=1))
        >>> inputs, targets = tok.inputs_targets(np.array([[PAD, START, 0, 2, 3, END]]))
        >>> inputs.tolist()   # START, (START A) = N, AC = 2, CG = 11
        [[17, 16, 2, 11]]
        >>> targets.tolist()   # the next bases: A, C, G, END
        [[0, 2, 3, 6]]
        """
        windows = self._checked(windows, "store").astype(np.int64)
        length = windows.shape[-1] if windows.ndim else 0
        if length < self.history + 2:
            raise ValueError(
                f"windows need at least history + 2 = {self.history + 2} ids (got {length})"
            )
        if self.history == 0:
            return (
                np.ascontiguousarray(windows[..., :-1]),
                np.ascontiguousarray(windows[..., 1:]),
            )
        k = self.k
        n_steps = length - k  # T
        kmers = kmer_ids(windows[..., : k - 1 + n_steps], k)  # (..., T): k-mer ending at t+k-1
        current = windows[..., k - 1 : k - 1 + n_steps]  # (..., T)
        n_kmer = kmer_vocab_size(k) - (PAD - N + 1)  # id of the N k-mer
        # N, START, END, PAD as the current token map to the k-mer specials in vocab order.
        inputs = np.where(current >= N, n_kmer + (current - N), kmers)
        return inputs, np.ascontiguousarray(windows[..., k:])

    def scored(self, targets: np.ndarray) -> np.ndarray:
        """Which targets count in the loss: all but N, START and PAD (END counts).

        Args:
            targets: Target ids, any shape.

        Returns:
            bool array of the same shape.

        >>> KmerTokenizer(TokenizerConfig(k=1)).scored(np.arange(8)).tolist()
        [True, True, True, True, False, False, True, False]
        """
        targets = np.asarray(targets)
        return (targets != self.n_id) & (targets != self.start_id) & (targets != self.pad_id)

    def base_targets(self, targets: np.ndarray) -> np.ndarray:
        """Which targets are all-ACGT (the ones bits per base counts).

        Args:
            targets: Target ids, any shape.

        Returns:
            bool array of the same shape; a subset of :meth:`scored`.

        >>> KmerTokenizer(TokenizerConfig(k=1)).base_targets(np.arange(8)).tolist()
        [True, True, True, True, False, False, False, False]
        """
        targets = np.asarray(targets)
        return (targets >= 0) & (targets < self.n_id)

    def counted(self, targets: np.ndarray) -> np.ndarray:
        """Targets whose bits count towards bits per base: the all-ACGT ones.

        Same as :meth:`base_targets` (the name every tokenizer shares).
        """
        return self.base_targets(targets)

    def units(self, targets: np.ndarray) -> np.ndarray:
        """Bases each target stands for: :attr:`bases_per_target` if all-ACGT, else 0.

        Bits per base is ``sum(bits[counted]) / sum(units)``.

        Args:
            targets: Target ids, any shape.

        Returns:
            int64 array of the same shape.

        >>> KmerTokenizer(TokenizerConfig(k=2)).units(np.array([0, 15, 16, 18])).tolist()
        [2, 2, 0, 0]
        """
        return self.base_targets(targets).astype(np.int64) * self.bases_per_target

    def reverse_complement(self, windows: np.ndarray) -> np.ndarray:
        """Windows of store ids read from the other strand.

        Each window (along the last axis) is reversed and every id complemented: bases
        (or all-ACGT k-mers) become their reverse complement, START and END swap (the
        reversed record is framed START ... END again), N and PAD stay. Runs of PAD at
        either end of a window stay where they are and only the ids between them are
        reversed, so a right-padded last window stays right-padded and PAD never moves
        in front of a target. The map is its own inverse.

        For overlapping k-mers the first ``history`` ids of the result are the last ids
        of the input window, and the input window's ``history`` ids become its last
        targets: the data layer should flip only windows whose history lies in the same
        split block (or is PAD), so no id crosses a split boundary.

        Args:
            windows: Store ids, shape ``(..., L)``.

        Returns:
            Store ids of the same shape and dtype.

        >>> tok = KmerTokenizer(TokenizerConfig(k=1))
        >>> tok.reverse_complement(np.array([START, 0, 0, 2, END, PAD])).tolist()   # AAC
        [5, 3, 1, 1, 6, 7]
        """
        windows = self._checked(windows, "store")
        flipped = _reverse_between_pad_runs(windows, self.pad_id)
        rc_k = self.k if self._kmer_store else 1
        return reverse_complement_kmer_ids(flipped, rc_k).astype(windows.dtype, copy=False)

    def _checked(self, ids: np.ndarray, space: str) -> np.ndarray:
        ids = np.asarray(ids)
        if not np.issubdtype(ids.dtype, np.integer):
            raise ValueError(f"{space} ids must be integers (got dtype {ids.dtype})")
        if ids.size and (int(ids.min()) < 0 or int(ids.max()) >= self.store_vocab_size):
            bad = ids[(ids < 0) | (ids >= self.store_vocab_size)].flat[0]
            raise ValueError(f"id {bad} is outside the {space} vocabulary of {self!r}")
        return ids


_TRANSLATE_BYTES = TRANSLATE.tobytes()
_INVALID_BYTE = bytes([INVALID])


def _translate(seq: bytes, *, path: str, record: str | None, start: int) -> np.ndarray:
    """Base ids (uint8, 0..N, read-only) of sequence bytes; raises on a byte outside the alphabet.

    ``bytes.translate`` plus a ``memchr`` for the invalid marker runs at several GB/s,
    about five times numpy's table lookup (``TRANSLATE[array]``).
    """
    translated = seq.translate(_TRANSLATE_BYTES)
    bases = np.frombuffer(translated, dtype=np.uint8)
    if _INVALID_BYTE in translated:
        index = translated.index(_INVALID_BYTE)
        raise SequenceCharError(
            path,
            f"unexpected character {shorten(seq[index : index + 1])} in a DNA sequence",
            record=record,
            position=start + index,
        )
    return bases


def _reverse_between_pad_runs(windows: np.ndarray, pad_id: int) -> np.ndarray:
    """Reverse each window along the last axis, keeping leading/trailing PAD runs in place.

    >>> _reverse_between_pad_runs(np.array([[7, 1, 2, 3, 7], [1, 2, 3, 4, 5]]), 7).tolist()
    [[7, 3, 2, 1, 7], [5, 4, 3, 2, 1]]
    """
    length = windows.shape[-1]
    is_pad = windows == pad_id
    all_pad = is_pad.all(axis=-1)
    lead = np.where(all_pad, length, np.argmin(is_pad, axis=-1))[..., None]  # (..., 1)
    hi = np.where(all_pad, length, length - np.argmin(is_pad[..., ::-1], axis=-1))[..., None]
    position = np.arange(length)
    inside = (position >= lead) & (position < hi)
    index = np.where(inside, lead + hi - 1 - position, position)  # (..., L)
    index = np.broadcast_to(index, windows.shape)
    return np.take_along_axis(windows, index, axis=-1)
