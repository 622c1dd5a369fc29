"""The reader stage's config, and every input read in one stream."""

from __future__ import annotations

import hashlib
import os
import queue
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from genoenc.errors import ConfigError, RegionError
from genoenc.io._fasta import read_fasta
from genoenc.io._open import DEFAULT_CHUNK_SIZE, check_readable
from genoenc.io._reads import read_alignments, read_fastq
from genoenc.io._records import Chunk
from genoenc.io._regions import Region, parse_region, read_bed, read_fasta_regions
from genoenc.io._stdin import STDIN, label, local_path
from genoenc.io._text import read_text

__all__ = ["InputDigests", "ReaderConfig", "describe_inputs", "read_inputs"]

_HASH_BLOCK = 1 << 20
#: Blocks read ahead of the hashing thread, at most (bounded memory).
_HASH_QUEUE = 16
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


class _HashingFile:
    """A binary file whose reads also feed a sha256 (``read`` and ``close`` only).

    The hashing runs on a second thread (``hashlib`` releases the GIL on large
    updates), so a reader is not slowed by it where a core is free; at most
    ``_HASH_QUEUE`` blocks wait for it. ``close`` waits until every byte is hashed.
    """

    def __init__(self, path: str, digest: Any) -> None:
        self.name = label(path)  # what messages call it
        self._handle = open(local_path(path), "rb", buffering=0)  # closed by close()
        self._digest = digest
        self._queue: queue.Queue[bytes | None] = queue.Queue(maxsize=_HASH_QUEUE)
        self._thread = threading.Thread(target=self._hash, name="genoenc-sha256", daemon=True)
        self._thread.start()
        self.size = 0

    def _hash(self) -> None:
        while (data := self._queue.get()) is not None:
            self._digest.update(data)

    def read(self, size: int = -1) -> bytes:
        data = self._handle.read(size)
        if data:
            self._queue.put(data)
            self.size += len(data)
        return data

    def close(self) -> None:
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()
        self._handle.close()

    def __enter__(self) -> _HashingFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class InputDigests:
    """The sha256 of input files, taken while the readers stream them.

    ``genoenc tokenize`` reads each file once: hashing it in a separate pass first
    (for provenance) read every byte twice. Pass one to :func:`read_inputs` and then
    to :func:`describe_inputs`; files read whole by then are not read again.
    """

    def __init__(self) -> None:
        self._files: dict[str, tuple[Any, _HashingFile]] = {}

    def open(self, path: str) -> _HashingFile:
        """Open ``path`` for a reader, hashing what it reads."""
        digest = hashlib.sha256()
        handle = _HashingFile(path, digest)
        self._files[path] = (digest, handle)
        return handle

    def sha256(self, path: str) -> str | None:
        """The file's sha256 if a reader read it to its end, else None."""
        if path not in self._files:
            return None
        digest, handle = self._files[path]
        handle.close()  # waits for the hashing thread
        if handle.size != os.path.getsize(local_path(path)):
            return None
        return str(digest.hexdigest())


def read_inputs(
    cfg: ReaderConfig,
    alphabet: bytes | None = None,
    *,
    digests: InputDigests | None = None,
    byte_map: bytes | None = None,
) -> Iterator[Chunk]:
    """Stream every input of ``cfg``: FASTA, BAM, CRAM, FASTQ, then text files.

    Within a kind, files come in the order given. ``alphabet`` applies to the
    sequence inputs (not to text). With ``digests``, the FASTA (read whole) and text
    files are hashed as they are read (see :class:`InputDigests`). ``byte_map`` is
    passed to the FASTA reader for files read whole (see :func:`read_fasta`): their
    chunks then carry it; other chunks hold the file's bytes.

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
    return _read_all(cfg, regions, alphabet, digests, byte_map)


def _read_all(
    cfg: ReaderConfig,
    regions: list[Region],
    alphabet: bytes | None,
    digests: InputDigests | None,
    byte_map: bytes | None,
) -> Iterator[Chunk]:
    size = cfg.chunk_size
    for path in cfg.fasta:
        if regions:
            yield from read_fasta_regions(path, regions, chunk_size=size, alphabet=alphabet)
        elif digests is not None:
            with digests.open(path) as handle:
                yield from read_fasta(
                    handle,  # type: ignore[arg-type]
                    chunk_size=size,
                    alphabet=alphabet,
                    byte_map=byte_map,
                )
        else:
            yield from read_fasta(path, chunk_size=size, alphabet=alphabet, byte_map=byte_map)
    for path in (*cfg.bam, *cfg.cram):
        yield from read_alignments(
            path, reference=cfg.reference, regions=regions, chunk_size=size, alphabet=alphabet
        )
    for path in cfg.fastq:
        yield from read_fastq(path, chunk_size=size, alphabet=alphabet)
    for path in cfg.text:
        if digests is not None:
            with digests.open(path) as handle:
                yield from read_text(handle, chunk_size=size)  # type: ignore[arg-type]
        else:
            yield from read_text(path, chunk_size=size)


def describe_inputs(cfg: ReaderConfig, digests: InputDigests | None = None) -> list[dict[str, Any]]:
    """Provenance of every file ``cfg`` reads: ``{"path", "kind", "bytes", "sha256"}``.

    Kinds are ``fasta``, ``bam``, ``cram``, ``fastq``, ``text``, ``reference`` and
    ``bed``. The sha256 is of the file as stored (compressed): taken from ``digests``
    for files a reader has read whole, else computed by streaming the file.

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
        sha256 = None if digests is None else digests.sha256(path)
        if sha256 is None:
            digest = hashlib.sha256()
            with open(local, "rb") as handle:
                while block := handle.read(_HASH_BLOCK):
                    digest.update(block)
            sha256 = digest.hexdigest()
        described.append(
            {
                "path": path,
                "kind": kind,
                "bytes": os.path.getsize(local),
                "sha256": sha256,
            }
        )
    return described
