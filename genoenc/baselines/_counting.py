"""Counting (context, next) pairs of every order with sorts, and the smoothing terms.

The context of order ``j`` at a target is the base-``V`` number of the ``j`` tokens
before it, most recent most significant, packed in an int64; a pair key is
``context * V + next``. Each order is one sort of the pair keys plus a run-length pass;
Kneser-Ney continuation counts come from the next order's distinct pairs with their
oldest context token dropped (see :mod:`genoenc.baselines.markov` for the model).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["OrderTable", "Radix", "Terms", "count_tables", "kneser_ney_discounts", "lookup"]


def kneser_ney_discounts(counts: np.ndarray) -> np.ndarray:
    """Modified Kneser-Ney discounts ``(D1, D2, D3+)`` from a table's counts.

    ``Y = n1 / (n1 + 2 n2)`` and ``D_r = r - (r + 1) Y n_{r+1} / n_r`` (Chen & Goodman
    1998), with ``n_r`` the number of pairs seen ``r`` times. Where a discount is
    undefined (``n1``, ``n2`` or ``n_r`` is 0) or falls outside ``(0, r)`` it is
    ``r / 2``, so every context keeps some mass for the lower order and no seen pair
    loses all of its own.

    Args:
        counts: (U,) positive integer counts of distinct pairs.

    Returns:
        (3,) float64 discounts for counts 1, 2 and 3 or more.

    >>> kneser_ney_discounts(np.array([1] * 40 + [2] * 10 + [3] * 5 + [4] * 2)).round(3).tolist()
    [0.667, 1.0, 1.933]
    >>> kneser_ney_discounts(np.array([7, 9])).tolist()
    [0.5, 1.0, 1.5]
    """
    n1, n2, n3, n4 = np.bincount(np.minimum(counts, 5), minlength=6)[1:5].astype(float)
    discounts = np.array([0.5, 1.0, 1.5])
    if n1 == 0 or n2 == 0:  # Y is undefined or degenerate (0 or 1)
        return discounts
    y = n1 / (n1 + 2 * n2)
    for r, (n_r, n_next) in enumerate(((n1, n2), (n2, n3), (n3, n4)), start=1):
        if n_r > 0:
            d = r - (r + 1) * y * n_next / n_r
            if 0 < d < r:
                discounts[r - 1] = d
    return discounts


@dataclass(frozen=True, kw_only=True)
class Terms:
    """Interpolation terms of one order for one kind of count (raw or continuation).

    ``num`` is per pair, ``mass`` and ``denom`` per context (float32 to halve memory;
    counts below 2**24 are exact).
    """

    num: np.ndarray  # (U,) count minus discount
    mass: np.ndarray  # (C,) weight of the lower order
    denom: np.ndarray  # (C,) normaliser


@dataclass(frozen=True, kw_only=True)
class OrderTable:
    """Everything known about one order: sorted keys and the two sets of terms."""

    pair_keys: np.ndarray  # (U,) sorted int64 context * V + next
    ctx_keys: np.ndarray  # (C,) sorted int64 contexts
    top: Terms  # raw counts: used when this order is the model's highest
    lower: Terms  # continuation counts (Kneser-Ney) or the raw ones (Witten-Bell)


class Radix:
    """Base-``V`` digit operations on int64 codes; bit shifts when ``V`` is a power of two.

    >>> radix = Radix(4)
    >>> code = radix.push(np.array([2]), np.array([3]))
    >>> code.tolist(), radix.pop(code).tolist(), radix.last(code).tolist()
    ([11], [2], [3])
    """

    def __init__(self, vocab: int) -> None:
        self.vocab = vocab
        self.shift = vocab.bit_length() - 1 if vocab & (vocab - 1) == 0 else -1

    def push(self, codes: np.ndarray, digits: np.ndarray) -> np.ndarray:
        """``codes * V + digits``."""
        if self.shift >= 0:
            return (codes << self.shift) | digits
        return codes * self.vocab + digits

    def pop(self, codes: np.ndarray) -> np.ndarray:
        """``codes // V``: drop the last digit."""
        return codes >> self.shift if self.shift >= 0 else codes // self.vocab

    def last(self, codes: np.ndarray) -> np.ndarray:
        """``codes % V``: the last digit."""
        return codes & (self.vocab - 1) if self.shift >= 0 else codes % self.vocab


def _run_lengths(sorted_keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct values of a sorted array and how often each occurs.

    >>> [a.tolist() for a in _run_lengths(np.array([2, 2, 5, 9, 9, 9]))]
    [[2, 5, 9], [2, 1, 3]]
    """
    if sorted_keys.size == 0:
        return sorted_keys, np.zeros(0, dtype=np.int64)
    first = np.flatnonzero(np.concatenate([[True], sorted_keys[1:] != sorted_keys[:-1]]))
    counts = np.diff(np.append(first, sorted_keys.size))
    return sorted_keys[first], counts


def lookup(table: np.ndarray, sorted_queries: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index of each query in a sorted table, and whether it is there."""
    index = np.searchsorted(table, sorted_queries)
    if table.size == 0:
        return index, np.zeros(sorted_queries.size, dtype=bool)
    clipped = np.minimum(index, table.size - 1)
    return clipped, table[clipped] == sorted_queries


def _terms(
    counts: np.ndarray, ctx_first: np.ndarray, smoothing: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(num, mass, denom)`` of one table; ``ctx_first`` indexes each context's first pair."""
    if counts.size == 0:
        empty = np.zeros(0, dtype=np.float32)
        return empty, empty, empty
    total = np.add.reduceat(counts, ctx_first)
    if smoothing == "witten-bell":
        types = np.diff(np.append(ctx_first, counts.size))
        return counts, types, total + types
    discount = kneser_ney_discounts(counts)[np.minimum(counts, 3) - 1]  # (U,)
    return counts - discount, np.add.reduceat(discount, ctx_first), total


def _make_table(
    pair_keys: np.ndarray,
    counts: np.ndarray,
    continuation: np.ndarray | None,
    radix: Radix,
    smoothing: str,
) -> OrderTable:
    contexts = radix.pop(pair_keys)  # non-decreasing: pairs are sorted by context first
    ctx_first = np.flatnonzero(np.concatenate([[True], contexts[1:] != contexts[:-1]]))
    if pair_keys.size == 0:
        ctx_first = ctx_first[:0]

    def as_terms(values: np.ndarray) -> Terms:
        num, mass, denom = _terms(values, ctx_first, smoothing)
        return Terms(
            num=num.astype(np.float32), mass=mass.astype(np.float32), denom=denom.astype(np.float32)
        )

    top = as_terms(counts)
    lower = top if continuation is None or smoothing == "witten-bell" else as_terms(continuation)
    return OrderTable(pair_keys=pair_keys, ctx_keys=contexts[ctx_first], top=top, lower=lower)


def count_tables(
    tokens: np.ndarray,
    positions: np.ndarray,
    ctx_len: np.ndarray,
    k: int,
    vocab: int,
    smoothing: str,
) -> list[OrderTable]:
    """Count pairs of every order ``0..k`` at the target ``positions`` (one sort per order).

    ``ctx_len[i]`` is how many tokens before ``positions[i]`` may be context. Targets
    whose context is too short for order ``j`` are dropped from then on (orders nest).
    """
    radix = Radix(vocab)
    tokens = tokens.astype(np.uint8 if vocab <= 256 else np.uint16)  # lighter gathers
    targets = tokens[positions].astype(np.int64)
    codes = np.zeros(positions.size, dtype=np.int64)  # context of order j, per target
    tables: list[OrderTable] = []
    pending: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None  # order j-1 awaiting j
    for j in range(k + 1):
        if j:
            # Garbage where the context is shorter than j; those keys are masked below.
            codes = radix.push(codes, np.take(tokens, positions - j, mode="clip"))
        keys = radix.push(codes, targets)
        # Pairs without a full order-j context get key -1, which sorts first and is cut
        # off: cheaper than compressing every array at every order.
        short = np.flatnonzero(ctx_len < j)
        keys[short] = -1
        keys.sort()
        keys = keys[short.size :]
        pair_keys, counts = _run_lengths(keys)
        if pending is not None:
            tables.append(_finish_lower(pending, pair_keys, radix, smoothing))
        # Occurrences whose context cannot grow by one more token (continuation counts).
        ended = ctx_len == j
        truncated = np.sort(radix.push(codes[ended], targets[ended])) if j < k else keys[:0]
        pending = (pair_keys, counts, truncated)
    assert pending is not None
    pair_keys, counts, _ = pending
    tables.append(_make_table(pair_keys, counts, None, radix, smoothing))
    return tables


def _finish_lower(
    pending: tuple[np.ndarray, np.ndarray, np.ndarray],
    higher_keys: np.ndarray,
    radix: Radix,
    smoothing: str,
) -> OrderTable:
    """Build order ``j``'s table once order ``j + 1``'s distinct pairs are known.

    The continuation count of pair ``(c, x)`` is the number of distinct tokens ``w``
    with ``(w c, x)`` seen at order ``j + 1``, plus the occurrences of ``(c, x)`` whose
    context could not be extended.
    """
    pair_keys, counts, truncated = pending
    if smoothing == "witten-bell":
        return _make_table(pair_keys, counts, None, radix, smoothing)
    # Drop the oldest (least significant) context token of each order-(j+1) pair.
    lowered, extensions = _run_lengths(
        np.sort(radix.push(radix.pop(radix.pop(higher_keys)), radix.last(higher_keys)))
    )
    continuation = np.zeros(pair_keys.size, dtype=np.int64)
    continuation[np.searchsorted(pair_keys, lowered)] = extensions
    continuation += np.bincount(np.searchsorted(pair_keys, truncated), minlength=pair_keys.size)
    return _make_table(pair_keys, counts, continuation, radix, smoothing)
