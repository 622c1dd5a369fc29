"""Deterministic, leak-free train/val/test splits of a token stream.

The data layer reads a *piece stream*: the store ids of every input record,
already framed ``START ... END``, concatenated in input order and handed over in
pieces (1-D arrays) of any size. A piece is either a bare array or a
``(record name, array)`` pair; names are needed only when whole records are
assigned to a split.

Two rules assign every token to exactly one split:

* **Block hash** (default). The concatenated stream is cut into blocks of
  ``block_tokens`` tokens: the token at global offset ``o`` lies in block
  ``o // block_tokens``. Block ``i`` goes to test, val or train by a seeded hash of
  ``(seed, i)`` (splitmix64, vectorised; never Python's ``hash()``), with
  probabilities ``test_fraction``, ``val_fraction`` and the rest. No names are
  needed, and a block's split depends only on its index, so the same input in the
  same order always splits the same way.
* **Whole records**, when ``val_records`` or ``test_records`` name records: those
  records (every piece carrying that name) go to val or test, all other records to
  train; the fractions are then unused, and a split with no listed record is empty.
  Each split's tokens, concatenated in stream order, form that split's own stream,
  which is cut into blocks of ``block_tokens`` by its own offsets.

Either way a split is a sequence of blocks; windows (see :mod:`genoenc.data.windows`)
never cross a block boundary, so no target of one split is ever an input of another.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from typing import Literal, TypeAlias

import numpy as np

from genoenc.errors import ConfigError, is_int

__all__ = [
    "SPLITS",
    "OpenPieces",
    "Piece",
    "Split",
    "SplitConfig",
    "block_splits",
    "blocks_for_stride",
    "check_split",
    "splitmix64",
]

logger = logging.getLogger(__name__)

Split: TypeAlias = Literal["train", "val", "test"]
#: The split names; a split's code in :func:`block_splits` is its position here.
SPLITS: tuple[Split, ...] = ("train", "val", "test")

#: One piece of the stream: store ids, optionally with the name of their record.
Piece: TypeAlias = np.ndarray | tuple[str, np.ndarray]
#: A zero-argument callable that (re)starts the piece stream from its beginning.
OpenPieces: TypeAlias = Callable[[], Iterable[Piece]]

_UINT64_MAX = 2**64 - 1


@dataclass(frozen=True, kw_only=True)
class SplitConfig:
    """How the token stream is divided into train, val and test.

    Attributes:
        val_fraction: Expected share of blocks in val (block-hash rule), 0..1.
        test_fraction: Expected share of blocks in test (block-hash rule), 0..1;
            ``val_fraction + test_fraction`` must not exceed 1.
        block_tokens: Tokens per block; windows never cross a block boundary. For DNA this
            counts bases: a tokenizer with stride ``s`` cuts blocks of ``block_tokens // s``
            tokens (:func:`blocks_for_stride`), so runs with different k split the same
            bases. The default, 55,440 = 2 x lcm(1..12), is a multiple of every stride.
        seed: Seeds the block hash (0 .. 2**64 - 1); independent of the training seed.
        val_records: Record names that go to val whole (switches to the record rule).
        test_records: Record names that go to test whole (switches to the record rule).

    Raises:
        ConfigError: A field is out of range; the message names it.

    >>> SplitConfig(val_records=["chr2"]).by_record
    True
    >>> SplitConfig(val_fraction=0.6, test_fraction=0.6)
    Traceback (most recent call last):
    ...
    genoenc.errors.ConfigError: split.val_fraction + split.test_fraction must be <= 1 (got 1.2)
    """

    val_fraction: float = 0.1
    test_fraction: float = 0.1
    block_tokens: int = 55_440
    seed: int = 0
    val_records: tuple[str, ...] = ()
    test_records: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for name in ("val_fraction", "test_fraction"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ConfigError(f"split.{name} must be a number in 0..1 (got {value!r})")
            if not 0.0 <= value <= 1.0:
                raise ConfigError(f"split.{name} must be in 0..1 (got {value!r})")
        total = self.val_fraction + self.test_fraction
        if total > 1.0:
            raise ConfigError(
                f"split.val_fraction + split.test_fraction must be <= 1 (got {total:g})"
            )
        if not is_int(self.block_tokens) or self.block_tokens < 1:
            raise ConfigError(
                f"split.block_tokens must be a positive integer (got {self.block_tokens!r})"
            )
        if not is_int(self.seed) or not 0 <= self.seed <= _UINT64_MAX:
            raise ConfigError(f"split.seed must be an integer in 0..2**64-1 (got {self.seed!r})")
        for name in ("val_records", "test_records"):
            value = getattr(self, name)
            if isinstance(value, str) or not all(isinstance(item, str) for item in value):
                raise ConfigError(f"split.{name} must be a list of record names (got {value!r})")
            # Frozen dataclass: store lists as tuples so configs hash and compare.
            object.__setattr__(self, name, tuple(value))
        shared = sorted(set(self.val_records) & set(self.test_records))
        if shared:
            raise ConfigError(
                f"split.val_records and split.test_records both name record {shared[0]!r}"
            )

    @property
    def by_record(self) -> bool:
        """True when whole records are assigned (``val_records`` or ``test_records`` given)."""
        return bool(self.val_records or self.test_records)

    def record_split(self, name: str) -> Split:
        """The split of a record under the record rule (train unless listed).

        >>> SplitConfig(test_records=("chrM",)).record_split("chrM")
        'test'
        """
        if name in self.val_records:
            return "val"
        if name in self.test_records:
            return "test"
        return "train"


def check_split(split: str) -> Split:
    """Return ``split`` if it names a split, else raise :class:`ConfigError`.

    >>> check_split("val")
    'val'
    """
    if split not in SPLITS:
        raise ConfigError(f"split must be one of {', '.join(SPLITS)} (got {split!r})")
    return split


def splitmix64(values: np.ndarray) -> np.ndarray:
    """The splitmix64 finaliser, elementwise on unsigned 64-bit integers (wrapping).

    Args:
        values: Integers, any shape, cast to ``uint64``.

    Returns:
        ``uint64`` hashes, same shape.

    >>> splitmix64(np.array([0, 1], dtype=np.uint64)).tolist()
    [16294208416658607535, 10451216379200822465]
    """
    # Work on >= 1-d arrays: numpy checks overflow (and warns) on scalars, but wrapping
    # modulo 2**64 is exactly what the hash wants.
    x = np.atleast_1d(np.asarray(values, dtype=np.uint64)) + np.uint64(0x9E3779B97F4A7C15)
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    x = x ^ (x >> np.uint64(31))
    return x.reshape(np.shape(values))


def block_splits(blocks: np.ndarray, cfg: SplitConfig) -> np.ndarray:
    """Split codes (0 train, 1 val, 2 test; see :data:`SPLITS`) of block indices.

    Uses the block-hash rule: ``u = splitmix64(splitmix64(seed) ^ i) / 2**64``; test if
    ``u < test_fraction``, val if ``u < test_fraction + val_fraction``, else train.

    Args:
        blocks: Non-negative block indices, any shape.
        cfg: The split config (its ``seed`` and fractions are used).

    Returns:
        ``uint8`` codes, same shape as ``blocks``.

    >>> block_splits(np.arange(8), SplitConfig(val_fraction=0.5, test_fraction=0.5)).tolist()
    [1, 2, 1, 1, 2, 2, 2, 2]
    """
    key = splitmix64(np.array([cfg.seed], dtype=np.uint64))
    hashed = splitmix64(np.asarray(blocks, dtype=np.uint64) ^ key)
    # The top 53 bits give a uniform double in [0, 1) exactly.
    uniform = (hashed >> np.uint64(11)).astype(np.float64) * 2.0**-53
    codes = np.zeros(uniform.shape, dtype=np.uint8)
    codes[uniform < cfg.test_fraction + cfg.val_fraction] = SPLITS.index("val")
    codes[uniform < cfg.test_fraction] = SPLITS.index("test")
    return codes


def blocks_for_stride(cfg: SplitConfig, stride: int) -> SplitConfig:
    """The split in token units for a tokenizer whose tokens each cover ``stride`` bases.

    Block ``i`` then covers the same bases, to within a token, as block ``i`` of a
    single-base run (exactly when ``block_tokens`` is a multiple of ``stride``).

    >>> blocks_for_stride(SplitConfig(), 6).block_tokens
    9240
    """
    if stride == 1:
        return cfg
    return replace(cfg, block_tokens=max(1, cfg.block_tokens // stride))


def _piece_ids(piece: Piece) -> np.ndarray:
    ids = piece[1] if isinstance(piece, tuple) else piece
    return np.asarray(ids).reshape(-1)


def _record_pieces(pieces: Iterable[Piece], cfg: SplitConfig, split: Split) -> Iterator[np.ndarray]:
    """The ids of the pieces whose record belongs to ``split`` (record rule)."""
    listed = set(cfg.val_records if split == "val" else cfg.test_records if split == "test" else ())
    seen: set[str] = set()
    for piece in pieces:
        if not isinstance(piece, tuple):
            raise ValueError(
                "split.val_records/test_records need named pieces: (record name, ids) pairs"
            )
        name, ids = piece
        if name in listed:
            seen.add(name)
        if cfg.record_split(name) == split:
            yield np.asarray(ids).reshape(-1)
    missing = sorted(listed - seen)
    if missing:
        logger.warning(
            "split %s: %d listed record(s) never appeared in the input, e.g. %r",
            split,
            len(missing),
            missing[0],
        )


def _cut_blocks(
    arrays: Iterable[np.ndarray], block_tokens: int, keep: Callable[[int], bool] | None
) -> Iterator[tuple[int, np.ndarray]]:
    """Concatenate ``arrays`` and yield its blocks (those ``keep`` accepts; all if None)."""
    offset = 0  # offset of the next token in block coordinates
    parts: list[np.ndarray] = []  # pieces of the current block, only when it is kept
    kept_block, kept = -1, False
    for ids in arrays:
        position = 0
        while position < len(ids):
            block = offset // block_tokens
            block_end = (block + 1) * block_tokens
            take = min(len(ids) - position, block_end - offset)
            if block != kept_block:
                kept_block, kept = block, keep is None or keep(block)
            if kept:
                parts.append(ids[position : position + take])
            position += take
            offset += take
            if offset == block_end and parts:
                yield block * block_tokens, np.concatenate(parts)
                parts = []
    if parts:
        yield kept_block * block_tokens, np.concatenate(parts)
