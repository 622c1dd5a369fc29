"""Streaming FASTA reader: plain, gzip or bgzip, in bounded chunks.

The reader works on large blocks of bytes, never line by line: it finds record
boundaries with a search for ``>`` at a line start, removes line breaks with
``bytes.replace`` (or, given a caller's byte map, maps the bytes and drops line breaks
in one ``bytes.translate``) and validates the alphabet with one ``bytes.translate`` per
block. All three run in C, so one core reads several hundred MB/s and memory is
bounded by the block and chunk sizes, whatever a record's length.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator

from genoenc.errors import FastaFormatError, FileFormatError, SequenceCharError, shorten
from genoenc.io._open import (
    BLOCK_SIZE,
    DEFAULT_CHUNK_SIZE,
    Source,
    check_chunk_size,
    check_readable,
    iter_decompressed,
    open_source,
)
from genoenc.io._records import Chunk

__all__ = ["read_fasta"]

logger = logging.getLogger(__name__)

_GT = ord(">")
_NEWLINE = ord("\n")
_BLANK = b" \t\r\n"
#: A header longer than this is taken as a sign of a binary or broken file.
_MAX_HEADER = 1 << 20
# Magic numbers of formats users pass as FASTA by mistake (checked after decompression).
_OTHER_FORMATS = (
    (b"BAM\x01", "a BAM file, not FASTA (read it with --bam)"),
    (b"CRAM", "a CRAM file, not FASTA (read it with --cram)"),
    (b"@", "looks like FASTQ, not FASTA (read it with --fastq)"),
)


def read_fasta(
    source: Source,
    *,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    alphabet: bytes | None = None,
    byte_map: bytes | None = None,
) -> Iterator[Chunk]:
    """Stream the records of a FASTA file as chunks of at most ``chunk_size`` bases.

    Plain, gzip and bgzip are recognised by their magic bytes, not the file name.
    A record's name is its header's first word, as ``samtools faidx`` reads it
    (leading whitespace skipped; ``""`` for a header with no name). Line breaks
    (``\\n`` or ``\\r\\n``) are removed; every other byte is sequence. Chunks are cut
    at fixed multiples of ``chunk_size`` within each record, so the chunks are the
    same whatever the compression or line width.

    Args:
        source: A path, or a binary file object (plain or gzip bytes).
        chunk_size: The most sequence bytes in one chunk.
        alphabet: When given, every sequence byte must be one of these bytes.
        byte_map: A 256-byte ``bytes.translate`` table to map the sequence through in
            the same pass that removes line breaks (a tokenizer maps every byte anyway:
            this saves it a pass over the sequence). The chunks then carry it as
            :attr:`Chunk.byte_map`; ``alphabet`` is still checked on the file's bytes.

    Yields:
        The chunks of each record in file order; ``byte_offset`` is the offset of
        the record's ``>`` in the uncompressed file.

    Raises:
        InputError: The file is missing or unreadable (raised at the call).
        FileFormatError: The file is empty, binary, or a truncated or corrupt gzip.
        FastaFormatError: The file does not start with a header, or a header has
            no sequence.
        SequenceCharError: A sequence byte is not in ``alphabet``; names the
            record and the byte's offset in the uncompressed file.
    """
    check_chunk_size(chunk_size)
    if isinstance(source, str | os.PathLike):
        check_readable(source)  # fail at the call, not at the first next()
    if byte_map is not None and len(byte_map) != 256:
        raise ValueError(f"byte_map must hold 256 bytes (got {len(byte_map)})")
    return _read(source, chunk_size, alphabet, byte_map)


def _read(
    source: Source, chunk_size: int, alphabet: bytes | None, byte_map: bytes | None
) -> Iterator[Chunk]:
    with open_source(source) as (handle, name):
        parser = _FastaParser(name, chunk_size, alphabet, byte_map)
        yield from parser.parse(iter_decompressed(handle, name, BLOCK_SIZE))
        logger.debug("%s: %d records, %d bases", name, parser.records, parser.bases)


class _FastaParser:
    """A state machine over decompressed blocks; see :func:`read_fasta`."""

    def __init__(
        self, path: str, chunk_size: int, alphabet: bytes | None, byte_map: bytes | None = None
    ) -> None:
        self.path = path
        self.chunk_size = chunk_size
        self.alphabet = alphabet
        self.byte_map = byte_map
        self.records = 0
        self.bases = 0
        # The record being read.
        self._name: str | None = None
        self._header_offset = -1
        self._emitted = 0  # bases of this record already yielded
        self._first = True
        self._parts: list[bytes] = []  # held bases, fewer than or equal to chunk_size
        self._held = 0

    def parse(self, blocks: Iterator[bytes]) -> Iterator[Chunk]:
        """Yield the chunks of every record in ``blocks`` (the whole file, in order)."""
        consumed = 0  # stream bytes before the current block
        carry = b""  # an unfinished header line from the previous block
        started = False  # the first '>' has been seen
        expect_header = False  # the next byte to read is a '>' that opens a header
        line_start = True  # the next byte to read starts a line
        for block in blocks:
            buf_offset = consumed - len(carry)
            buf = carry + block if carry else block
            consumed += len(block)
            carry = b""
            pos = 0
            if not started:
                stripped = buf.lstrip(_BLANK)
                if not stripped:
                    continue
                pos = len(buf) - len(stripped)
                if buf[pos] != _GT:
                    raise self._not_fasta(buf[pos:], buf_offset + pos)
                started = expect_header = True
            end_of_buf = len(buf)
            while pos < end_of_buf:
                if expect_header:
                    newline = buf.find(b"\n", pos)
                    if newline < 0:
                        carry = buf[pos:]
                        if len(carry) > _MAX_HEADER:
                            raise FastaFormatError(
                                self.path,
                                f"header line longer than {_MAX_HEADER:,} bytes (binary file?)",
                                offset=buf_offset + pos,
                            )
                        break
                    yield from self._finish_record()
                    self._start_record(buf[pos + 1 : newline], buf_offset + pos)
                    pos = newline + 1
                    expect_header, line_start = False, True
                    continue
                if line_start and buf[pos] == _GT:
                    expect_header = True
                    continue
                # The sequence runs to the next '>' that starts a line. '>' never occurs
                # in sequence, so memchr-speed find() is nearly free.
                gt = buf.find(b">", pos + 1)
                while gt >= 0 and buf[gt - 1] != _NEWLINE:
                    gt = buf.find(b">", gt + 1)
                end = gt if gt >= 0 else end_of_buf
                yield from self._add_raw(buf[pos:end], buf_offset + pos)
                line_start = buf[end - 1] == _NEWLINE
                expect_header = gt >= 0
                pos = end
        if carry:
            # A header line at the very end without a newline: no sequence follows.
            yield from self._finish_record()
            self._start_record(carry[1:], consumed - len(carry))
        if not started:
            raise FileFormatError(self.path, "empty file (no FASTA records)")
        yield from self._finish_record()

    def _not_fasta(self, head: bytes, offset: int) -> FileFormatError:
        for magic, problem in _OTHER_FORMATS:
            if head.startswith(magic):
                return FileFormatError(self.path, problem)
        sample = head[:64]
        if b"\x00" in sample or any(byte >= 0x80 for byte in sample):
            return FileFormatError(self.path, "binary file, not FASTA")
        first_line = head.split(b"\n", 1)[0]
        return FastaFormatError(
            self.path,
            f"not a FASTA file: expected '>' but got {shorten(first_line)}",
            offset=offset,
        )

    def _start_record(self, header: bytes, offset: int) -> None:
        # The name as samtools faidx (htslib) takes it: leading whitespace skipped, then
        # up to the next whitespace; a bare '>' names the record "" (htslib indexes and
        # reads it), so --region and whole-file reads agree on every name.
        fields = header.split(maxsplit=1)
        self._name = fields[0].decode("utf-8", errors="backslashreplace") if fields else ""
        self._header_offset = offset
        self._emitted = 0
        self._first = True

    def _finish_record(self) -> Iterator[Chunk]:
        if self._name is None:
            return
        if self._emitted + self._held == 0:
            raise FastaFormatError(
                self.path, "header with no sequence", record=self._name, offset=self._header_offset
            )
        yield self._emit(b"".join(self._parts), last=True)
        self._parts, self._held = [], 0
        self.records += 1
        self._name = None

    def _add_raw(self, raw: bytes, offset: int) -> Iterator[Chunk]:
        """Add sequence lines ``raw`` (with line breaks) that start at file ``offset``."""
        if self.byte_map is not None:
            if self.alphabet is not None:
                self._check(raw, raw, offset)
            # Map and drop line breaks in one pass (bytes.translate with a delete set).
            yield from self._add(raw.translate(self.byte_map, b"\r\n"))
            return
        seq = raw.replace(b"\n", b"")
        if b"\r" in seq:
            seq = seq.replace(b"\r", b"")
        if self.alphabet is not None:
            self._check(seq, raw, offset)
        yield from self._add(seq)

    def _check(self, seq: bytes, raw: bytes, offset: int) -> None:
        """Raise SequenceCharError for the first byte of ``raw`` outside the alphabet."""
        assert self.alphabet is not None
        allowed = self.alphabet + b"\r\n" if seq is raw else self.alphabet
        if seq.translate(None, allowed):
            # Rare path: find the first bad byte in the raw lines to report its offset.
            bad = raw.translate(None, self.alphabet + b"\r\n")[:1]
            raise SequenceCharError(
                self.path,
                f"unexpected character {shorten(bad)} in sequence",
                record=self._name,
                offset=offset + raw.find(bad),
            )

    def _add(self, seq: bytes) -> Iterator[Chunk]:
        """Add bases; yield every chunk known to be full and not the record's last."""
        size = self.chunk_size
        length = len(seq)
        pos = 0
        if self._parts:
            need = size - self._held
            if length <= need:
                self._parts.append(seq)
                self._held += length
                return
            self._parts.append(seq[:need])
            yield self._emit(b"".join(self._parts), last=False)
            self._parts, self._held = [], 0
            pos = need
        # Keep at least one base back: only a later header or the end of the file
        # tells whether a chunk is the record's last.
        while length - pos > size:
            yield self._emit(seq[pos : pos + size], last=False)
            pos += size
        if pos < length:
            self._parts.append(seq[pos:] if pos else seq)
            self._held = length - pos

    def _emit(self, seq: bytes, *, last: bool) -> Chunk:
        assert self._name is not None
        chunk = Chunk(
            path=self.path,
            name=self._name,
            seq=seq,
            start=self._emitted,
            first=self._first,
            last=last,
            byte_offset=self._header_offset,
            byte_map=self.byte_map,
        )
        self._emitted += len(seq)
        self.bases += len(seq)
        self._first = False
        return chunk
