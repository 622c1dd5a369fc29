"""Synthetic DNA as FASTA: base ids ``0..3`` read through the DNA vocabulary."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from genoenc.errors import ConfigError
from genoenc.tokenize.vocab import BASES, N_BASES

__all__ = ["tokens_to_dna", "write_fasta"]


def tokens_to_dna(tokens: np.ndarray) -> bytes:
    """Map base ids ``0..3`` to ``b"ATCG"`` bytes (the DNA vocabulary's order).

    Raises:
        ValueError: If an id is outside ``0..3``.

    >>> tokens_to_dna(np.array([0, 1, 2, 3, 3]))
    b'ATCGG'
    """
    ids = np.asarray(tokens).reshape(-1)
    if ids.size and (ids.min() < 0 or ids.max() >= N_BASES):
        raise ValueError(f"DNA tokens must be in 0..{N_BASES - 1}")
    return np.frombuffer(BASES, dtype=np.uint8)[ids].tobytes()


def write_fasta(
    path: str | os.PathLike[str],
    records: Iterable[np.ndarray] | np.ndarray,
    *,
    name_prefix: str = "seq",
    line_width: int = 60,
) -> Path:
    """Write token records as DNA FASTA: ``>{name_prefix}{i}`` headers, wrapped lines.

    Args:
        path: Output file (plain text).
        records: Token arrays (ids ``0..3``), or a 2-D array of one record per row.
        name_prefix: Record names are this prefix followed by 1, 2, ...
        line_width: Bases per sequence line.

    Returns:
        The path written.

    Raises:
        ConfigError: If ``line_width`` is not positive.
        ValueError: If a record holds an id outside ``0..3``.
    """
    if line_width < 1:
        raise ConfigError(f"fasta.line_width must be >= 1 (got {line_width})")
    path = Path(path)
    with path.open("wb") as handle:
        for number, record in enumerate(records, start=1):
            seq = tokens_to_dna(record)
            lines = [seq[i : i + line_width] for i in range(0, len(seq), line_width)]
            handle.write(b">%s%d\n" % (name_prefix.encode(), number))
            handle.write(b"".join(line + b"\n" for line in lines))
    return path
