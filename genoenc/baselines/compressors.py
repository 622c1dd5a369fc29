"""General-compressor references: compressed bits per base of xz, bzip2, gzip and zstd.

A reference is computed on the bases of the test blocks only, one byte per base
(``ACGT``, no headers, newlines or N), concatenated in split order: pass those bytes
(:func:`bases_from_tokens` builds them from base ids). Bits per base is the compressed
size, container headers included, times 8 over the number of input bytes, so a good
compressor on random DNA approaches 2 bits per base from above.

xz, bzip2 and gzip run through the standard library (``lzma``, ``bz2``, ``gzip``); zstd
runs the ``zstd`` binary when it is on ``PATH`` and is skipped otherwise.
"""

from __future__ import annotations

import bz2
import gzip
import logging
import lzma
import shutil
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np

from genoenc.errors import ConfigError
from genoenc.tokenize.vocab import BASES, N_BASES

__all__ = [
    "COMPRESSORS",
    "CompressorReference",
    "available_compressors",
    "bases_from_tokens",
    "compressor_references",
]

log = logging.getLogger(__name__)


def _xz(data: bytes) -> bytes:
    return lzma.compress(data, format=lzma.FORMAT_XZ, preset=9 | lzma.PRESET_EXTREME)


def _bzip2(data: bytes) -> bytes:
    return bz2.compress(data, compresslevel=9)


def _gzip(data: bytes) -> bytes:
    return gzip.compress(data, compresslevel=9, mtime=0)


def _zstd(data: bytes) -> bytes:
    result = subprocess.run(
        ["zstd", "-19", "--long=27", "-c", "-q"], input=data, capture_output=True, check=True
    )
    return result.stdout


#: Name -> (the equivalent command line, compress function, needs the ``zstd`` binary).
COMPRESSORS: Final[dict[str, tuple[str, Callable[[bytes], bytes], bool]]] = {
    "xz": ("xz -9e", _xz, False),
    "bzip2": ("bzip2 -9", _bzip2, False),
    "gzip": ("gzip -9", _gzip, False),
    "zstd": ("zstd -19 --long=27", _zstd, True),
}


@dataclass(frozen=True, kw_only=True)
class CompressorReference:
    """One compressor's result on one byte sequence.

    Attributes:
        name: Compressor name (a key of :data:`COMPRESSORS`).
        command: The equivalent command line, e.g. ``"xz -9e"``.
        input_bytes: Bases compressed (one byte each).
        compressed_bytes: Size of the compressed output, headers included.
    """

    name: str
    command: str
    input_bytes: int
    compressed_bytes: int

    @property
    def bits_per_base(self) -> float:
        """Compressed bits per input byte (per base for one base per byte); NaN if empty.

        >>> ref = CompressorReference(name="x", command="x", input_bytes=8, compressed_bytes=2)
        >>> ref.bits_per_base
        2.0
        """
        if self.input_bytes == 0:
            return float("nan")
        return 8 * self.compressed_bytes / self.input_bytes


def available_compressors() -> tuple[str, ...]:
    """Names of the compressors usable here (zstd only when its binary is on ``PATH``)."""
    return tuple(
        name
        for name, (_, _, binary) in COMPRESSORS.items()
        if not binary or shutil.which(name) is not None
    )


def compressor_references(
    data: bytes, *, compressors: Sequence[str] | None = None
) -> list[CompressorReference]:
    """Compress ``data`` with each compressor and report bits per base.

    Args:
        data: The test blocks' bases, one ``ACGT`` byte per base, concatenated.
        compressors: Names to run (default: :func:`available_compressors`). A named
            compressor whose binary is missing is skipped with a log line.

    Returns:
        One :class:`CompressorReference` per compressor run, in the order asked.

    Raises:
        ConfigError: If a name is not a known compressor.
    """
    available = available_compressors()
    names = available if compressors is None else tuple(compressors)
    references = []
    for name in names:
        if name not in COMPRESSORS:
            raise ConfigError(
                f"baseline.compressors: unknown compressor {name!r} "
                f"(known: {', '.join(COMPRESSORS)})"
            )
        if name not in available:
            log.info("compressor %s skipped: its binary is not on PATH", name)
            continue
        command, compress, _ = COMPRESSORS[name]
        size = len(compress(data))
        references.append(
            CompressorReference(
                name=name, command=command, input_bytes=len(data), compressed_bytes=size
            )
        )
        log.info("%s: %.4f bits/base", command, references[-1].bits_per_base)
    return references


def bases_from_tokens(tokens: np.ndarray) -> bytes:
    """ACGT bytes of the base ids (0..3) in ``tokens``; every other id is dropped.

    >>> bases_from_tokens(np.array([0, 1, 5, 2, 3, 4, 6]))
    b'ATCG'
    """
    ids = np.asarray(tokens).reshape(-1)
    ids = ids[(ids >= 0) & (ids < N_BASES)]
    return np.frombuffer(BASES, dtype=np.uint8)[ids].tobytes()
