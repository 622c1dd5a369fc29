"""The fixed DNA vocabulary ``<A,T,C,G,N,START,END,PAD>`` and its byte lookup table.

This module is the one place the vocabulary is defined; nothing else spells out
``4`` or ``7``. The order is chosen so that the complement of a base id ``b < 4``
is ``b ^ 1`` (A<->T, C<->G).
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "ALPHABET",
    "BASES",
    "DNA_VOCAB",
    "DNA_VOCAB_SIZE",
    "END",
    "INVALID",
    "N_BASES",
    "PAD",
    "START",
    "TRANSLATE",
    "A",
    "C",
    "G",
    "N",
    "T",
    "complement",
]

A, T, C, G, N, START, END, PAD = range(8)
DNA_VOCAB: tuple[str, ...] = ("A", "T", "C", "G", "N", "START", "END", "PAD")
DNA_VOCAB_SIZE = len(DNA_VOCAB)
BASES = b"ATCG"
N_BASES = len(BASES)
#: Marks a byte that is not a sequence character in :data:`TRANSLATE`.
INVALID = 255


def _build_table() -> np.ndarray:
    table = np.full(256, INVALID, dtype=np.uint8)
    for base_id, base in enumerate(BASES):
        table[base] = base_id
        table[base + 32] = base_id  # soft-masked (lowercase) bases keep their id
    table[ord("U")] = table[ord("u")] = T
    # IUPAC ambiguity codes, N itself, and gap characters all become N.
    for char in b"NRYKMSWBDHV-.":
        table[char] = N
        if chr(char).isalpha():
            table[char + 32] = N
    table.setflags(write=False)
    return table


#: ``TRANSLATE[byte]`` is the base id of a sequence byte, or :data:`INVALID`.
TRANSLATE: np.ndarray = _build_table()

#: Every byte a DNA sequence may hold (the ``alphabet`` readers check against), sorted.
ALPHABET: bytes = bytes(np.flatnonzero(TRANSLATE != INVALID).astype(np.uint8))


def complement(ids: np.ndarray) -> np.ndarray:
    """Complement base ids; ids ``>= N`` (N and the specials) are unchanged.

    >>> complement(np.array([A, T, C, G, N, END], dtype=np.uint8)).tolist()
    [1, 0, 3, 2, 4, 6]
    """
    ids = np.asarray(ids)
    return np.where(ids < N_BASES, ids ^ 1, ids).astype(ids.dtype, copy=False)
