"""Shared pieces of the reader tests: the DNA alphabet and compressed copies of data."""

from __future__ import annotations

import gzip
from collections.abc import Callable
from pathlib import Path

import pysam

#: What the DNA tokenizer passes to the readers: IUPAC, gaps, U, both cases.
DNA_ALPHABET = b"ACGTUNRYKMSWBDHV-.acgtunrykmswbdhv"
COMPRESSIONS = ("plain", "gzip", "bgzip")

WriteFile = Callable[..., Path]


def write_compressed(folder: Path, data: bytes, compression: str, name: str = "x.fa") -> Path:
    """Write ``data`` under ``folder`` as plain, gzip or bgzip; return the path.

    The file names end in ``.txt`` on purpose: readers must go by magic bytes.
    """
    plain = folder / f"{name}.plain.txt"
    plain.write_bytes(data)
    if compression == "plain":
        return plain
    packed = folder / f"{name}.{compression}.txt"
    if compression == "gzip":
        packed.write_bytes(gzip.compress(data, mtime=0))
    else:
        pysam.tabix_compress(str(plain), str(packed), force=True)
    return packed
