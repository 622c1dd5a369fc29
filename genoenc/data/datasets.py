"""The ``torch`` dataset of windows: iterable over a piece stream (any input or a store).

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
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from typing import Protocol

import numpy as np
import torch.utils.data

from genoenc.data.read_split import make_piece
from genoenc.data.splits import OpenPieces, Piece, SplitConfig, check_split
from genoenc.data.windows import (
    WindowConfig,
    WindowTokenizer,
    _check_fits,
    _coin_flips,
    _reverse_complement_window,
    iter_windows,
    shuffle_buffer,
)

__all__ = ["RecordLike", "StoreLike", "WindowStream", "store_pieces"]


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
