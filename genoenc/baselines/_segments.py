"""Flattening batches of segments for counting: tokens, scored targets and usable context.

A batch is a list of 1-D integer arrays or a 2-D array whose rows are segments. Everything
downstream works on one concatenated token array plus, per position, whether its target is
scored and how many tokens before it may serve as context (``context_length``): contexts
never reach back across a segment start or across a *break* token (N, PAD, or any id
outside the model's vocabulary).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["FlatSegments", "Segments", "context_length", "flatten_segments"]

#: A batch of segments: a list of 1-D integer arrays, or a 2-D array (one segment per row).
Segments = Sequence[np.ndarray] | np.ndarray


@dataclass(frozen=True, kw_only=True)
class FlatSegments:
    """Segments concatenated into one array.

    Attributes:
        tokens: (n,) int64 token ids of all segments, end to end.
        scored: (n,) bool, True where the position is a target that counts.
        starts: (s,) int64 offset of each non-empty segment in ``tokens``.
    """

    tokens: np.ndarray
    scored: np.ndarray
    starts: np.ndarray


def flatten_segments(segments: Segments, scored_mask: Segments | None) -> FlatSegments:
    """Concatenate segments (and their masks) into a :class:`FlatSegments`.

    Args:
        segments: A list of 1-D integer arrays, or a 2-D integer array of rows.
        scored_mask: Same shapes as ``segments``, bool; ``None`` scores every position.

    Returns:
        The flattened tokens, scored flags and segment starts.

    Raises:
        ValueError: If shapes disagree, a segment is not 1-D, or an id is negative.

    >>> flat = flatten_segments([np.array([1, 2]), np.array([], int), np.array([3])], None)
    >>> flat.tokens.tolist(), flat.scored.tolist(), flat.starts.tolist()
    ([1, 2, 3], [True, True, True], [0, 2])
    """
    if isinstance(segments, np.ndarray) and segments.ndim == 2:
        rows, length = segments.shape
        tokens = np.ascontiguousarray(segments, dtype=np.int64).reshape(-1)
        starts = np.arange(rows, dtype=np.int64) * length if length else np.zeros(0, np.int64)
        if scored_mask is None:
            scored = np.ones(tokens.size, dtype=bool)
        else:
            mask = np.asarray(scored_mask, dtype=bool)
            if mask.shape != segments.shape:
                raise ValueError(f"scored_mask shape {mask.shape} != segments {segments.shape}")
            scored = mask.reshape(-1)
    else:
        pieces = [np.asarray(seg) for seg in segments]
        if any(piece.ndim != 1 for piece in pieces):
            raise ValueError("each segment must be a 1-D array of token ids")
        if scored_mask is None:
            masks = [np.ones(piece.size, dtype=bool) for piece in pieces]
        else:
            masks = [np.asarray(m, dtype=bool) for m in scored_mask]
            if len(masks) != len(pieces) or any(
                m.shape != p.shape for m, p in zip(masks, pieces, strict=True)
            ):
                raise ValueError("scored_mask must have one array per segment, of equal shape")
        lengths = np.array([piece.size for piece in pieces], dtype=np.int64)
        offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
        starts = offsets[lengths > 0]
        tokens = np.concatenate(pieces).astype(np.int64) if pieces else np.zeros(0, np.int64)
        scored = np.concatenate(masks) if masks else np.zeros(0, bool)
    if tokens.size and not np.issubdtype(tokens.dtype, np.integer):
        raise ValueError("segments must hold integer token ids")
    if tokens.size and tokens.min() < 0:
        raise ValueError(f"token ids must be >= 0 (got {tokens.min()})")
    return FlatSegments(tokens=tokens, scored=scored, starts=starts)


def context_length(starts: np.ndarray, breaks: np.ndarray, max_order: int) -> np.ndarray:
    """Per position, how many preceding tokens may serve as context (capped at ``max_order``).

    A context stops at the start of the position's segment and just after the nearest
    earlier break token (``breaks[t]`` True). Vectorised with a running maximum of the last
    barrier index.

    Args:
        starts: (s,) segment start offsets.
        breaks: (n,) bool, True where the token may not appear in a context.
        max_order: Cap on the returned lengths.

    Returns:
        (n,) int64 usable context lengths in ``0..max_order``.

    >>> breaks = np.array([False, False, True, False, False, False])
    >>> context_length(np.array([0, 5]), breaks, 3).tolist()
    [0, 1, 2, 0, 1, 0]
    """
    n = breaks.size
    index = np.arange(n, dtype=np.int64)
    barrier = np.full(n, -1, dtype=np.int64)  # index of the last token a context may not use
    if n > 1:
        after_break = breaks[:-1]
        barrier[1:][after_break] = index[:-1][after_break]
    barrier[starts] = starts - 1  # a segment's first token sees nothing before it
    np.maximum.accumulate(barrier, out=barrier)
    return np.minimum(index - 1 - barrier, max_order)
