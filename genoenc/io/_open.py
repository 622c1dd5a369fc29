"""Opening inputs: paths or binary file objects, compression detected by magic bytes.

Every reader goes through :func:`open_source` and :func:`iter_decompressed`, so plain,
gzip and bgzip files behave the same and a file's extension never matters.
"""

from __future__ import annotations

import contextlib
import os
import zlib
from collections.abc import Iterator
from typing import Any, BinaryIO, Literal, TypeAlias, cast

try:  # python-isal: the same API as zlib's decompress objects, about twice as fast.
    from isal import isal_zlib as _isal_zlib

    _HAVE_ISAL = True
except ImportError:  # pragma: no cover - isal is a core dependency; zlib still works
    _HAVE_ISAL = False

from genoenc.errors import FileFormatError, InputError
from genoenc.io._stdin import is_stdin, label, local_path

__all__ = [
    "BLOCK_SIZE",
    "DEFAULT_CHUNK_SIZE",
    "Compression",
    "Source",
    "check_chunk_size",
    "check_readable",
    "detect_compression",
    "file_compression",
    "iter_decompressed",
    "open_source",
    "source_name",
]

#: A path, or a binary file object (``io.BytesIO``, an open file, ...).
Source: TypeAlias = "str | os.PathLike[str] | BinaryIO"
Compression: TypeAlias = Literal["plain", "gzip", "bgzip"]

#: Default bound on the bytes of sequence in one :class:`~genoenc.io.Chunk`.
DEFAULT_CHUNK_SIZE = 1 << 20
#: Bytes of decompressed input handled at a time. Measured on one core: 1 MiB blocks
#: stay in the CPU cache through read, newline removal and translation, which is
#: about twice as fast as 8 MiB blocks.
BLOCK_SIZE = 1 << 20
#: Bytes of compressed input read at a time.
_COMPRESSED_READ = 256 << 10
_GZIP_MAGIC = b"\x1f\x8b"
# wbits for zlib: 16 + 15 means "gzip wrapper, 32 KiB window"; zlib then checks
# each member's CRC-32 and length trailer.
_GZIP_WBITS = 16 + zlib.MAX_WBITS
#: Which inflater decodes gzip: ``"isal"`` (python-isal's ``isal_zlib``, measured at about
#: twice zlib's speed on one core; see benchmarks/io.py) when installed, else ``"zlib"``.
#: Both check every member's CRC-32 and length. Benchmarks set it to compare the two.
GZIP_BACKEND = "isal" if _HAVE_ISAL else "zlib"


def _inflater() -> tuple[Any, tuple[type[Exception], ...]]:
    """A fresh gzip decompress object of :data:`GZIP_BACKEND` and the errors it raises."""
    if GZIP_BACKEND == "isal" and _HAVE_ISAL:
        isal_error = cast("type[Exception]", _isal_zlib.error)
        return _isal_zlib.decompressobj(_GZIP_WBITS), (isal_error, zlib.error)
    return zlib.decompressobj(_GZIP_WBITS), (zlib.error,)


def source_name(source: Source) -> str:
    """Name a source for messages: its path, or the file object's ``name``.

    >>> source_name("x/y.fa")
    'x/y.fa'
    >>> import io
    >>> source_name(io.BytesIO(b""))
    '<bytes>'
    """
    if isinstance(source, str | os.PathLike):
        return os.fspath(source)
    name = getattr(source, "name", None)
    return name if isinstance(name, str) else "<bytes>"


def check_chunk_size(chunk_size: int) -> None:
    """Reject a chunk size below 1 (a programming error, so ``ValueError``)."""
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be >= 1 (got {chunk_size})")


def check_readable(path: str | os.PathLike[str]) -> str:
    """Return ``path`` as a string if it names a readable regular file.

    Raises:
        InputError: The file is missing, is a folder, or cannot be read.
    """
    name = os.fspath(path)
    if is_stdin(name):  # '-': standard input, copied to a file on first use
        local_path(name)
        return name
    if not os.path.exists(name):
        raise InputError(name, "no such file")
    if os.path.isdir(name):
        raise InputError(name, "is a folder, not a file")
    if not os.access(name, os.R_OK):
        raise InputError(name, "permission denied")
    return name


def detect_compression(head: bytes) -> Compression:
    """Tell plain, gzip and bgzip apart from a file's first bytes.

    bgzip (BGZF) is gzip whose members carry a ``BC`` extra field giving the
    block size, which is what makes random access with a ``.gzi`` index possible.

    >>> detect_compression(b">chr1\\nACGT\\n")
    'plain'
    >>> detect_compression(b"\\x1f\\x8b\\x08\\x00" + bytes(6))
    'gzip'
    >>> detect_compression(b"\\x1f\\x8b\\x08\\x04" + bytes(6) + b"\\x06\\x00BC\\x02\\x00")
    'bgzip'
    """
    if head[:2] != _GZIP_MAGIC:
        return "plain"
    # ID1 ID2 CM FLG MTIME(4) XFL OS XLEN(2), then the first extra subfield SI1 SI2.
    if len(head) >= 14 and head[3] & 0x04 and head[12:14] == b"BC":
        return "bgzip"
    return "gzip"


def file_compression(path: str | os.PathLike[str]) -> Compression:
    """Compression of the file at ``path``, from its magic bytes."""
    with open(local_path(path), "rb") as handle:
        return detect_compression(handle.read(16))


@contextlib.contextmanager
def open_source(source: Source) -> Iterator[tuple[BinaryIO, str]]:
    """Open ``source`` for binary reading; yield ``(file, name)``.

    A path is opened and closed here; a file object is used as it is and left open
    (its owner closes it).

    Raises:
        InputError: The path is missing or unreadable.
    """
    if isinstance(source, str | os.PathLike):
        name = check_readable(source)
        try:
            handle = open(local_path(name), "rb", buffering=0)
        except OSError as error:
            raise InputError(name, (error.strerror or str(error)).lower()) from error
        with handle:
            yield handle, label(name)
    else:
        yield source, source_name(source)


def iter_decompressed(handle: BinaryIO, name: str, block_size: int = BLOCK_SIZE) -> Iterator[bytes]:
    """Yield the decompressed content of ``handle`` in blocks of about ``block_size``.

    Plain and gzip (including bgzip and other multi-member gzip) are told apart by
    their magic bytes. Memory stays bounded by ``block_size`` even for highly
    compressible input, since zlib's output is capped per call.

    Raises:
        FileFormatError: The gzip stream is truncated or corrupt.
    """
    head = handle.read(block_size)
    if head[:2] == _GZIP_MAGIC:
        yield from _gunzip(head, handle, name, block_size)
        return
    if head:
        yield head
    while block := handle.read(block_size):
        yield block


def _gunzip(data: bytes, handle: BinaryIO, name: str, block_size: int) -> Iterator[bytes]:
    """Decompress concatenated gzip members from ``data`` followed by ``handle``."""
    decompressor, errors = _inflater()
    in_member = False
    parts: list[bytes] = []
    size = 0
    try:
        while True:
            if not data:
                data = handle.read(_COMPRESSED_READ)
                if not data:
                    break
            if not in_member and data[0] == 0:
                # Zero padding between or after members is allowed (as gzip does).
                data = data.lstrip(b"\x00")
                continue
            out = decompressor.decompress(data, block_size - size)
            in_member = True
            if decompressor.eof:
                data = decompressor.unused_data
                decompressor = _inflater()[0]
                in_member = False
            else:
                data = decompressor.unconsumed_tail
            if out:
                parts.append(out)
                size += len(out)
            if size >= block_size:
                yield b"".join(parts)
                parts, size = [], 0
        if in_member:
            # All input is consumed, but zlib may still hold output of a full buffer.
            out = decompressor.flush()
            if out:
                parts.append(out)
            if not decompressor.eof:
                raise FileFormatError(name, "truncated or corrupt gzip (ends inside a member)")
    except errors as error:
        raise FileFormatError(name, f"truncated or corrupt gzip ({error})") from error
    if parts:
        yield b"".join(parts)
