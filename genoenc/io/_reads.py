"""Sequencing reads: FASTQ (plain or gzip) and BAM/CRAM alignments, through pysam.

Each read is one record. Reads are short next to a chromosome, but long-read
data can exceed ``chunk_size``, so a read is still cut into bounded chunks.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from genoenc.errors import FileFormatError, InputError, RegionError, SequenceCharError, shorten
from genoenc.io._open import (
    DEFAULT_CHUNK_SIZE,
    check_chunk_size,
    check_readable,
    iter_decompressed,
    open_source,
)
from genoenc.io._records import Chunk, ReadOrigin
from genoenc.io._regions import Region, parse_region
from genoenc.io._stdin import label, local_path

if TYPE_CHECKING:
    import pysam

# pysam is imported where a read is read, not with genoenc.io: it costs a tenth of the
# start-up of `genoenc tokenize --fasta` (measured), which never needs it.

__all__ = ["read_alignments", "read_fastq"]

logger = logging.getLogger(__name__)

# Alignments that repeat a read already counted elsewhere in the file.
_SECONDARY_OR_SUPPLEMENTARY = 0x100 | 0x800


def read_fastq(
    path: str | os.PathLike[str],
    *,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    alphabet: bytes | None = None,
) -> Iterator[Chunk]:
    """Stream the reads of a FASTQ file (plain or gzip), one record per read.

    Reads with an empty sequence are skipped. Qualities are not read.

    Args:
        path: The FASTQ file.
        chunk_size: The most bases in one chunk.
        alphabet: When given, every base must be one of these bytes.

    Raises:
        InputError: The file is missing or unreadable.
        FileFormatError: The file is not FASTQ, or is truncated or corrupt.
        SequenceCharError: A base is not in ``alphabet``; names the read and the
            1-based position in it.
    """
    check_chunk_size(chunk_size)
    name = check_readable(path)
    _check_fastq(name)
    return _read_fastq(name, chunk_size, alphabet)


def _check_fastq(name: str) -> None:
    """pysam reads any text as zero records, and BGZF BAM as garbage: check first."""
    with open_source(name) as (handle, shown):
        head = next(iter_decompressed(handle, shown, block_size=1 << 12), b"")
    name = shown
    stripped = head.lstrip()
    if not stripped:
        raise FileFormatError(name, "empty file (no FASTQ reads)")
    if stripped[:1] != b"@":
        first_line = stripped.split(b"\n", 1)[0]
        raise FileFormatError(name, f"not a FASTQ file: expected '@' but got {shorten(first_line)}")


def _read_fastq(path: str, chunk_size: int, alphabet: bytes | None) -> Iterator[Chunk]:
    name = label(path)
    import pysam

    reads = skipped = 0
    try:
        with pysam.FastxFile(local_path(path)) as fastq:
            for entry in fastq:
                sequence = entry.sequence
                if not sequence:
                    skipped += 1
                    continue
                reads += 1
                read_name = entry.name or ""
                origin = ReadOrigin(template_name(read_name))
                yield from _read_chunks(
                    name, read_name, sequence.encode(), chunk_size, alphabet, origin
                )
    except (OSError, ValueError) as error:
        raise FileFormatError(name, f"truncated or corrupt FASTQ ({error})") from error
    logger.debug("%s: %d reads, %d empty reads skipped", name, reads, skipped)


def read_alignments(
    path: str | os.PathLike[str],
    *,
    reference: str | os.PathLike[str] | None = None,
    regions: Iterable[Region | str] = (),
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    alphabet: bytes | None = None,
) -> Iterator[Chunk]:
    """Stream the read sequences of a BAM or CRAM file, one record per read.

    Each read counts once: secondary and supplementary alignments are skipped,
    as are reads with no stored sequence. A read is given as sequenced
    (reverse-strand alignments are reverse-complemented back). Without
    ``regions`` every read is read, unmapped ones included; with them, the reads
    overlapping each region as ``samtools view FILE REGION`` gives them (a read
    overlapping two regions comes once per region).

    Args:
        path: The BAM or CRAM file.
        reference: The FASTA a CRAM was made against. A CRAM may decode without
            it (embedded reference), but genoenc callers should always pass it.
        regions: :class:`Region` objects or samtools-style strings; these need an
            index (``.bai``/``.csi``/``.crai``).
        chunk_size: The most bases in one chunk.
        alphabet: When given, every base must be one of these bytes.

    Raises:
        InputError: A file is missing, or regions are asked of an unindexed file.
        FileFormatError: The file is not BAM/CRAM, is truncated, or is a CRAM
            whose reference is missing or wrong.
        RegionError: A region names a contig the file's header lacks.
        SequenceCharError: A base is not in ``alphabet``.
    """
    check_chunk_size(chunk_size)
    name = check_readable(path)
    reference_name = None if reference is None else local_path(check_readable(reference))
    wanted = [parse_region(r) if isinstance(r, str) else r for r in regions]
    return _read_alignments(name, reference_name, wanted, chunk_size, alphabet)


def _read_alignments(
    name: str,
    reference: str | None,
    regions: list[Region],
    chunk_size: int,
    alphabet: bytes | None,
) -> Iterator[Chunk]:
    import pysam

    path, name = local_path(name), label(name)
    try:
        alignments = pysam.AlignmentFile(path, "r", reference_filename=reference)
    except (OSError, ValueError) as error:
        raise FileFormatError(name, f"cannot read as BAM/CRAM ({error})") from error
    try:
        yield from _alignment_chunks(alignments, name, reference, regions, chunk_size, alphabet)
    finally:
        # After a read error pysam's close() raises a stale errno of its own
        # ("Closing failed"), which would hide the real error.
        with contextlib.suppress(OSError):
            alignments.close()


def _alignment_chunks(
    alignments: pysam.AlignmentFile,
    name: str,
    reference: str | None,
    regions: list[Region],
    chunk_size: int,
    alphabet: bytes | None,
) -> Iterator[Chunk]:
    is_cram = bool(alignments.is_cram)
    if regions and not alignments.has_index():
        raise InputError(
            name, "regions need an index (.bai/.crai): run `samtools index` on the file"
        )
    if is_cram and reference is None:
        logger.warning("%s: CRAM read without --reference (works only if embedded)", name)
    contigs = set(alignments.references)
    for wanted in regions:
        if wanted.contig not in contigs:
            raise RegionError(
                f"{name}: region {wanted}: unknown contig {wanted.contig!r} "
                "(not in the file's header)"
            )
    reads = skipped = 0
    try:
        selected: list[Region | None] = list(regions) or [None]
        for region in selected:
            if region is None:
                iterator = alignments.fetch(until_eof=True)
            else:
                iterator = alignments.fetch(region.contig, region.start, region.end)
            for read in iterator:
                if read.flag & _SECONDARY_OR_SUPPLEMENTARY:
                    continue
                sequence = read.get_forward_sequence()
                if not sequence:
                    skipped += 1
                    continue
                reads += 1
                yield from _read_chunks(
                    name,
                    read.query_name or "",
                    sequence.encode(),
                    chunk_size,
                    alphabet,
                    _alignment_origin(read),
                )
    except OSError as error:
        raise _decode_error(name, reference, is_cram, error) from error
    logger.debug("%s: %d reads, %d without sequence skipped", name, reads, skipped)


def _decode_error(
    name: str, reference: str | None, is_cram: bool, error: OSError
) -> FileFormatError:
    if not is_cram:
        return FileFormatError(name, f"truncated or corrupt BAM ({error})")
    # htslib reports a CRAM slice it cannot decode for want of reference bases as
    # "truncated file", which sends users looking in the wrong place.
    if reference is None:
        return FileFormatError(
            name,
            "cannot decode CRAM without its reference: pass the FASTA it was made "
            "against with --reference (htslib said: truncated file)",
        )
    return FileFormatError(
        name,
        f"cannot decode CRAM with reference {reference}: is it the FASTA the CRAM was "
        f"made against? (or the CRAM is truncated; htslib said: {error})",
    )


def template_name(read_name: str) -> str:
    """The template (fragment) a read belongs to: its name without a ``/1``/``/2`` suffix.

    Casava 1.8+ names already agree between mates (the mate number is in the
    comment, which is not part of the name); older Illumina names end in ``/1`` and
    ``/2``. SRA's ``SRR123.45`` spot numbers are kept: the ``.45`` is the spot, not a mate.

    >>> template_name("HWI-ST560:29:B0A7LABXX:2:1101:2138:1962/2")
    'HWI-ST560:29:B0A7LABXX:2:1101:2138:1962'
    >>> template_name("SRR2601842.1"), template_name("r/3")
    ('SRR2601842.1', 'r/3')
    """
    if len(read_name) > 2 and read_name[-2] == "/" and read_name[-1] in "12":
        return read_name[:-2]
    return read_name


def _alignment_origin(read: pysam.AlignedSegment) -> ReadOrigin:
    """Where a BAM/CRAM read's template lies on the reference (see :class:`ReadOrigin`).

    Both mates of a pair on one contig get the same span: from the leftmost mate's
    start over the template length (TLEN). An unmapped read placed at its mapped
    mate's position (the SAM convention) is placed there; an unplaced one is not.
    """
    template = template_name(read.query_name or "")
    if read.reference_id < 0 or read.reference_start < 0:
        return ReadOrigin(template)
    start = read.reference_start
    end = read.reference_end if read.reference_end is not None else start + 1
    if (
        read.is_paired
        and not read.mate_is_unmapped
        and read.next_reference_id == read.reference_id
        and read.next_reference_start >= 0
    ):
        start = min(start, read.next_reference_start)
        if read.template_length:
            end = max(end, start + abs(read.template_length))
    return ReadOrigin(template, read.reference_name, start, end)


def _read_chunks(
    path: str,
    name: str,
    seq: bytes,
    chunk_size: int,
    alphabet: bytes | None,
    origin: ReadOrigin | None = None,
) -> Iterator[Chunk]:
    """Cut one read into chunks, validating it first."""
    if alphabet is not None:
        bad = seq.translate(None, alphabet)[:1]
        if bad:
            raise SequenceCharError(
                path,
                f"unexpected character {shorten(bad)} in sequence",
                record=name,
                position=seq.find(bad) + 1,  # 1-based within the read
            )
    length = len(seq)
    for start in range(0, length, chunk_size):
        yield Chunk(
            path=path,
            name=name,
            seq=seq[start : start + chunk_size],
            start=start,
            first=start == 0,
            last=start + chunk_size >= length,
            origin=origin,
        )
