"""User-facing errors.

Every failure a user can cause (a bad file, a bad option, a bad region) raises a
subclass of :class:`GenoencError`. Each carries its fields and builds one line in
``__str__``, so the CLI can print it as it is::

    data/samples/x.fa: record chr2, byte 1,204: unexpected character 'Z'
"""

from __future__ import annotations

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
    "shorten",
]


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
