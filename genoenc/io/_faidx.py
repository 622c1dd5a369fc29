"""FASTA indexes (``.fai``, and ``.gzi`` for bgzip): reading them and catching stale ones.

htslib trusts an index blindly: a ``.fai`` left over from an older version of the
FASTA makes ``fetch`` fail with a bare ``ValueError`` (a length past the record's end)
or return header text and line breaks as sequence (shifted offsets), which then looks
like a bad character in the FASTA. Before a contig is fetched, its entry is checked
against the bytes it points at: the line before its first base is its own header, and
its last base is followed by a line break and then the next header or the end of the
file. A ``.gzi`` is checked for shape and for pointing at BGZF block starts. Any
mismatch is reported as a stale or mismatched index, naming the index file.
"""

from __future__ import annotations

import itertools
import os
import struct
import zlib
from typing import BinaryIO, NamedTuple

from genoenc.errors import FileFormatError, shorten

__all__ = ["FaiEntry", "IndexChecker", "read_fai"]

#: Bytes read back from a first base to find its header line.
_HEADER_WINDOW = 1 << 16
_BGZF_MAGIC = b"\x1f\x8b\x08\x04"


class FaiEntry(NamedTuple):
    """One ``.fai`` line: where a contig's bases sit in the uncompressed file."""

    length: int
    offset: int
    line_bases: int
    line_width: int

    def file_offset(self, position: int) -> int:
        """Byte offset in the uncompressed file of the 0-based ``position``.

        >>> FaiEntry(length=100, offset=6, line_bases=60, line_width=61).file_offset(61)
        68
        """
        if self.line_bases <= 0:
            return self.offset
        lines, column = divmod(position, self.line_bases)
        return self.offset + lines * self.line_width + column


def read_fai(path: str) -> dict[str, FaiEntry]:
    """Read a ``.fai`` (name, length, offset, line bases, line width per line).

    Raises:
        FileFormatError: A line is not a faidx line; names the ``.fai`` and the line.
    """
    entries: dict[str, FaiEntry] = {}
    try:
        with open(path, encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                fields = line.rstrip("\r\n").split("\t")
                try:
                    entry = FaiEntry(*map(int, fields[1:5]))
                except (TypeError, ValueError):
                    raise FileFormatError(
                        path,
                        f"line {number}: not a faidx index line ({shorten(line.rstrip())}); "
                        "rebuild it with `samtools faidx`",
                    ) from None
                entries[fields[0]] = entry
    except UnicodeDecodeError:
        raise FileFormatError(path, "not a faidx index (not text)") from None
    return entries


class IndexChecker:
    """Check ``.fai`` entries (and the ``.gzi``) against the FASTA they index.

    Args:
        fasta: The FASTA file (plain or bgzip).
        bgzip: Whether it is bgzip (then ``fasta + ".gzi"`` maps offsets).
    """

    def __init__(self, fasta: str, *, bgzip: bool) -> None:
        self.fasta = fasta
        self.fai = fasta + ".fai"
        self.gzi = fasta + ".gzi" if bgzip else None
        self._checked: set[str] = set()
        self._handle: BinaryIO | None = None
        self._blocks: list[tuple[int, int]] = []  # (compressed, uncompressed) block starts
        self._size = os.path.getsize(fasta)
        if self.gzi is not None:
            self._blocks = self._read_gzi(self.gzi)

    def close(self) -> None:
        """Close the FASTA if it was opened."""
        if self._handle is not None:
            self._handle.close()
            self._handle = None

    def __enter__(self) -> IndexChecker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the checks ------------------------------------------------------------------------

    def check(self, name: str, entry: FaiEntry) -> None:
        """Raise FileFormatError naming the ``.fai`` if ``entry`` does not fit the file.

        Each contig is checked once; a check reads a few bytes around its ends.
        """
        if name in self._checked:
            return
        self._checked.add(name)
        if entry.length < 0 or entry.offset < 1:
            raise self.stale(name, f"length {entry.length:,} / offset {entry.offset:,}")
        if entry.length and not 0 < entry.line_bases < entry.line_width <= entry.line_bases + 2:
            raise self.stale(
                name,
                f"line lengths {entry.line_bases} bases / {entry.line_width} bytes are impossible",
            )
        self._check_header(name, entry)
        if entry.length:
            self._check_end(name, entry)

    def stale(self, name: str | None, detail: str, offset: int | None = None) -> FileFormatError:
        """The error for an index that does not describe the FASTA."""
        older = ""
        try:
            if os.path.getmtime(self.fai) < os.path.getmtime(self.fasta):
                older = " (the index is older than the FASTA)"
        except OSError:
            pass
        return FileFormatError(
            self.fai,
            f"stale or mismatched index of {self.fasta}: {detail}{older}; "
            f"rebuild it with `samtools faidx {self.fasta}` (or delete it)",
            record=name,
            offset=offset,
        )

    def _check_header(self, name: str, entry: FaiEntry) -> None:
        begin = max(0, entry.offset - _HEADER_WINDOW)
        window = self._read(begin, entry.offset - begin)
        if len(window) < entry.offset - begin or not window.endswith(b"\n"):
            raise self.stale(
                name, "its first base does not start a line after a header", entry.offset
            )
        start = window.rfind(b"\n", 0, len(window) - 1) + 1
        if start == 0 and begin > 0:
            return  # a header longer than the window: nothing more to check
        header = window[start:-1].rstrip(b"\r")
        fields = header[1:].split(maxsplit=1)
        found = fields[0].decode("utf-8", errors="backslashreplace") if fields else ""
        if not header.startswith(b">") or found != name:
            raise self.stale(
                name,
                f"the line before its first base is {shorten(header)}, not its header",
                begin + start,
            )

    def _check_end(self, name: str, entry: FaiEntry) -> None:
        last = entry.file_offset(entry.length - 1)
        tail = self._read(last, 4)
        line_end = tail[1:2] == b"\n" or tail[1:3] == b"\r\n"
        if len(tail) < 1 or tail[:1] in (b"\n", b"\r", b">") or not (line_end or len(tail) == 1):
            where = "past the end of the file" if len(tail) < 1 else "not at the end of a line"
            raise self.stale(
                name,
                f"it says {entry.length:,} bases, but base {entry.length:,} would be {where}",
                last,
            )
        after = tail[3:4] if tail[1:2] == b"\r" else tail[2:3]
        if after not in (b"", b">", b"\n", b"\r"):
            raise self.stale(
                name,
                f"it says {entry.length:,} bases, but the record goes on after base "
                f"{entry.length:,}",
                last,
            )

    # -- raw reads of the uncompressed file --------------------------------------------------

    def _read(self, offset: int, size: int) -> bytes:
        """``size`` bytes of the uncompressed file from ``offset`` (fewer at its end)."""
        if self._handle is None:
            self._handle = open(self.fasta, "rb")  # closed by close()
        if self.gzi is None:
            self._handle.seek(offset)
            return self._handle.read(size)
        return self._read_bgzf(offset, size)

    def _read_bgzf(self, offset: int, size: int) -> bytes:
        assert self._handle is not None
        # The block holding ``offset``: the last one that starts at or before it.
        low, high = 0, len(self._blocks)
        while high - low > 1:
            middle = (low + high) // 2
            if self._blocks[middle][1] <= offset:
                low = middle
            else:
                high = middle
        compressed, uncompressed = self._blocks[low]
        self._handle.seek(compressed)
        need = offset - uncompressed + size
        out = bytearray()
        buffer = b""
        while len(out) < need:
            if len(buffer) < 1 << 17:  # a BGZF block is at most 64 KiB compressed
                buffer += self._handle.read(1 << 17)
            if not buffer:
                break  # the end of the file
            if not buffer.startswith(_BGZF_MAGIC):
                if not out:  # the .gzi points at something else than a block start
                    raise self._bad_gzi(f"block at byte {compressed:,} is not a BGZF block start")
                raise FileFormatError(self.fasta, "corrupt bgzip (a block does not start BGZF)")
            member = zlib.decompressobj(31)
            try:
                out += member.decompress(buffer)
            except zlib.error as error:
                raise FileFormatError(self.fasta, f"corrupt bgzip ({error})") from None
            if not member.eof:
                break  # a truncated last block
            buffer = member.unused_data
        return bytes(out[offset - uncompressed : offset - uncompressed + size])

    def _bad_gzi(self, detail: str) -> FileFormatError:
        return FileFormatError(
            self.gzi,
            f"stale or mismatched index of {self.fasta}: {detail}; rebuild it with "
            f"`samtools faidx {self.fasta}` (or delete {self.gzi} and the .fai)",
        )

    def _read_gzi(self, gzi: str) -> list[tuple[int, int]]:
        bad = self._bad_gzi
        with open(gzi, "rb") as handle:
            data = handle.read()
        if len(data) < 8:
            raise bad("too short for a .gzi")
        (count,) = struct.unpack_from("<Q", data)
        if len(data) != 8 + 16 * count:
            raise bad(f"{len(data):,} bytes for {count:,} blocks")
        pairs = struct.unpack_from(f"<{2 * count}Q", data, 8)
        blocks = [(0, 0)] + [(pairs[2 * i], pairs[2 * i + 1]) for i in range(count)]
        for (c0, u0), (c1, u1) in itertools.pairwise(blocks):
            if not (c0 < c1 and u0 <= u1):
                raise bad(f"block offsets out of order at compressed byte {c1:,}")
        if blocks[-1][0] >= self._size:
            raise bad(
                f"a block at byte {blocks[-1][0]:,}, past the end of the file "
                f"({self._size:,} bytes)"
            )
        with open(self.fasta, "rb") as handle:
            handle.seek(blocks[-1][0])
            if handle.read(4) != _BGZF_MAGIC:
                raise bad(f"block at byte {blocks[-1][0]:,} is not a BGZF block start")
        return blocks
