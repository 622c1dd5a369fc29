"""``torch`` datasets of windows: iterable over a piece stream, map-style over a store.

:class:`WindowStream` is the streaming path (any input, no full pass before the
first step). For one epoch it chains, in this order::

    iter_windows (stream order)
    -> shuffle_buffer, rng = default_rng([seed, epoch])         (if shuffle)
    -> rc coin per window, rng = default_rng([seed, epoch, 1])  (if rc_aug)
    -> skip the first ``start`` windows                          (resume)
    -> keep window i when i % world_size == rank                 (DDP shard)

Everything before the skip depends only on the stream, the configs, ``seed`` and
``epoch``, so calling ``open_pieces`` again replays the same sequence: a resumed run
(``start`` = windows already consumed, counted over all ranks) sees exactly the tail
of the uninterrupted one, and each rank the tail of its own share. Indices count the
whole epoch sequence, so a shard's windows do not depend on ``start``.

:class:`StoreWindows` is the map-style path over a token store: its index (window
start offsets) comes from the same block rule, and
``[ds[i] for i in ds.ordered_indices(seed, epoch)]`` equals the windows of a
``WindowStream`` over :func:`store_pieces` of the same store with the same seed;
pass that through :func:`genoenc.data.rc_augment` with ``default_rng([seed, epoch, 1])``
for the ``rc_aug`` sequence.
"""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import Iterator, Sequence
from typing import Protocol

import numpy as np
import torch.utils.data

from genoenc.data.read_split import make_piece
from genoenc.data.splits import SPLITS, OpenPieces, Piece, SplitConfig, block_splits, check_split
from genoenc.data.windows import (
    WindowConfig,
    WindowTokenizer,
    _check_fits,
    _coin_flips,
    _reverse_complement_window,
    iter_windows,
    kept_window_numbers,
    shuffle_buffer,
)
from genoenc.errors import ConfigError

__all__ = ["RecordLike", "StoreLike", "StoreWindows", "WindowStream", "store_pieces"]

logger = logging.getLogger(__name__)


class RecordLike(Protocol):
    """One record of a token store: where its ids lie in ``tokens``."""

    @property
    def name(self) -> str:
        """The record's name."""
        ...

    @property
    def offset(self) -> int:
        """Offset of its first id (START) in the store."""
        ...

    @property
    def length(self) -> int:
        """Its ids, START and END included."""
        ...


class StoreLike(Protocol):
    """What the data layer reads from a :class:`genoenc.store.TokenStore`."""

    @property
    def tokens(self) -> np.ndarray:
        """All ids, records back to back (a read-only memmap)."""
        ...

    @property
    def records(self) -> Sequence[RecordLike]:
        """The records in store order."""
        ...


def store_pieces(
    store: StoreLike, piece_tokens: int = 1 << 20, *, named: bool = False
) -> OpenPieces:
    """A piece stream over a store's ids, as :func:`iter_windows` and WindowStream take.

    Args:
        store: The token store.
        piece_tokens: Most ids per piece.
        named: Yield ``(record name, ids)`` pieces, one record at a time (needed for the
            record split rule); else bare slices of the whole store.

    Returns:
        A zero-argument callable; each call restarts the stream.
    """
    if piece_tokens < 1:
        raise ValueError(f"piece_tokens must be >= 1 (got {piece_tokens})")

    # Reads (records with an origin) are split by locus, so they need their own pieces
    # (issue 13; genoenc/data/read_split.py).
    has_reads = any(getattr(record, "origin", None) is not None for record in store.records)

    def open_pieces() -> Iterator[Piece]:
        tokens = store.tokens
        if not (named or has_reads):
            for begin in range(0, len(tokens), piece_tokens):
                yield tokens[begin : begin + piece_tokens]
            return
        for record in store.records:
            end = record.offset + record.length
            origin = getattr(record, "origin", None)
            for begin in range(record.offset, end, piece_tokens):
                ids = tokens[begin : min(begin + piece_tokens, end)]
                yield make_piece(record.name, ids, origin)

    return open_pieces


class WindowStream(torch.utils.data.IterableDataset[np.ndarray]):
    """Windows of one split streamed from a piece stream, for one epoch.

    Args:
        open_pieces: Starts (and restarts) the piece stream.
        tokenizer: The tokenizer the ids came from.
        split_cfg: The split rule.
        window_cfg: Window size and shuffle buffer.
        split: ``"train"``, ``"val"`` or ``"test"``.
        seed: Seeds the shuffle and the rc coins (with ``epoch``).
        epoch: Epoch number; each gives another order. May be set between epochs.
        start: Windows of the epoch sequence to skip (all ranks together): resume.
        rc_aug: Reverse-complement windows with probability 1/2 (never PAD windows).
        rank: This process's rank; it gets the windows with index ``% world_size == rank``.
        world_size: Number of ranks.
        shuffle: Pass the windows through the shuffle buffer.

    Under a ``DataLoader`` with several workers each worker takes every
    ``num_workers``-th window of the rank's share, so no window is yielded twice
    (each worker still reads the whole stream); the loader then interleaves the
    workers' batches, so the order differs from a single process's.

    Yields:
        ``(L,)`` arrays of ``tokenizer.store_dtype``.

    Raises:
        ConfigError: An unknown split, or blocks shorter than a window.
    """

    def __init__(
        self,
        open_pieces: OpenPieces,
        tokenizer: WindowTokenizer,
        split_cfg: SplitConfig,
        window_cfg: WindowConfig,
        split: str = "train",
        seed: int = 0,
        epoch: int = 0,
        start: int = 0,
        rc_aug: bool = False,
        rank: int = 0,
        world_size: int = 1,
        shuffle: bool = True,
    ) -> None:
        super().__init__()
        self.split = check_split(split)
        _check_fits(split_cfg, window_cfg, tokenizer.history)
        if start < 0:
            raise ValueError(f"start must be >= 0 (got {start})")
        if not 0 <= rank < world_size:
            raise ValueError(f"rank must be in 0..world_size-1 (got {rank} of {world_size})")
        self.open_pieces = open_pieces
        self.tokenizer = tokenizer
        self.split_cfg = split_cfg
        self.window_cfg = window_cfg
        self.seed = seed
        self.epoch = epoch
        self.start = start
        self.rc_aug = rc_aug
        self.rank = rank
        self.world_size = world_size
        self.shuffle = shuffle

    def __iter__(self) -> Iterator[np.ndarray]:
        windows: Iterator[np.ndarray] = iter_windows(
            self.open_pieces, self.split_cfg, self.window_cfg, self.tokenizer, self.split
        )
        if self.shuffle:
            rng = np.random.default_rng([self.seed, self.epoch])
            windows = shuffle_buffer(windows, self.window_cfg.shuffle_buffer, rng)
        coins: Iterator[bool] = (
            _coin_flips(np.random.default_rng([self.seed, self.epoch, 1]))
            if self.rc_aug
            else itertools.repeat(False)
        )
        worker = torch.utils.data.get_worker_info()
        worker_id, num_workers = (0, 1) if worker is None else (worker.id, worker.num_workers)
        # Coins are drawn for every window (skipped, other ranks' or not), so window i's
        # coin is the same whatever start, rank and world_size are.
        pairs = itertools.islice(zip(windows, coins, strict=False), self.start, None)
        for index, (window, flip) in enumerate(pairs, start=self.start):
            if index % self.world_size != self.rank:
                continue
            if (index // self.world_size) % num_workers != worker_id:
                continue
            yield _reverse_complement_window(window, self.tokenizer) if flip else window


class StoreWindows(torch.utils.data.Dataset[np.ndarray]):
    """Map-style windows of one split of a token store.

    The index holds each kept window's start offset in the split's coordinates
    (global store offsets under the block-hash rule, offsets in the split's own
    stream under the record rule). Finding the windows with no scored target reads
    the split's tokens once, block by block; nothing is kept in memory but the index
    (8 bytes per window).

    Args:
        store: The token store (``tokens`` memmap and ``records``).
        tokenizer: The store's tokenizer.
        split_cfg: The split rule.
        window_cfg: Window size (and shuffle buffer, for :meth:`ordered_indices`).
        split: ``"train"``, ``"val"`` or ``"test"``.

    Raises:
        ConfigError: An unknown split, blocks shorter than a window, or a record named
            in ``split_cfg`` that the store does not hold.
    """

    def __init__(
        self,
        store: StoreLike,
        tokenizer: WindowTokenizer,
        split_cfg: SplitConfig,
        window_cfg: WindowConfig,
        split: str = "train",
    ) -> None:
        super().__init__()
        self.split = check_split(split)
        if any(getattr(record, "origin", None) is not None for record in store.records):
            raise ConfigError(
                "StoreWindows cannot split reads by locus (issue 13): use a WindowStream "
                "over store_pieces(store) for a store of reads"
            )
        self.window_length = _check_fits(split_cfg, window_cfg, tokenizer.history)
        self.store = store
        self.tokenizer = tokenizer
        self.split_cfg = split_cfg
        self.window_cfg = window_cfg
        self._dtype = np.dtype(tokenizer.store_dtype)
        # The split's stream as segments of the store: (split offset, store offset, length).
        self._segment_starts, self._segment_offsets, self._segment_lengths = self._segments()
        self._split_tokens = int(self._segment_lengths.sum())
        began = time.perf_counter()
        self._starts = self._index()
        logger.info(
            "split %s: %d windows from %d tokens, indexed in %.2f s",
            self.split,
            len(self._starts),
            self._split_tokens,
            time.perf_counter() - began,
        )

    @property
    def starts(self) -> np.ndarray:
        """Start offset of every window, in split coordinates (int64, read-only)."""
        view = self._starts.view()
        view.setflags(write=False)
        return view

    def __len__(self) -> int:
        return len(self._starts)

    def __getitem__(self, index: int) -> np.ndarray:
        """The ``index``-th window: ``(L,)`` store ids, PAD-filled past its block's end."""
        count = len(self._starts)
        position = int(index)
        if position < 0:
            position += count
        if not 0 <= position < count:
            raise IndexError(f"window {index} out of range for {count} windows")
        start = int(self._starts[position])
        block_tokens = self.split_cfg.block_tokens
        block_end = min((start // block_tokens + 1) * block_tokens, self._split_tokens)
        ids = self._gather(start, min(start + self.window_length, block_end))
        window = np.full(self.window_length, self.tokenizer.pad_id, dtype=self._dtype)
        window[: len(ids)] = ids
        return window

    def ordered_indices(self, seed: int, epoch: int, shuffle: bool = True) -> Iterator[int]:
        """Indices in the order a :class:`WindowStream` with this seed and epoch yields.

        Args:
            seed: The training seed.
            epoch: The epoch.
            shuffle: Shuffle as WindowStream does (through the same buffer procedure).

        Returns:
            An iterator over ``range(len(self))`` in that order (lazy: no list is built).
        """
        indices: Iterator[int] = iter(range(len(self)))
        if not shuffle:
            return indices
        rng = np.random.default_rng([seed, epoch])
        return shuffle_buffer(indices, self.window_cfg.shuffle_buffer, rng)

    def _segments(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        total = len(self.store.tokens)
        if not self.split_cfg.by_record:
            one = np.array([0], dtype=np.int64)
            return one, one.copy(), np.array([total], dtype=np.int64)
        names = {record.name for record in self.store.records}
        for field in ("val_records", "test_records"):
            for name in getattr(self.split_cfg, field):
                if name not in names:
                    raise ConfigError(f"split.{field} names record {name!r}, not in the store")
        offsets: list[int] = []
        lengths: list[int] = []
        for record in self.store.records:
            if self.split_cfg.record_split(record.name) != self.split:
                continue
            if offsets and offsets[-1] + lengths[-1] == record.offset:
                lengths[-1] += record.length  # contiguous in the store: one segment
            else:
                offsets.append(record.offset)
                lengths.append(record.length)
        offset_array = np.array(offsets, dtype=np.int64)
        length_array = np.array(lengths, dtype=np.int64)
        starts = np.concatenate([[0], np.cumsum(length_array)[:-1]]).astype(np.int64)
        return starts[: len(offsets)], offset_array, length_array

    def _gather(self, begin: int, end: int) -> np.ndarray:
        """Ids of split offsets ``begin .. end - 1`` (a fresh array)."""
        tokens = self.store.tokens
        segment = int(np.searchsorted(self._segment_starts, begin, side="right")) - 1
        parts = []
        while begin < end:
            inside = begin - int(self._segment_starts[segment])
            take = min(end - begin, int(self._segment_lengths[segment]) - inside)
            store_offset = int(self._segment_offsets[segment]) + inside
            parts.append(np.asarray(tokens[store_offset : store_offset + take]))
            begin += take
            segment += 1
        if not parts:
            return np.zeros(0, dtype=self._dtype)
        return np.concatenate(parts).astype(self._dtype, copy=False)

    def _index(self) -> np.ndarray:
        block_tokens, context = self.split_cfg.block_tokens, self.window_cfg.context
        blocks = np.arange(-(-self._split_tokens // block_tokens), dtype=np.int64)
        if not self.split_cfg.by_record:
            blocks = blocks[block_splits(blocks, self.split_cfg) == SPLITS.index(self.split)]
        starts = [np.zeros(0, dtype=np.int64)]
        for block in blocks.tolist():
            begin = block * block_tokens
            ids = self._gather(begin, min(begin + block_tokens, self._split_tokens))
            scored = np.asarray(self.tokenizer.scored(ids), dtype=bool)
            numbers = kept_window_numbers(scored, self.tokenizer.history, context)
            starts.append(begin + numbers * context)
        return np.concatenate(starts)
