"""Train/val/test splits of sequencing reads: by locus or template, never by stream offset.

The block-hash rule of :mod:`genoenc.data.splits` cuts the *stream* into blocks. For a
genome that is leak-free: each base of the genome appears once. Reads are not like
that: a locus at 50x coverage appears in 50 reads spread over the stream, so cutting
the stream puts reads of the same locus in train and in test, and a Markov model of
order 12 recalls the test reads from the train reads (0.13 bits per base on
validation, 2.14 on a truly held-out genome). So reads are assigned to a split read by
read, from the :class:`genoenc.io.ReadOrigin` the reader gives each one:

* **Placed reads** (BAM/CRAM, aligned, or unmapped but placed at a mapped mate): the
  reference is cut into *genomic blocks* of ``block_tokens`` bases per contig, and each
  block goes to train, val or test by the same seeded hash
  (:func:`genoenc.data.block_splits`) of ``(contig, block)``. A read goes to the
  split of the blocks its template covers (both mates of a pair share one template
  span). A template that covers blocks of *different* splits is dropped, so no test
  locus is ever covered by a train read; with 150 bp reads and the default block size
  that is well under 1 % of reads.
* **Unplaced reads** (FASTQ; unmapped reads with no mapped mate): by the same hash of
  the read's template name (the name without a ``/1``/``/2`` mate suffix), so both mates
  of a pair, and both files of a paired FASTQ, go to the same split. FASTQ reads carry
  no position, so reads of the same locus can still fall in different splits: on FASTQ,
  val/test measure how well held-out *reads* of the same genome are predicted, not
  unseen sequence. Align the reads (BAM) for a locus-disjoint split.
* Under the record rule (``val_records``/``test_records``), a placed read goes to the
  split of its contig; unplaced reads go to train.

Each split's reads, in stream order, form that split's own stream, cut into blocks of
``block_tokens`` tokens (windows never cross a block boundary, as elsewhere). The data
layer applies this in :func:`genoenc.data.split_blocks` to every piece that is a
:class:`ReadPiece`.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, NamedTuple, cast

import numpy as np

from genoenc.data.splits import SPLITS, Piece, Split, SplitConfig, block_splits

if TYPE_CHECKING:
    from genoenc.io import Chunk, ReadOrigin

__all__ = ["ReadPiece", "as_piece", "make_piece", "partition_reads", "read_split"]

logger = logging.getLogger(__name__)

_warned: set[tuple[str, int, SplitConfig]] = set()


class ReadPiece(NamedTuple):
    """A piece of the stream that is (part of) one sequencing read.

    Attributes:
        name: The read's name.
        ids: Its store ids (framed START ... END over the read's pieces).
        origin: Where the read comes from; decides its split.
    """

    name: str
    ids: np.ndarray
    origin: ReadOrigin


def as_piece(chunk: Chunk, ids: np.ndarray) -> Piece:
    """The stream piece of a tokenized chunk: a :class:`ReadPiece` for a read, else a pair."""
    return make_piece(chunk.name, ids, chunk.origin)


def make_piece(name: str, ids: np.ndarray, origin: ReadOrigin | None) -> Piece:
    """``(name, ids)``, or a :class:`ReadPiece` when ``origin`` is given.

    A ReadPiece starts with a pair's fields (name, ids), and :func:`split_blocks` tells
    it apart, so it travels wherever a piece does.
    """
    if origin is not None:
        return cast("Piece", ReadPiece(name, ids, origin))
    return name, ids


def _key(text: str) -> int:
    """A stable 64-bit key of ``text`` (never Python's salted ``hash()``)."""
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little")


class _Assigner:
    """Split codes of read origins under one config, with the hashes of blocks cached."""

    def __init__(self, cfg: SplitConfig) -> None:
        self.cfg = cfg
        self._codes = {name: code for code, name in enumerate(SPLITS)}
        self._block_splits = block_splits
        self._blocks: dict[tuple[str, int], int] = {}

    def _hashed(self, key: int) -> int:
        return int(self._block_splits(np.array([key], dtype=np.uint64), self.cfg)[0])

    def __call__(self, origin: ReadOrigin) -> int | None:
        """The split code (0 train, 1 val, 2 test) of a read, or None to drop it."""
        cfg = self.cfg
        if origin.contig is None:
            return self._codes["train"] if cfg.by_record else self._hashed(_key(origin.template))
        if cfg.by_record:
            return self._codes[cfg.record_split(origin.contig)]
        size = cfg.block_tokens
        first, last = origin.start // size, max(origin.start, origin.end - 1) // size
        codes = {self._block(origin.contig, block) for block in range(first, last + 1)}
        return codes.pop() if len(codes) == 1 else None

    def _block(self, contig: str, block: int) -> int:
        code = self._blocks.get((contig, block))
        if code is None:
            code = self._hashed(_key(f"{contig}\t{block}"))
            self._blocks[(contig, block)] = code
        return code


def read_split(origin: ReadOrigin, cfg: SplitConfig) -> Split | None:
    """The split of one read (``None``: dropped, its template straddles two splits).

    >>> from genoenc.data.splits import SplitConfig
    >>> from genoenc.io import ReadOrigin
    >>> cfg = SplitConfig(val_fraction=0.3, test_fraction=0.3, block_tokens=1000)
    >>> read_split(ReadOrigin("r1", "chr1", 100, 250), cfg) == read_split(
    ...     ReadOrigin("r2", "chr1", 600, 750), cfg)   # the same genomic block
    True
    >>> read_split(ReadOrigin("r/1"), cfg) in ("train", "val", "test")
    True
    """
    code = _Assigner(cfg)(origin)
    return None if code is None else SPLITS[code]


def partition_reads(
    pieces: Iterable[Piece],
    cfg: SplitConfig,
    split: Split,
    cut_blocks: Callable[[Iterable[np.ndarray]], Iterator[tuple[int, np.ndarray]]],
) -> tuple[Iterator[Piece], Iterator[tuple[int, np.ndarray]]]:
    """Separate the reads of a piece stream and split them read by read.

    Readers put sequences (FASTA) before reads (BAM, CRAM, FASTQ), so the stream is
    the non-read pieces, then the read pieces.

    Args:
        pieces: The stream; read pieces are :class:`ReadPiece` objects.
        cfg: The split config.
        split: The split wanted.
        cut_blocks: Cuts an array stream into ``(start, ids)`` blocks (the split's
            own stream, every block kept).

    Returns:
        ``(others, read_blocks)``: the pieces before the first read, to be split as
        usual, and the blocks of the wanted split's reads. Consume ``others`` first.

    Raises:
        ValueError: A non-read piece follows a read piece.
    """
    stream = iter(pieces)
    first_read: list[ReadPiece] = []

    def others() -> Iterator[Piece]:
        for piece in stream:
            if isinstance(piece, ReadPiece):
                first_read.append(piece)
                return
            yield piece

    def read_arrays() -> Iterator[np.ndarray]:
        if not first_read:
            return
        assign = _Assigner(cfg)
        wanted = SPLITS.index(split)
        counts = {"kept": 0, "other": 0, "dropped": 0}
        last_origin: ReadOrigin | None = None
        code: int | None = None
        for piece in _chain(first_read, stream):
            if not isinstance(piece, ReadPiece):
                raise ValueError("a sequence piece follows read pieces: reads must come last")
            if piece.origin is not last_origin:  # a new read (not a next chunk of one)
                last_origin, code = piece.origin, assign(piece.origin)
                counts["kept" if code == wanted else "dropped" if code is None else "other"] += 1
            if code == wanted:
                yield np.asarray(piece.ids).reshape(-1)
        logger.debug(
            "split %s: %d reads (%d in other splits, %d dropped: their template straddles "
            "genomic blocks of different splits)",
            split,
            counts["kept"],
            counts["other"],
            counts["dropped"],
        )
        total = sum(counts.values())
        if counts["kept"] == 0 and (split, total, cfg) not in _warned:
            _warned.add((split, total, cfg))  # once, not at every epoch and evaluation
            logger.warning(
                "split %s holds no read of %d: reads are split by genomic blocks of %s "
                "bases (or by template name when unplaced); for reads covering a small "
                "region, lower --block-tokens",
                split,
                total,
                f"{cfg.block_tokens:,}",
            )

    return others(), cut_blocks(read_arrays())


def _chain(head: list[ReadPiece], tail: Iterator[Piece]) -> Iterator[Piece | ReadPiece]:
    yield from head
    yield from tail
