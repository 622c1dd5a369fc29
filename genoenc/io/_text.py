"""Text files (plain or gzip) as one record of bytes."""

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


def read_text(source: Source, *, chunk_size: int = DEFAULT_CHUNK_SIZE) -> Iterator[Chunk]:
    """Stream a text file as one record, named after the file, in bounded chunks.

    The bytes are passed on as they are (line breaks included). A chunk never ends
    inside a UTF-8 character, so a chunk may be up to 3 bytes shorter than
    ``chunk_size``; for ``chunk_size`` below 4 a character may still be split.

    Args:
        source: A path or a binary file object (plain or gzip).
        chunk_size: The most bytes in one chunk.

    Raises:
        InputError: The file is missing or unreadable (raised at the call).
        FileFormatError: The file is empty, or a truncated or corrupt gzip.
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
        for block in iter_decompressed(handle, path):
            data = held + block if held else block
            pos = 0
            # Keep more than chunk_size back: only the end of the file tells
            # whether a chunk is the last.
            while len(data) - pos > chunk_size:
                cut = _utf8_boundary(data, pos + chunk_size, pos)
                yield Chunk(
                    path=path,
                    name=record,
                    seq=data[pos:cut],
                    start=start,
                    first=start == 0,
                    last=False,
                )
                start += cut - pos
                pos = cut
            held = data[pos:] if pos else data
        if not held and start == 0:
            raise FileFormatError(path, "empty file")
        yield Chunk(path=path, name=record, seq=held, start=start, first=start == 0, last=True)


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
