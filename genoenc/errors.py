"""User-facing errors, and the integer check of the config fields that raise them.

Every failure a user can cause (a bad file, a bad option, a bad region) raises a
subclass of :class:`GenoencError`. Each carries its fields and builds one line in
``__str__``, so the CLI can print it as it is::

    data/samples/x.fa: record chr2, byte 1,204: unexpected character 'Z'
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

__all__ = [
    "CheckpointError",
    "ConfigError",
    "FastaFormatError",
    "FileFormatError",
    "GenoencError",
    "InputError",
    "RegionError",
    "RunDirError",
    "SequenceCharError",
    "is_int",
    "name_os_error",
    "naming_os_errors",
    "shorten",
]


def is_int(value: object) -> bool:
    """Whether ``value`` is a Python ``int`` and not a ``bool``: the check behind every
    :class:`ConfigError` about an integer field (a ``bool`` would pass ``isinstance(value,
    int)``; a numpy integer would not survive ``json.dumps`` into ``config.json``).

    >>> is_int(3), is_int(True), is_int(3.0)
    (True, False, False)
    """
    return isinstance(value, int) and not isinstance(value, bool)


def shorten(text: str | bytes, limit: int = 30) -> str:
    """Quote ``text`` for an error message, shortened to about ``limit`` characters.

    >>> shorten(b"ACGTZ")
    "'ACGTZ'"
    >>> shorten("x" * 50, limit=10)
    "'xxxxxxxxxx...'"
    """
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="backslashreplace")
    if len(text) > limit:
        return repr(text[:limit])[:-1] + "...'"
    return repr(text)


@contextlib.contextmanager
def naming_os_errors(path: str | os.PathLike[str]) -> Iterator[None]:
    """Give an ``OSError`` raised inside the block ``path`` as its file name, if it has none.

    A write or ``fsync`` that fails with a full disk (``ENOSPC``) or a quota
    (``EDQUOT``) raises an ``OSError`` without a file name, so the user would read
    "No space left on device" without learning where. The error keeps its errno and
    class (``OSError(errno, ...)`` picks the subclass), so broken pipes stay broken pipes.

    >>> import errno
    >>> with naming_os_errors("out/tokens.bin"):
    ...     raise OSError(errno.ENOSPC, "No space left on device")
    Traceback (most recent call last):
    ...
    OSError: [Errno 28] No space left on device: 'out/tokens.bin'
    """
    try:
        yield
    except OSError as error:
        named = name_os_error(error, path)
        if named is error:
            raise
        raise named from error


def name_os_error(error: OSError, path: str | os.PathLike[str]) -> OSError:
    """``error`` with ``path`` as its file name if it has none (else ``error`` itself).

    The cheap form of :func:`naming_os_errors` for a hot loop's ``except`` clause.
    """
    if error.filename is not None or error.errno is None:
        return error
    return OSError(error.errno, error.strerror or str(error), os.fspath(path))


class GenoencError(Exception):
    """Base of every error a user can cause; its ``str`` is one line."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class ConfigError(GenoencError):
    """An option or config field is invalid; the message names the field."""


class InputError(GenoencError):
    """A data input is unusable: carries ``path`` and optionally ``record`` and ``offset``.

    >>> str(InputError("x.fa", "unexpected character 'Z'", record="chr2", offset=1204))
    "x.fa: record chr2, byte 1,204: unexpected character 'Z'"
    >>> str(InputError("x.fa", "no such file"))
    'x.fa: no such file'
    """

    def __init__(
        self,
        path: str | object,
        problem: str,
        *,
        record: str | None = None,
        offset: int | None = None,
        position: int | None = None,
    ) -> None:
        self.path = str(path)
        self.problem = problem
        self.record = record
        self.offset = offset
        self.position = position
        where = []
        if record is not None:
            where.append(f"record {record}")
        if offset is not None:
            where.append(f"byte {offset:,}")
        if position is not None:
            where.append(f"position {position:,}")
        located = f"{self.path}: {', '.join(where)}" if where else self.path
        super().__init__(f"{located}: {problem}")


class FileFormatError(InputError):
    """The file is not in the expected format (not FASTA, truncated gzip, ...)."""


class FastaFormatError(FileFormatError):
    """A FASTA file breaks the format (no header, header without sequence, ...)."""


class SequenceCharError(FileFormatError):
    """A sequence holds a character outside the accepted alphabet."""


class RegionError(GenoencError):
    """A region is malformed, names an unknown contig, or lies past its end."""


class RunDirError(GenoencError):
    """A run directory is missing, unfinished, or of another schema version."""


class CheckpointError(GenoencError):
    """A checkpoint cannot be read (corrupted, truncated, or not a genoenc checkpoint)."""
