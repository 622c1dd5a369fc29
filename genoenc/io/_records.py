"""The record chunk: what every reader yields."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Chunk", "ReadOrigin"]


@dataclass(frozen=True, slots=True)
class ReadOrigin:
    """Where a sequencing read comes from: what the data layer splits reads by.

    Reads of one locus must not fall in both train and test (a Markov model would
    recall the test reads from the train reads), so readers of BAM/CRAM/FASTQ say where
    each read lies; the data layer assigns reads to splits by it
    (:mod:`genoenc.data.read_split`).

    Attributes:
        template: The read's template (fragment) name: the read name without a ``/1``
            or ``/2`` mate suffix, so both mates (and both files of a pair) share it.
        contig: The reference contig of an aligned (or placed) read; ``None`` for an
            unplaced read (FASTQ, or unmapped with no mapped mate).
        start: 0-based first reference position of the template (the leftmost of the
            two mates of a pair on one contig); -1 when unplaced.
        end: 0-based end (exclusive) of the template on the reference; -1 when unplaced.
    """

    template: str
    contig: str | None = None
    start: int = -1
    end: int = -1


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
        origin: For a sequencing read, where it comes from (splits go by it);
            ``None`` for FASTA and text records.
        byte_map: The 256-byte ``bytes.translate`` table ``seq`` was mapped through
            when the reader was asked to map bytes as it removed line breaks (one pass
            instead of two); ``None``: ``seq`` holds the bytes of the file.
    """

    path: str
    name: str
    seq: bytes
    start: int
    first: bool
    last: bool
    byte_offset: int = -1
    origin: ReadOrigin | None = None
    byte_map: bytes | None = None
