"""A piece stream cut into the blocks of one split: the stream rules of
:mod:`genoenc.data.splits` for sequences, and :mod:`genoenc.data.read_split`'s per-read
rule for reads (it sits between the two, so neither imports the other's user)."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator

import numpy as np

from genoenc.data.read_split import partition_reads
from genoenc.data.splits import (
    SPLITS,
    Piece,
    SplitConfig,
    _cut_blocks,
    _piece_ids,
    _record_pieces,
    block_splits,
    check_split,
)

__all__ = ["split_blocks"]


def split_blocks(
    pieces: Iterable[Piece], cfg: SplitConfig, split: str
) -> Iterator[tuple[int, np.ndarray]]:
    """Cut a piece stream into the blocks of one split, in stream order.

    A block is yielded as soon as its last token has arrived, so a consumer that
    stops early never pulls more pieces than it needs.

    Args:
        pieces: The stream (bare arrays, or ``(name, ids)`` pairs; pairs are required
            under the record rule, where each piece must lie within one record).
        cfg: The split config.
        split: ``"train"``, ``"val"`` or ``"test"``.

    Yields:
        ``(start, ids)``: the block's first offset in the split's coordinates (the
        global stream offset under the block-hash rule, the offset in the split's own
        stream under the record rule; a multiple of ``block_tokens``) and its ids
        (a fresh 1-D array of 1 .. ``block_tokens`` ids).

    Raises:
        ConfigError: ``split`` is not a split name.
        ValueError: The record rule is in use and a piece carries no name.
    """
    wanted = check_split(split)
    # -- reads (issue 13): ReadPiece pieces (BAM/CRAM/FASTQ reads) are split read by
    # read, by locus or template, never by stream offset: a locus at 50x coverage would
    # otherwise sit in train and in test. They come after every other piece; their
    # blocks (offsets in the split's own read stream) follow the split's other blocks.
    # See genoenc/data/read_split.py.
    pieces, read_blocks = partition_reads(
        pieces, cfg, wanted, lambda arrays: _cut_blocks(arrays, cfg.block_tokens, None)
    )
    # -- end of the reads hook
    if cfg.by_record:
        blocks = _cut_blocks(_record_pieces(pieces, cfg, wanted), cfg.block_tokens, None)
        return itertools.chain(blocks, read_blocks)
    code = SPLITS.index(wanted)

    def keep(block: int) -> bool:
        return int(block_splits(np.array([block]), cfg)[0]) == code

    blocks = _cut_blocks((_piece_ids(piece) for piece in pieces), cfg.block_tokens, keep)
    return itertools.chain(blocks, read_blocks)
