"""The record chunk: what every reader yields."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Chunk"]


@dataclass(frozen=True, slots=True)
class Chunk:
    """A bounded piece of one record's sequence.

    Readers yield a record as one or more chunks in order, so memory never grows
    with a record's length. ``seq`` holds sequence bytes only (no line breaks,
    no whitespace); they are not yet mapped to tokens.

    Attributes:
        path: The file the chunk was read from (for error messages).
        name: The record's name (FASTA id up to the first whitespace, read name, ...).
        seq: The sequence bytes of this chunk.
        start: 0-based position of ``seq[0]`` within the record (or region).
        first: True for the record's first chunk (a START token precedes it).
        last: True for the record's last chunk (an END token follows it).
        byte_offset: Offset in the (uncompressed) file where the record's header
            or, for region/indexed reads, the record begins; -1 when unknown.
    """

    path: str
    name: str
    seq: bytes
    start: int
    first: bool
    last: bool
    byte_offset: int = -1
