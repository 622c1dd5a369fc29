"""Vectorised k-mer arithmetic over DNA base ids (pure numpy helpers).

A k-mer of base ids ``b[0] .. b[k-1]`` (each 0..3, ``A T C G``) has the id
``sum(b[j] * 4**(k-1-j))``: its base-4 number, first base most significant. Any
k-mer holding a non-ACGT id (N or a special) gets the N k-mer id ``4**k``; START,
END and PAD follow at ``4**k + 1 .. 4**k + 3``. For ``k = 1`` these are exactly the
ids of :mod:`genoenc.tokenize.vocab`.

All functions work along the last axis of arrays of any shape; the Python loops
run over the k digit positions (at most 12), never over bases.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from genoenc.tokenize.vocab import END, N_BASES, PAD, START, N

__all__ = [
    "kmer_bases",
    "kmer_ids",
    "kmer_vocab_size",
    "next_token_pairs",
    "reverse_complement_kmer_ids",
    "smallest_uint_dtype",
    "special_kmer_id",
]

# k-mers up to this length get a precomputed reverse-complement table (4**10 ids = 4 MiB);
# longer ones are computed digit by digit.
_RC_TABLE_MAX_K = 10


def kmer_vocab_size(k: int) -> int:
    """Number of k-mer ids: the ``4**k`` all-ACGT k-mers plus N, START, END, PAD.

    >>> kmer_vocab_size(1), kmer_vocab_size(3), kmer_vocab_size(8)
    (8, 68, 65540)
    """
    return N_BASES**k + (PAD - N + 1)


def special_kmer_id(base_id: int, k: int) -> int:
    """The k-mer id of a special base id (N, START, END or PAD).

    >>> from genoenc.tokenize.vocab import START
    >>> special_kmer_id(START, 2)
    17
    """
    if not N <= base_id <= PAD:
        raise ValueError(f"base id {base_id} is not N, START, END or PAD")
    return N_BASES**k + (base_id - N)


def next_token_pairs(windows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``inputs = w[..., :-1]``, ``targets = w[..., 1:]`` (int64, C-contiguous, ``(..., T)``).

    >>> [a.tolist() for a in next_token_pairs(np.array([[2, 0, 1, 3]]))]
    [[[2, 0, 1]], [[0, 1, 3]]]
    """
    windows = np.asarray(windows)
    if windows.ndim == 0 or windows.shape[-1] < 2:
        raise ValueError("windows need at least 2 ids")
    windows = windows.astype(np.int64)
    return np.ascontiguousarray(windows[..., :-1]), np.ascontiguousarray(windows[..., 1:])


def smallest_uint_dtype(n_ids: int) -> np.dtype[Any]:
    """The smallest of uint8/uint16/uint32 that holds the ids ``0 .. n_ids - 1``.

    >>> [str(smallest_uint_dtype(n)) for n in (8, 256, 257, 65540)]
    ['uint8', 'uint8', 'uint16', 'uint32']
    """
    for dtype in (np.uint8, np.uint16, np.uint32):
        if n_ids - 1 <= np.iinfo(dtype).max:
            return np.dtype(dtype)
    raise ValueError(f"{n_ids} ids do not fit in uint32")


def kmer_ids(base_ids: np.ndarray, k: int, *, stride: int = 1) -> np.ndarray:
    """k-mer ids of the k-mers starting every ``stride`` bases along the last axis.

    A trailing partial k-mer (fewer than k bases left) is dropped. A k-mer holding
    any id ``>= N`` (N, START, END, PAD) gets the N k-mer id ``4**k``.

    Args:
        base_ids: Base ids, shape ``(..., n)``, any integer dtype.
        k: Bases per k-mer, >= 1.
        stride: Step between k-mer starts, >= 1.

    Returns:
        int64 ids, shape ``(..., m)`` with ``m = (n - k) // stride + 1`` (0 if ``n < k``).

    >>> from genoenc.tokenize.vocab import A, C, G, N, T
    >>> kmer_ids(np.array([A, C, G, T]), 2).tolist()   # AC, CG, GT
    [2, 11, 13]
    >>> kmer_ids(np.array([A, C, G, T, G]), 2, stride=2).tolist()   # AC, GT; last G dropped
    [2, 13]
    >>> kmer_ids(np.array([A, N, G]), 2).tolist()   # AN and NG hold an N
    [16, 16]
    """
    if k < 1 or stride < 1:
        raise ValueError(f"k and stride must be >= 1 (got k={k}, stride={stride})")
    base_ids = np.asarray(base_ids)
    n = base_ids.shape[-1]
    if n < k:
        return np.zeros((*base_ids.shape[:-1], 0), dtype=np.int64)
    # (..., m, k) view: row i holds the k bases of the i-th k-mer; no copy is made.
    windows = np.lib.stride_tricks.sliding_window_view(base_ids, k, axis=-1)[..., ::stride, :]
    ids = np.zeros(windows.shape[:-1], dtype=np.int64)
    has_non_acgt = np.zeros(windows.shape[:-1], dtype=bool)
    for j in range(k):
        digit = windows[..., j]
        ids *= N_BASES
        ids += digit
        has_non_acgt |= digit >= N_BASES
    ids[has_non_acgt] = N_BASES**k
    return ids


def kmer_bases(ids: np.ndarray, k: int) -> np.ndarray:
    """Base ids of all-ACGT k-mer ids (the inverse of :func:`kmer_ids`).

    The N k-mer id decodes to k N bases; other ids (the specials) are an error.

    Args:
        ids: k-mer ids, shape ``(...)``, each ``<= 4**k``.
        k: Bases per k-mer.

    Returns:
        uint8 base ids, shape ``(..., k)``.

    >>> kmer_bases(np.array([2, 13, 16]), 2).tolist()
    [[0, 2], [3, 1], [4, 4]]
    """
    ids = np.asarray(ids, dtype=np.int64)
    n_kmers = N_BASES**k
    if ids.size and (ids.min() < 0 or ids.max() > n_kmers):
        bad = ids[(ids < 0) | (ids > n_kmers)].flat[0]
        raise ValueError(f"id {bad} is not an ACGT or N {k}-mer id (0..{n_kmers})")
    shifts = N_BASES ** np.arange(k - 1, -1, -1, dtype=np.int64)  # first base most significant
    bases = ((ids[..., None] // shifts) % N_BASES).astype(np.uint8)
    bases[ids == n_kmers] = N
    return bases


def reverse_complement_kmer_ids(ids: np.ndarray, k: int) -> np.ndarray:
    """Map k-mer ids to the ids of their reverse complements.

    All-ACGT k-mers map to the k-mer read on the other strand (``AAC -> GTT``); N and
    PAD stay; START and END swap (a reversed record ends where it began). The order
    of the array itself is not changed.

    Args:
        ids: k-mer ids, shape ``(...)``, each ``< 4**k + 4``.
        k: Bases per k-mer.

    Returns:
        int64 ids, same shape.

    >>> AAC, GTT = 2, 3 * 16 + 1 * 4 + 1
    >>> reverse_complement_kmer_ids(np.array([AAC, GTT, 64, 65, 66, 67]), 3).tolist()
    [53, 2, 64, 66, 65, 67]
    """
    ids = np.asarray(ids, dtype=np.int64)
    vocab = kmer_vocab_size(k)
    if ids.size and (ids.min() < 0 or ids.max() >= vocab):
        bad = ids[(ids < 0) | (ids >= vocab)].flat[0]
        raise ValueError(f"id {bad} is not a {k}-mer id (0..{vocab - 1})")
    if k <= _RC_TABLE_MAX_K:
        return _rc_table(k)[ids]
    return _rc_arithmetic(ids, k)


@functools.cache
def _rc_table(k: int) -> np.ndarray:
    """Reverse-complement id of every k-mer id, built once per k (read-only)."""
    table = _rc_arithmetic(np.arange(kmer_vocab_size(k), dtype=np.int64), k)
    table.setflags(write=False)
    return table


def _rc_arithmetic(ids: np.ndarray, k: int) -> np.ndarray:
    n_kmers = N_BASES**k
    acgt = ids < n_kmers
    # Complementing every digit is an XOR with 0b01 per digit (A<->T, C<->G is b ^ 1) ...
    remaining = np.where(acgt, ids ^ ((n_kmers - 1) // 3), 0)
    # ... and reversing the strand reverses the digit order.
    result = np.zeros_like(ids)
    for _ in range(k):
        result = result * N_BASES + remaining % N_BASES
        remaining //= N_BASES
    start, end = special_kmer_id(START, k), special_kmer_id(END, k)
    specials = np.where(ids == start, end, np.where(ids == end, start, ids))
    return np.where(acgt, result, specials)
