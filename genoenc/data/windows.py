"""Windows: the fixed-length training examples cut from a split's blocks.

A window is ``L = history + context + 1`` consecutive store ids inside one block
(``history`` is the tokenizer's: ``k - 1`` for overlapping k-mers, else 0). Window
``w`` of a block starts at block offset ``w * context``; the block's last window is
right-padded with PAD. The tokenizer turns a window into ``context`` inputs and
``context`` targets; the targets are the store ids ``window[history + 1:]`` (for
every tokenizer in docs/internals.md), i.e. block offsets
``w * context + history + 1 .. w * context + history + context``. So the targets of
consecutive windows tile the block with no overlap and no gap, except the block's
first ``history + 1`` tokens, which are only ever inputs; and since windows never
cross a block boundary, no split ever sees another split's tokens.

A window is dropped when none of its targets is scored (``tokenizer.scored``: PAD,
N and START never are), which removes the all-PAD tail of a block and runs of N
(assembly gaps) alike; every kept window therefore carries at least one scored
target. The rule looks only at the window's own tokens.

Windows come out in stream order (:func:`iter_windows`); :func:`shuffle_buffer`,
:func:`rc_augment` and :func:`batches` are the small steps that the datasets in
:mod:`genoenc.data.datasets` chain after it.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Generator, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

import numpy as np

from genoenc.data.blocks import split_blocks
from genoenc.data.splits import OpenPieces, SplitConfig
from genoenc.errors import ConfigError

__all__ = [
    "WindowConfig",
    "WindowTokenizer",
    "batches",
    "block_windows",
    "collect_windows",
    "iter_windows",
    "kept_window_numbers",
    "rc_augment",
    "sample_windows",
    "shuffle_buffer",
    "window_length",
]

Item = TypeVar("Item")

# Random draws are taken in batches of this size (one Generator call per batch, not
# per window); the batch size is part of what makes a seed's sequence reproducible.
_DRAW_BATCH = 1024


class WindowTokenizer(Protocol):
    """What the data layer needs from a tokenizer (see docs/internals.md "tokenize")."""

    @property
    def history(self) -> int:
        """Stored tokens needed before a window's first input."""
        ...

    @property
    def pad_id(self) -> int:
        """The PAD id in store id space."""
        ...

    @property
    def store_dtype(self) -> np.dtype[Any]:
        """The dtype of store ids."""
        ...

    def scored(self, targets: np.ndarray) -> np.ndarray:
        """Boolean mask of the targets that count in the loss."""
        ...

    def reverse_complement(self, windows: np.ndarray) -> np.ndarray:
        """Reverse-complement ``(B, L)`` store-id windows."""
        ...


@dataclass(frozen=True, kw_only=True)
class WindowConfig:
    """How blocks are cut into windows and how far they are shuffled.

    Attributes:
        context: Targets (and inputs) per window, ``T``.
        shuffle_buffer: Windows held by the shuffle buffer (1 keeps stream order).

    Raises:
        ConfigError: A field is out of range; the message names it.

    >>> WindowConfig(context=0)
    Traceback (most recent call last):
    ...
    genoenc.errors.ConfigError: window.context must be a positive integer (got 0)
    """

    context: int = 256
    shuffle_buffer: int = 8192

    def __post_init__(self) -> None:
        for name in ("context", "shuffle_buffer"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ConfigError(f"window.{name} must be a positive integer (got {value!r})")


def window_length(window_cfg: WindowConfig, history: int) -> int:
    """Store ids per window: ``history + context + 1``.

    >>> window_length(WindowConfig(context=256), history=2)
    259
    """
    return history + window_cfg.context + 1


def _check_fits(split_cfg: SplitConfig, window_cfg: WindowConfig, history: int) -> int:
    length = window_length(window_cfg, history)
    if split_cfg.block_tokens < length:
        raise ConfigError(
            f"split.block_tokens ({split_cfg.block_tokens:,}) must be at least the window "
            f"length history + context + 1 ({length:,})"
        )
    return length


def kept_window_numbers(scored: np.ndarray, history: int, context: int) -> np.ndarray:
    """Numbers ``w`` of a block's windows that have at least one scored target.

    Args:
        scored: ``tokenizer.scored(block)``: bool, shape ``(n,)``, for the block's ``n``
            store ids (padding is never scored, so it need not be included).
        history: The tokenizer's history.
        context: Targets per window.

    Returns:
        int64 window numbers, ascending; window ``w`` starts at block offset ``w * context``.

    >>> kept_window_numbers(np.array([0, 1, 1, 1, 0, 0, 0, 1, 0], dtype=bool), 0, 2)
    array([0, 1, 3])
    """
    n = len(scored)
    if n <= history + 1:
        return np.zeros(0, dtype=np.int64)
    candidates = np.arange(-(-(n - history - 1) // context), dtype=np.int64)
    first = candidates * context + history + 1  # block offset of each window's first target
    last = np.minimum(first + context, n)  # one past its last real target
    cumulative = np.concatenate([[0], np.cumsum(scored, dtype=np.int64)])
    return candidates[cumulative[last] > cumulative[first]]


def block_windows(
    block: np.ndarray, numbers: np.ndarray, history: int, context: int, pad_id: int
) -> Iterator[np.ndarray]:
    """The windows ``numbers`` of a block, each a fresh PAD-filled ``(L,)`` array.

    >>> [w.tolist() for w in block_windows(np.arange(5), np.array([0, 1]), 0, 3, 9)]
    [[0, 1, 2, 3], [3, 4, 9, 9]]
    """
    length = history + context + 1
    padded = np.full(len(block) + length, pad_id, dtype=block.dtype)
    padded[: len(block)] = block
    for number in numbers.tolist():
        start = number * context
        # A copy, so a window held in a shuffle buffer does not keep its block alive.
        yield padded[start : start + length].copy()


def iter_windows(
    open_pieces: OpenPieces,
    split_cfg: SplitConfig,
    window_cfg: WindowConfig,
    tokenizer: WindowTokenizer,
    split: str,
) -> Generator[np.ndarray, None, None]:
    """Windows of one split, in stream order, unshuffled.

    Reads the stream lazily: a block's windows come out as soon as the block is
    complete, so stopping early reads only as far as needed.

    Args:
        open_pieces: Starts the piece stream (see :mod:`genoenc.data.splits`).
        split_cfg: The split rule.
        window_cfg: The window size.
        tokenizer: Provides ``history``, ``pad_id``, ``store_dtype`` and ``scored``.
        split: ``"train"``, ``"val"`` or ``"test"``.

    Yields:
        ``(L,)`` arrays of ``tokenizer.store_dtype``.

    Raises:
        ConfigError: ``split`` is unknown, or a block is shorter than a window.
    """
    history, context, pad_id = tokenizer.history, window_cfg.context, tokenizer.pad_id
    _check_fits(split_cfg, window_cfg, history)
    dtype = np.dtype(tokenizer.store_dtype)
    for _, block in split_blocks(open_pieces(), split_cfg, split):
        block = block.astype(dtype, copy=False)
        scored = np.asarray(tokenizer.scored(block), dtype=bool)
        numbers = kept_window_numbers(scored, history, context)
        yield from block_windows(block, numbers, history, context, pad_id)


def shuffle_buffer(items: Iterable[Item], size: int, rng: np.random.Generator) -> Iterator[Item]:
    """Shuffle a stream through a buffer of ``size`` items (deterministic for ``rng``).

    Fills the buffer, then for each further item yields a uniformly chosen buffered
    item and puts the new one in its place; at the end yields the rest in random
    order. Memory holds ``size`` items; an item moves at most about ``size`` places
    backward on average, arbitrarily far forward.

    Args:
        items: The stream.
        size: Buffer size, >= 1 (1 keeps the order).
        rng: Source of randomness; the output depends only on its state and ``items``.

    >>> list(shuffle_buffer(range(6), 3, np.random.default_rng(0)))
    [2, 1, 4, 3, 5, 0]
    """
    if size < 1:
        raise ValueError(f"shuffle buffer size must be >= 1 (got {size})")
    stream = iter(items)
    buffer = list(itertools.islice(stream, size))
    draws: Iterator[int] = iter(())
    for item in stream:
        slot = next(draws, None)
        if slot is None:
            draws = iter(rng.integers(0, size, _DRAW_BATCH).tolist())
            slot = next(draws)
        yield buffer[slot]
        buffer[slot] = item
    for slot in rng.permutation(len(buffer)).tolist():
        yield buffer[slot]


def _coin_flips(rng: np.random.Generator) -> Iterator[bool]:
    """An endless stream of fair coin flips from ``rng``."""
    while True:
        yield from (rng.random(_DRAW_BATCH) < 0.5).tolist()


def _reverse_complement_window(window: np.ndarray, tokenizer: WindowTokenizer) -> np.ndarray:
    """The window reverse-complemented, unless it holds PAD (then returned as is)."""
    if (window == tokenizer.pad_id).any():
        # Flipping would move the padding to the front, where it would be read as input.
        return window
    flipped = tokenizer.reverse_complement(window[None, :])[0]  # (1, L) -> (L,)
    return np.asarray(flipped).astype(window.dtype, copy=False)


def rc_augment(
    windows: Iterable[np.ndarray], tokenizer: WindowTokenizer, rng: np.random.Generator
) -> Iterator[np.ndarray]:
    """Reverse-complement each window with probability 1/2 (windows with PAD never).

    One coin is drawn per window, PAD or not, so the i-th window's coin depends only on
    ``rng`` and ``i``.

    Args:
        windows: ``(L,)`` store-id windows.
        tokenizer: Provides ``pad_id`` and ``reverse_complement``.
        rng: The coin source (:class:`genoenc.data.WindowStream` uses ``[seed, epoch, 1]``).

    Yields:
        The windows, about half of them reverse-complemented.
    """
    for window, flip in zip(windows, _coin_flips(rng), strict=False):
        yield _reverse_complement_window(window, tokenizer) if flip else window


def batches(stream: Iterable[np.ndarray], batch_size: int) -> Iterator[np.ndarray]:
    """Stack consecutive windows into ``(B, L)`` arrays; the last batch may be smaller.

    >>> [b.shape for b in batches((np.zeros(4) for _ in range(5)), 2)]
    [(2, 4), (2, 4), (1, 4)]
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1 (got {batch_size})")
    stream = iter(stream)
    while batch := list(itertools.islice(stream, batch_size)):
        yield np.stack(batch)


def collect_windows(
    open_pieces: OpenPieces,
    split_cfg: SplitConfig,
    window_cfg: WindowConfig,
    tokenizer: WindowTokenizer,
    split: str,
    max_tokens: int,
) -> np.ndarray:
    """The eval sample: the first windows of ``split`` in stream order, ``max_tokens`` targets.

    Takes ``n = ceil(max_tokens / context)`` windows (fewer if the split has fewer) and
    reads the stream only as far as they need.

    Args:
        open_pieces: Starts the piece stream.
        split_cfg: The split rule.
        window_cfg: The window size.
        tokenizer: As for :func:`iter_windows`.
        split: ``"train"``, ``"val"`` or ``"test"``.
        max_tokens: Target budget, >= 0 (0 gives an empty sample).

    Returns:
        ``(n, L)`` array of ``tokenizer.store_dtype``; ``(0, L)`` when the split is empty.
    """
    if max_tokens < 0:
        raise ValueError(f"max_tokens must be >= 0 (got {max_tokens})")
    length = window_length(window_cfg, tokenizer.history)
    windows = iter_windows(open_pieces, split_cfg, window_cfg, tokenizer, split)
    try:
        taken = list(itertools.islice(windows, math.ceil(max_tokens / window_cfg.context)))
    finally:
        windows.close()  # release the reader now, not when the generator is collected
    if not taken:
        return np.zeros((0, length), dtype=tokenizer.store_dtype)
    return np.stack(taken)


def sample_windows(
    open_pieces: OpenPieces,
    split_cfg: SplitConfig,
    window_cfg: WindowConfig,
    tokenizer: WindowTokenizer,
    split: str,
    max_tokens: int,
    scan_tokens: int,
    seed: int = 0,
) -> np.ndarray:
    """An eval sample spread over ``split``: whole blocks drawn across it, ``max_tokens`` targets.

    The first windows of a split are one region of the genome, which need not look like
    the rest (the first two validation blocks of E. coli share ten times more 24-mers
    with train than the test split does). This draws ``ceil(max_tokens / block_tokens)``
    blocks uniformly (reservoir sampling, seeded) among the split's blocks that start
    within the first ``scan_tokens`` tokens of the stream (of the split's own stream under
    the record rule), and returns their windows in stream order,
    the first ``ceil(max_tokens / context)`` of them. Blocks are the same bases for every
    k (:func:`~genoenc.data.splits.blocks_for_stride`), so with caps counted in bases runs
    of different k are scored on the same bases. The scan cap bounds the start-up cost on
    a large genome; on a bacterial genome it covers the whole split.

    Returns:
        ``(n, L)`` array of ``tokenizer.store_dtype``; ``(0, L)`` when the split is empty.
    """
    if max_tokens < 0:
        raise ValueError(f"max_tokens must be >= 0 (got {max_tokens})")
    history, context, pad_id = tokenizer.history, window_cfg.context, tokenizer.pad_id
    length = _check_fits(split_cfg, window_cfg, history)
    n_windows = math.ceil(max_tokens / context)
    wanted = math.ceil(max_tokens / split_cfg.block_tokens)
    rng = np.random.default_rng(seed)
    kept: list[tuple[int, np.ndarray]] = []
    blocks = split_blocks(open_pieces(), split_cfg, split)
    try:
        for index, (start, block) in enumerate(blocks):
            if start >= max(scan_tokens, max_tokens) or wanted == 0:
                break
            if len(kept) < wanted:
                kept.append((index, block))
            else:
                slot = int(rng.integers(0, index + 1))
                if slot < wanted:
                    kept[slot] = (index, block)
    finally:
        close = getattr(blocks, "close", None)
        if close is not None:
            close()  # release the reader now, not when the generator is collected
    kept.sort(key=lambda item: item[0])
    dtype = np.dtype(tokenizer.store_dtype)
    windows: list[np.ndarray] = []
    for _, block in kept:
        block = block.astype(dtype, copy=False)
        numbers = kept_window_numbers(
            np.asarray(tokenizer.scored(block), dtype=bool), history, context
        )
        windows.extend(block_windows(block, numbers, history, context, pad_id))
    if not windows:
        return np.zeros((0, length), dtype=dtype)
    return np.stack(windows[:n_windows])
