"""Regions: samtools-style strings, BED files, and indexed FASTA reads through pysam.

Inside the library a :class:`Region` is 0-based half-open, like BED and Python
slices; strings that users type (``chr1:11-20``) are 1-based inclusive, like
samtools. The conversion happens in :func:`parse_region` and :meth:`Region.__str__`
and nowhere else.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from genoenc.errors import FileFormatError, InputError, RegionError, SequenceCharError, shorten
from genoenc.io._faidx import FaiEntry, IndexChecker, read_fai
from genoenc.io._open import (
    DEFAULT_CHUNK_SIZE,
    check_chunk_size,
    check_readable,
    file_compression,
    iter_decompressed,
    open_source,
)
from genoenc.io._records import Chunk
from genoenc.io._stdin import STDIN_LABEL, is_stdin

__all__ = ["Region", "parse_region", "read_bed", "read_fasta_regions"]

logger = logging.getLogger(__name__)

# "start", "start-" or "start-end", digits with optional thousands separators.
_RANGE = re.compile(r"(?P<start>[\d,]+)(?:(?P<dash>-)(?P<end>[\d,]*))?")
_BED_SKIP = (b"track", b"browser", b"#")


@dataclass(frozen=True, slots=True)
class Region:
    """A stretch of one contig, 0-based half-open: bases ``start <= i < end``.

    Attributes:
        contig: The contig (sequence) name.
        start: 0-based first position.
        end: 0-based end, exclusive; ``None`` means the end of the contig.
    """

    contig: str
    start: int = 0
    end: int | None = None

    def __post_init__(self) -> None:
        if not self.contig:
            raise RegionError("region has an empty contig name")
        if self.start < 0:
            raise RegionError(f"region {self.contig}: start {self.start} is negative")
        if self.end is not None and self.end <= self.start:
            raise RegionError(
                f"region {self.contig}: end {self.end:,} is not after start {self.start:,} "
                "(0-based half-open)"
            )

    def __str__(self) -> str:
        """The samtools-style, 1-based inclusive form.

        >>> str(Region("chr1", 10, 20)), str(Region("chr1", 10)), str(Region("chr1"))
        ('chr1:11-20', 'chr1:11-', 'chr1')
        """
        if self.end is None:
            return self.contig if self.start == 0 else f"{self.contig}:{self.start + 1}-"
        return f"{self.contig}:{self.start + 1}-{self.end}"


def parse_region(text: str) -> Region:
    """Parse a samtools-style region ``chr:start-end`` (1-based, inclusive).

    Accepted forms: ``chr``, ``chr:start``, ``chr:start-`` (both to the contig's
    end), ``chr:start-end``; numbers may carry thousands separators. A contig
    name that itself holds ``:`` (``HLA-A*01:01``) works when the text after the
    last ``:`` is not a range, or when written in braces: ``{HLA-A*01:01}:1-100``.

    >>> parse_region("chr1:11-20")
    Region(contig='chr1', start=10, end=20)
    >>> parse_region("chrX:1,000,001-2,000,000")
    Region(contig='chrX', start=1000000, end=2000000)
    >>> parse_region("chr2"), parse_region("chr2:5-")
    (Region(contig='chr2', start=0, end=None), Region(contig='chr2', start=4, end=None))

    Raises:
        RegionError: The text is empty, a number is malformed, start is below 1,
            or end is before start.
    """
    stripped = text.strip()
    if stripped.startswith("{"):
        close = stripped.find("}")
        if close < 0:
            raise RegionError(f"bad region {text!r}: unclosed '{{'")
        contig, rest = stripped[1:close], stripped[close + 1 :]
        if rest and not rest.startswith(":"):
            raise RegionError(f"bad region {text!r}: expected ':' after '}}'")
        span = rest[1:] if rest else None
    else:
        contig, sep, span = stripped.rpartition(":")
        if not sep or not _RANGE.fullmatch(span):
            contig, span = stripped, None
    if not contig:
        raise RegionError(f"bad region {text!r}: no contig name")
    if span is None or span == "":
        return Region(contig)
    match = _RANGE.fullmatch(span)
    if match is None:
        raise RegionError(f"bad region {text!r}: expected chr:start-end (1-based)")
    start = _parse_number(match["start"], text)
    if start < 1:
        raise RegionError(f"bad region {text!r}: start must be >= 1 (1-based)")
    end = _parse_number(match["end"], text) if match["end"] else None
    if end is not None and end < start:
        raise RegionError(f"bad region {text!r}: end {end:,} is before start {start:,}")
    # 1-based inclusive [start, end] -> 0-based half-open [start - 1, end).
    return Region(contig, start - 1, end)


def _parse_number(digits: str, text: str) -> int:
    """Parse ``1,000``-style numbers; the commas must group by three."""
    if "," in digits and not re.fullmatch(r"\d{1,3}(,\d{3})+", digits):
        raise RegionError(f"bad region {text!r}: misplaced thousands separator in {digits!r}")
    return int(digits.replace(",", ""))


def read_bed(path: str | os.PathLike[str]) -> list[Region]:
    """Read the intervals of a BED file (plain or gzip) as regions.

    BED is 0-based half-open, so columns 2 and 3 are taken as they are. ``track``,
    ``browser``, ``#`` comment and blank lines are skipped; columns past the third
    are ignored.

    Raises:
        InputError: The file is missing or unreadable.
        FileFormatError: A line is malformed; names the line number.
    """
    regions: list[Region] = []
    with open_source(path) as (handle, name):
        data = b"".join(iter_decompressed(handle, name))
    for number, line in enumerate(data.splitlines(), start=1):
        if not line.strip() or line.startswith(_BED_SKIP):
            continue
        fields = line.split(b"\t") if b"\t" in line else line.split()
        if len(fields) < 3:
            raise FileFormatError(
                name, f"line {number}: expected chrom, start, end but got {shorten(line)}"
            )
        try:
            start, end = int(fields[1]), int(fields[2])
        except ValueError:
            raise FileFormatError(
                name, f"line {number}: start and end must be integers, got {shorten(line)}"
            ) from None
        if start < 0 or end <= start:
            raise FileFormatError(
                name, f"line {number}: need 0 <= start < end (got start {start}, end {end})"
            )
        contig = fields[0].strip().decode("utf-8", errors="backslashreplace")
        regions.append(Region(contig, start, end))
    return regions


def read_fasta_regions(
    path: str | os.PathLike[str],
    regions: Iterable[Region | str],
    *,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    alphabet: bytes | None = None,
) -> Iterator[Chunk]:
    """Stream regions of an indexed FASTA (plain, or bgzip with ``.gzi``) via pysam.

    Each region becomes one record named in samtools style (``chr20:11-20``,
    1-based inclusive), fetched in pieces of ``chunk_size`` so memory stays
    bounded for a whole-chromosome region. A missing ``.fai`` (and ``.gzi``) is
    built by pysam beside the file, which needs a writable folder.

    Args:
        path: The FASTA file.
        regions: :class:`Region` objects, or strings for :func:`parse_region`.
        chunk_size: The most bases in one chunk.
        alphabet: When given, every base must be one of these bytes.

    Yields:
        Chunks in the order of ``regions``; ``byte_offset`` is the offset of the
        region's first base in the uncompressed file.

    Raises:
        InputError: The file is missing, or its index is missing and cannot be built.
        FileFormatError: The file is plain gzip (not bgzip), or pysam cannot read it.
        RegionError: A region names an unknown contig or lies past a contig's end.
        SequenceCharError: A base is not in ``alphabet``.
    """
    check_chunk_size(chunk_size)
    if is_stdin(path):
        raise InputError(
            STDIN_LABEL, "regions need a FASTA file with its index, not standard input ('-')"
        )
    name = check_readable(path)
    wanted = [parse_region(r) if isinstance(r, str) else r for r in regions]
    _check_indexable(name)
    return _read_regions(name, wanted, chunk_size, alphabet)


def _check_indexable(name: str) -> None:
    """Fail early, with a fix, where pysam would fail late or obscurely."""
    compression = file_compression(name)
    if compression == "gzip":
        raise FileFormatError(
            name,
            "gzip (not bgzip) cannot be indexed for regions: recompress with "
            "`gunzip -c FILE | bgzip > FILE.gz`, or read the whole file without regions",
        )
    needed = [name + ".fai"] + ([name + ".gzi"] if compression == "bgzip" else [])
    missing = [index for index in needed if not os.path.exists(index)]
    folder = os.path.dirname(os.path.abspath(name))
    if missing and not _folder_writable(folder):
        raise InputError(
            name,
            f"no index ({', '.join(os.path.basename(m) for m in missing)}) and its folder is "
            "read-only, so it cannot be built: run `samtools faidx` on a writable copy",
        )
    if missing:
        logger.info("%s: building the index %s", name, ", ".join(missing))


def _folder_writable(folder: str) -> bool:
    return os.access(folder, os.W_OK)


def _read_regions(
    name: str, regions: list[Region], chunk_size: int, alphabet: bytes | None
) -> Iterator[Chunk]:
    bgzip = file_compression(name) == "bgzip"
    if os.path.exists(name + ".fai") and (not bgzip or os.path.exists(name + ".gzi")):
        # Check existing indexes first: htslib's own messages about them go to stderr.
        read_fai(name + ".fai")
        IndexChecker(name, bgzip=bgzip).close()
    import pysam  # here, not at import: `genoenc tokenize --fasta` starts faster

    try:
        fasta = pysam.FastaFile(name)
    except (OSError, ValueError) as error:
        raise FileFormatError(name, f"cannot open as indexed FASTA ({error})") from error
    checker = IndexChecker(name, bgzip=bgzip)
    with fasta, checker:
        fai = read_fai(name + ".fai")
        for region in regions:
            entry = _resolve(name, region, fai)
            # htslib trusts the .fai: a stale one gives a bare ValueError or header text
            # as sequence. Check the entry against the file before fetching from it.
            checker.check(region.contig, entry)
            end = entry.length if region.end is None else region.end
            record = str(Region(region.contig, region.start, end))
            for piece_start in range(region.start, end, chunk_size):
                piece_end = min(piece_start + chunk_size, end)
                try:
                    seq = fasta.fetch(region.contig, piece_start, piece_end).encode("ascii")
                except (OSError, ValueError) as error:
                    raise FileFormatError(
                        name, f"cannot fetch {record} ({error})", record=record
                    ) from error
                if len(seq) != piece_end - piece_start:
                    raise checker.stale(
                        region.contig,
                        f"it says {entry.length:,} bases, the file holds fewer",
                        entry.file_offset(piece_start),
                    )
                if alphabet is not None and seq.translate(None, alphabet):
                    bad = seq.translate(None, alphabet)[:1]
                    position = piece_start + seq.find(bad)
                    raise SequenceCharError(
                        name,
                        f"unexpected character {shorten(bad)} in sequence",
                        record=record,
                        offset=entry.file_offset(position),
                        position=position + 1,  # 1-based, as the user counts
                    )
                yield Chunk(
                    path=name,
                    name=record,
                    seq=seq,
                    start=piece_start - region.start,
                    first=piece_start == region.start,
                    last=piece_end == end,
                    byte_offset=entry.file_offset(region.start),
                )


def _resolve(name: str, region: Region, fai: dict[str, FaiEntry]) -> FaiEntry:
    entry = fai.get(region.contig)
    if entry is None:
        known = ", ".join(list(fai)[:5]) + (", ..." if len(fai) > 5 else "")
        raise RegionError(
            f"{name}: region {region}: unknown contig {region.contig!r} (contigs: {known})"
        )
    end = entry.length if region.end is None else region.end
    if region.start >= entry.length or end > entry.length:
        raise RegionError(
            f"{name}: region {region}: past the end of {region.contig} (length {entry.length:,})"
        )
    return entry
