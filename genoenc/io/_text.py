"""Text files (plain or gzip, UTF-8) as one record of bytes."""

from __future__ import annotations

import os
from collections.abc import Iterator

from genoenc.errors import FileFormatError
from genoenc.io._open import (
    DEFAULT_CHUNK_SIZE,
    Source,
    check_chunk_size,
    check_readable,
    iter_decompressed,
    open_source,
)
from genoenc.io._records import Chunk

__all__ = ["read_text"]

_BOM = b"\xef\xbb\xbf"


def read_text(source: Source, *, chunk_size: int = DEFAULT_CHUNK_SIZE) -> Iterator[Chunk]:
    """Stream a text file as one record, named after the file, in bounded chunks.

    The bytes are passed on as they are (line breaks included), after checking that
    they are UTF-8 text. A leading UTF-8 byte order mark (``EF BB BF``, U+FEFF, which
    Windows editors write) is dropped: it marks the encoding, it is not text, and
    would otherwise become a vocabulary token. Byte offsets in messages still count
    it, so they are offsets in the file. A chunk never ends inside a UTF-8 character,
    so a chunk may be up to 3 bytes shorter than ``chunk_size``; for ``chunk_size``
    below 4 a character may still be split (and is then not checked).

    Args:
        source: A path or a binary file object (plain or gzip).
        chunk_size: The most bytes in one chunk.

    Raises:
        InputError: The file is missing or unreadable (raised at the call).
        FileFormatError: The file is empty, binary (holds a NUL byte), not valid UTF-8
            (the message gives the byte offset), or a truncated or corrupt gzip.
    """
    check_chunk_size(chunk_size)
    if isinstance(source, str | os.PathLike):
        check_readable(source)  # fail at the call, not at the first next()
    return _read_text(source, chunk_size)


def _read_text(source: Source, chunk_size: int) -> Iterator[Chunk]:
    with open_source(source) as (handle, path):
        record = os.path.basename(path)
        held = b""
        start = 0
        skipped = -1  # bytes of a leading BOM once the file's start has been seen
        for block in iter_decompressed(handle, path):
            data = held + block if held else block
            if skipped < 0:
                if len(data) < len(_BOM) and _BOM.startswith(data):
                    held = data  # too short to tell yet
                    continue
                skipped = len(_BOM) if data.startswith(_BOM) else 0
                data = data[skipped:]
            pos = 0
            # Keep more than chunk_size back: only the end of the file tells
            # whether a chunk is the last.
            while len(data) - pos > chunk_size:
                cut = _utf8_boundary(data, pos + chunk_size, pos)
                seq = data[pos:cut]
                _check_text(seq, path, skipped + start, whole=chunk_size >= 4)
                yield Chunk(
                    path=path,
                    name=record,
                    seq=seq,
                    start=start,
                    first=start == 0,
                    last=False,
                )
                start += cut - pos
                pos = cut
            held = data[pos:] if pos else data
        if not held and start == 0:
            raise FileFormatError(path, "empty file")
        _check_text(held, path, max(skipped, 0) + start, whole=chunk_size >= 4)
        yield Chunk(path=path, name=record, seq=held, start=start, first=start == 0, last=True)


def _check_text(seq: bytes, path: str, start: int, *, whole: bool) -> None:
    """Raise FileFormatError if ``seq`` (at byte ``start``) holds a NUL or invalid UTF-8.

    >>> _check_text(b"ok\\xc3", "x.txt", 100, whole=True)
    Traceback (most recent call last):
    ...
    genoenc.errors.FileFormatError: x.txt: byte 102: not UTF-8 text (invalid byte 0xc3)
    """
    nul = seq.find(b"\0")
    if nul >= 0:
        raise FileFormatError(
            path, "binary file, not text (NUL byte); --text takes UTF-8 text", offset=start + nul
        )
    if not whole:
        return
    try:
        seq.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FileFormatError(
            path, f"not UTF-8 text (invalid byte 0x{seq[exc.start]:02x})", offset=start + exc.start
        ) from None


def _utf8_boundary(data: bytes, cut: int, floor: int) -> int:
    """Move ``cut`` back (at most 3 bytes, never to ``floor``) off a UTF-8 continuation byte.

    >>> _utf8_boundary("aé".encode(), 2, 0)  # b'a\\xc3\\xa9': 2 is inside 'é'
    1
    >>> _utf8_boundary(b"abc", 2, 0)
    2
    """
    for candidate in range(cut, max(cut - 3, floor + 1) - 1, -1):
        if data[candidate] & 0xC0 != 0x80:
            return candidate
    return cut
