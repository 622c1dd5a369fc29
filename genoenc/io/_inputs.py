"""The reader stage's config, and every input read in one stream."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from genoenc.errors import ConfigError, RegionError
from genoenc.io._fasta import read_fasta
from genoenc.io._open import DEFAULT_CHUNK_SIZE, check_readable
from genoenc.io._reads import read_alignments, read_fastq
from genoenc.io._records import Chunk
from genoenc.io._regions import Region, parse_region, read_bed, read_fasta_regions
from genoenc.io._stdin import STDIN, local_path
from genoenc.io._text import read_text

__all__ = ["ReaderConfig", "describe_inputs", "read_inputs"]

_HASH_BLOCK = 1 << 20
_PATH_FIELDS = ("fasta", "bam", "cram", "fastq", "text")


@dataclass(frozen=True, kw_only=True)
class ReaderConfig:
    """Which inputs to read, and how.

    A single string (or a list, as a YAML file gives) for a path field is turned
    into a tuple. ``regions`` and ``bed`` select parts of every FASTA input (which
    then needs a ``.fai``) and of every BAM/CRAM input (which then needs an index).

    Attributes:
        fasta: FASTA files (plain, gzip, bgzip).
        regions: samtools-style regions ``chr:start-end`` (1-based inclusive).
        bed: A BED file of regions (0-based half-open), added after ``regions``.
        bam: BAM files.
        cram: CRAM files (need ``reference``).
        reference: The FASTA the CRAM files were made against.
        fastq: FASTQ files (plain or gzip).
        text: Text files, each read as one record of bytes.
        chunk_size: The most bytes of sequence in one chunk.
    """

    fasta: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    bed: str | None = None
    bam: tuple[str, ...] = ()
    cram: tuple[str, ...] = ()
    reference: str | None = None
    fastq: tuple[str, ...] = ()
    text: tuple[str, ...] = ()
    chunk_size: int = DEFAULT_CHUNK_SIZE

    def __post_init__(self) -> None:
        for field in (*_PATH_FIELDS, "regions"):
            object.__setattr__(self, field, _as_tuple(getattr(self, field), field))
        for field in ("bed", "reference"):
            value = getattr(self, field)
            if value is not None and not isinstance(value, str | os.PathLike):
                raise ConfigError(f"reader.{field} must be a path (got {value!r})")
            if value is not None:
                object.__setattr__(self, field, os.fspath(value))
        if isinstance(self.chunk_size, bool) or not isinstance(self.chunk_size, int):
            raise ConfigError(f"reader.chunk_size must be an integer (got {self.chunk_size!r})")
        if self.chunk_size < 1:
            raise ConfigError(f"reader.chunk_size must be >= 1 (got {self.chunk_size})")
        for text in self.regions:
            try:
                parse_region(text)
            except RegionError as error:
                raise ConfigError(f"reader.regions: {error}") from None
        if self.cram and self.reference is None:
            raise ConfigError(
                "reader.reference is required with reader.cram (CRAM stores "
                "bases as differences from its reference)"
            )
        piped = [f for f in (*_PATH_FIELDS, "bed", "reference") if STDIN in _paths(self, f)]
        if sum(_paths(self, f).count(STDIN) for f in piped) > 1:
            raise ConfigError(
                f"'-' (standard input) is given more than once ({', '.join(piped)}): "
                "it can stand for one input only"
            )
        if (self.regions or self.bed) and not (self.fasta or self.bam or self.cram):
            raise ConfigError("reader.regions and reader.bed need a FASTA, BAM or CRAM input")

    @property
    def has_inputs(self) -> bool:
        """Whether any input file is named."""
        return any(getattr(self, field) for field in _PATH_FIELDS)

    @property
    def label(self) -> str:
        """The input files, comma-separated, for messages."""
        return ", ".join(path for field in _PATH_FIELDS for path in getattr(self, field))

    def region_list(self) -> list[Region]:
        """The regions to read: ``regions`` then the BED file's, in order."""
        regions = [parse_region(text) for text in self.regions]
        if self.bed is not None:
            regions.extend(read_bed(self.bed))
        return regions


def _paths(cfg: ReaderConfig, field: str) -> list[str]:
    value = getattr(cfg, field)
    return [] if value is None else [value] if isinstance(value, str) else list(value)


def _as_tuple(value: Any, field: str) -> tuple[str, ...]:
    if isinstance(value, str | os.PathLike):
        value = (value,)
    if not isinstance(value, list | tuple) or not all(
        isinstance(item, str | os.PathLike) for item in value
    ):
        raise ConfigError(f"reader.{field} must be a list of paths (got {value!r})")
    return tuple(os.fspath(item) for item in value)


def read_inputs(cfg: ReaderConfig, alphabet: bytes | None = None) -> Iterator[Chunk]:
    """Stream every input of ``cfg``: FASTA, BAM, CRAM, FASTQ, then text files.

    Within a kind, files come in the order given. ``alphabet`` applies to the
    sequence inputs (not to text).

    Raises:
        ConfigError: ``cfg`` names no input.
        GenoencError: Whatever the readers raise (see each reader).
    """
    if not cfg.has_inputs:
        raise ConfigError("no input: give at least one of --fasta, --bam, --cram, --fastq, --text")
    for path in (*cfg.fasta, *cfg.bam, *cfg.cram, *cfg.fastq, *cfg.text, cfg.reference, cfg.bed):
        if path is not None:
            check_readable(path)  # fail before reading anything
    regions = cfg.region_list()
    return _read_all(cfg, regions, alphabet)


def _read_all(cfg: ReaderConfig, regions: list[Region], alphabet: bytes | None) -> Iterator[Chunk]:
    size = cfg.chunk_size
    for path in cfg.fasta:
        if regions:
            yield from read_fasta_regions(path, regions, chunk_size=size, alphabet=alphabet)
        else:
            yield from read_fasta(path, chunk_size=size, alphabet=alphabet)
    for path in (*cfg.bam, *cfg.cram):
        yield from read_alignments(
            path, reference=cfg.reference, regions=regions, chunk_size=size, alphabet=alphabet
        )
    for path in cfg.fastq:
        yield from read_fastq(path, chunk_size=size, alphabet=alphabet)
    for path in cfg.text:
        yield from read_text(path, chunk_size=size)


def describe_inputs(cfg: ReaderConfig) -> list[dict[str, Any]]:
    """Provenance of every file ``cfg`` reads: ``{"path", "kind", "bytes", "sha256"}``.

    Kinds are ``fasta``, ``bam``, ``cram``, ``fastq``, ``text``, ``reference`` and
    ``bed``. The sha256 is computed by streaming the file as stored (compressed).

    Raises:
        InputError: A file is missing or unreadable.
    """
    described = []
    named: list[tuple[str, str]] = [
        (kind, path) for kind in _PATH_FIELDS for path in getattr(cfg, kind)
    ]
    named += [(kind, getattr(cfg, kind)) for kind in ("reference", "bed") if getattr(cfg, kind)]
    for kind, path in named:
        check_readable(path)
        local = local_path(path)  # '-': the copy of standard input
        digest = hashlib.sha256()
        with open(local, "rb") as handle:
            while block := handle.read(_HASH_BLOCK):
                digest.update(block)
        described.append(
            {
                "path": path,
                "kind": kind,
                "bytes": os.path.getsize(local),
                "sha256": digest.hexdigest(),
            }
        )
    return described
