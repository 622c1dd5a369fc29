"""Splits, windows and ``torch`` datasets: from a token stream to training examples.

The data layer reads a *piece stream* (store ids of framed records, in input order,
restartable), assigns every token to exactly one of train/val/test
(:mod:`~genoenc.data.splits`), cuts each split into fixed-length windows that never
cross a block boundary (:mod:`~genoenc.data.windows`), and serves them as an
iterable stream over any input or a token store (:mod:`~genoenc.data.datasets`).
"""

from genoenc.data.blocks import split_blocks
from genoenc.data.datasets import RecordLike, StoreLike, WindowStream, store_pieces
from genoenc.data.splits import (
    SPLITS,
    OpenPieces,
    Piece,
    Split,
    SplitConfig,
    block_splits,
    blocks_for_stride,
    check_split,
    splitmix64,
)
from genoenc.data.windows import (
    WindowConfig,
    WindowTokenizer,
    batches,
    block_windows,
    collect_windows,
    iter_windows,
    kept_window_numbers,
    rc_augment,
    sample_windows,
    shuffle_buffer,
    window_length,
)

__all__ = [
    "SPLITS",
    "OpenPieces",
    "Piece",
    "RecordLike",
    "Split",
    "SplitConfig",
    "StoreLike",
    "WindowConfig",
    "WindowStream",
    "WindowTokenizer",
    "batches",
    "block_splits",
    "block_windows",
    "blocks_for_stride",
    "check_split",
    "collect_windows",
    "iter_windows",
    "kept_window_numbers",
    "rc_augment",
    "sample_windows",
    "shuffle_buffer",
    "split_blocks",
    "splitmix64",
    "store_pieces",
    "window_length",
]
