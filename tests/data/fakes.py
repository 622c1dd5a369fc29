"""Small stand-ins for a tokenizer and a token store, for the data-layer tests.

``FakeTokenizer()`` behaves like the k=1 DNA tokenizer (history 0, PAD 7, uint8).
``OffsetTokenizer`` works on streams whose ids are their own offsets
(``np.arange``), so a window's contents say exactly where it came from.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from genoenc.data import Piece
from genoenc.tokenize.vocab import END, PAD, START, N, complement


@dataclass
class FakeTokenizer:
    """The k=1 DNA tokenizer's data-layer surface: ids are base ids, targets = ids."""

    history: int = 0
    pad_id: int = PAD
    store_dtype: np.dtype[Any] = field(default_factory=lambda: np.dtype(np.uint8))

    def scored(self, targets: np.ndarray) -> np.ndarray:
        return ~np.isin(targets, [N, START, PAD])

    def reverse_complement(self, windows: np.ndarray) -> np.ndarray:
        flipped = complement(windows[..., ::-1])
        swapped = np.where(flipped == START, END, np.where(flipped == END, START, flipped))
        return swapped.astype(windows.dtype)


@dataclass
class OffsetTokenizer:
    """For ``uint32`` streams whose ids are offsets; PAD is the largest uint32.

    Ids listed in ``unscored`` are not scored (they stand for N).
    """

    history: int = 0
    pad_id: int = 2**32 - 1
    store_dtype: np.dtype[Any] = field(default_factory=lambda: np.dtype(np.uint32))
    unscored: tuple[int, ...] = ()

    def scored(self, targets: np.ndarray) -> np.ndarray:
        return (targets != self.pad_id) & ~np.isin(targets, self.unscored)

    def reverse_complement(self, windows: np.ndarray) -> np.ndarray:
        return windows[..., ::-1].copy()


@dataclass(frozen=True)
class FakeRecord:
    name: str
    offset: int
    length: int


@dataclass
class FakeStore:
    """A hand-made token store: a ``np.memmap`` of ids plus its records."""

    tokens: np.ndarray
    records: Sequence[FakeRecord]

    @classmethod
    def write(cls, path: Path, records: Sequence[tuple[str, np.ndarray]]) -> FakeStore:
        ids = np.concatenate([record_ids for _, record_ids in records])
        ids.tofile(path)
        tokens = np.memmap(path, dtype=ids.dtype, mode="r", shape=ids.shape)
        offsets = np.concatenate([[0], np.cumsum([len(r) for _, r in records])]).tolist()
        named = [
            FakeRecord(name, int(offset), len(record_ids))
            for (name, record_ids), offset in zip(records, offsets, strict=False)
        ]
        return cls(tokens=tokens, records=named)


def dna_records(
    rng: np.random.Generator, lengths: Sequence[int], names: Sequence[str] | None = None
) -> list[tuple[str, np.ndarray]]:
    """Framed random DNA records (START, bases with a few N, END) as uint8 base ids."""
    records = []
    for index, length in enumerate(lengths):
        bases = rng.integers(0, 4, length).astype(np.uint8)
        bases[rng.random(length) < 0.02] = N
        ids = np.concatenate([[START], bases, [END]]).astype(np.uint8)
        records.append((names[index] if names else f"rec{index}", ids))
    return records


def pieces_of(
    records: Sequence[tuple[str, np.ndarray]], piece_tokens: int, *, named: bool = False
) -> Iterator[Piece]:
    """Cut records into pieces of at most ``piece_tokens`` (never across records)."""
    for name, ids in records:
        for begin in range(0, len(ids), piece_tokens):
            part = ids[begin : begin + piece_tokens]
            yield (name, part) if named else part
