"""Cutting text records into blocks that every text tokenizer shares.

The train/val/test split of text is decided on these blocks, not on tokens: block
``i`` of the input is the data layer's block ``i`` whatever the tokenizer, because
each text tokenizer turns a block into exactly ``block_tokens`` ids (its tokens,
START/END where the record begins/ends, then PAD; see ``encode_blocks``). So char,
byte, word and BPE runs on the same text train and test on the same characters, and
a vocabulary fitted on the train blocks never saw a val or test character.

A block holds at most ``block_bytes`` UTF-8 bytes (``block_tokens - 2``: no text
tokenizer makes more tokens than bytes, and START/END need two more). It ends just
before the start of a whitespace run when one lies in the block's second half (so
no word is cut in two), else at a character boundary. Every record starts a new block.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from genoenc.errors import FileFormatError

if TYPE_CHECKING:
    from genoenc.io import Chunk

__all__ = ["TextBlock", "decode_utf8", "text_blocks"]

# ASCII whitespace: what str.split() and the word tokenizer treat as separators.
_WHITESPACE = np.zeros(256, dtype=bool)
_WHITESPACE[list(b" \t\n\r\x0b\x0c")] = True


@dataclass(frozen=True, slots=True)
class TextBlock:
    """One block of a text record.

    Attributes:
        path: The file it comes from.
        name: The record's name.
        text: The (normalised) text of the block.
        first: Whether it is the record's first block (START precedes it).
        last: Whether it is the record's last block (END follows it).
        offset: Byte offset of the block in the record's normalised UTF-8 text (the
            file's byte offset unless the text was lowercased).
    """

    path: str
    name: str
    text: str
    first: bool
    last: bool
    offset: int


def decode_utf8(data: bytes, *, path: str, record: str | None, offset: int) -> str:
    """Decode UTF-8 strictly; an invalid byte is an error naming its byte offset.

    Raises:
        FileFormatError: ``data`` is not valid UTF-8 (``offset`` + position in ``data``).

    >>> decode_utf8("é".encode(), path="x.txt", record=None, offset=0)
    'é'
    >>> decode_utf8(b"ab\\xff", path="x.txt", record=None, offset=10)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    genoenc.errors.FileFormatError: x.txt: byte 12: invalid UTF-8 (byte 0xff); ...
    """
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FileFormatError(
            path,
            f"invalid UTF-8 (byte 0x{data[exc.start]:02x}); text inputs must be UTF-8",
            record=record,
            offset=offset + exc.start,
        ) from None


def _cut(buffer: bytes, pos: int, limit: int) -> int:
    """Length of the block starting at ``buffer[pos]`` (more than ``limit`` bytes left).

    >>> _cut(b"one two three", 0, 9)   # before the space that starts ' three'
    7
    >>> _cut("ééé".encode(), 0, 3)     # no space: back to a character boundary
    2
    """
    head = np.frombuffer(buffer, dtype=np.uint8, count=limit + 1, offset=pos)
    is_space = _WHITESPACE[head]
    starts = np.flatnonzero(is_space[1:] & ~is_space[:-1]) + 1  # byte p starts a run
    starts = starts[starts >= max(1, limit // 2)]
    if starts.size:
        return int(starts[-1])
    cut = limit
    while cut > 1 and (head[cut] & 0xC0) == 0x80:  # a continuation byte: inside a character
        cut -= 1
    return cut


def text_blocks(
    chunks: Iterable[Chunk], block_bytes: int, *, lowercase: bool = False
) -> Iterator[TextBlock]:
    """Cut the records of a chunk stream into text blocks (see the module docstring).

    Args:
        chunks: Chunks of text records in reader order.
        block_bytes: The most UTF-8 bytes in one block (>= 4).
        lowercase: Lowercase the text first (blocks are cut on the lowercased text).

    Yields:
        :class:`TextBlock` objects, in order; every record yields at least one.

    Raises:
        FileFormatError: A chunk is not valid UTF-8 (names file and byte offset).
        ValueError: ``block_bytes`` is below 4, or the chunks are not framed
            ``first`` ... ``last``.
    """
    if block_bytes < 4:
        raise ValueError(f"block_bytes must be >= 4 (got {block_bytes})")
    record: str | None = None
    buffer = b""
    emitted = 0  # bytes of the record already in blocks
    for chunk in chunks:
        if chunk.first:
            if record is not None:
                raise ValueError(f"record {record!r} ended without a last chunk")
            record, buffer, emitted = chunk.name, b"", 0
        elif record is None:
            raise ValueError(f"record {chunk.name!r}: chunk without a first chunk")
        text = decode_utf8(chunk.seq, path=chunk.path, record=None, offset=chunk.start)
        buffer += text.lower().encode() if lowercase else chunk.seq
        pos = 0
        while len(buffer) - pos > block_bytes:
            cut = _cut(buffer, pos, block_bytes)
            yield TextBlock(
                path=chunk.path,
                name=chunk.name,
                text=buffer[pos : pos + cut].decode("utf-8"),
                first=emitted == 0,
                last=False,
                offset=emitted,
            )
            pos += cut
            emitted += cut
        buffer = buffer[pos:]
        if chunk.last:
            yield TextBlock(
                path=chunk.path,
                name=chunk.name,
                text=buffer.decode("utf-8"),
                first=emitted == 0,
                last=True,
                offset=emitted,
            )
            record = None
    if record is not None:
        raise ValueError(f"record {record!r}: the chunks ended without its last chunk")
