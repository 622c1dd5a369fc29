"""``-`` as an input path: standard input, copied once to a temporary file.

Every reader takes ``-`` for standard input (``zcat x.fa.gz | genoenc tokenize --fasta -``).
A pipe can be read only once, but genoenc reads an input more than once: its sha256 is
taken for provenance before it is read, training streams it once per epoch and for
every evaluation, and pysam (FASTQ, BAM/CRAM) needs a file name. So the first open of
``-`` copies standard input into a temporary file (in ``$TMPDIR``, deleted when the
process exits), and every later open reads that copy; the copy holds the bytes as
piped (a piped gzip stays gzip). Messages name the input ``<stdin>``. ``-`` can stand
for one input only, and not for one read by region (that needs an index beside it).
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import shutil
import sys
import tempfile

from genoenc.errors import InputError, naming_os_errors

__all__ = ["STDIN", "STDIN_LABEL", "is_stdin", "label", "local_path"]

logger = logging.getLogger(__name__)

#: The path that means standard input.
STDIN = "-"
#: How messages name standard input.
STDIN_LABEL = "<stdin>"
_COPY_BLOCK = 1 << 20

# (the stdin object that was copied, the copy's path): a new sys.stdin (as a test
# runner installs) is copied again.
_spooled: tuple[object, str] | None = None


def is_stdin(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is ``-`` (standard input).

    >>> is_stdin("-"), is_stdin("x.fa")
    (True, False)
    """
    return os.fspath(path) == STDIN


def label(path: str | os.PathLike[str]) -> str:
    """How messages name ``path``: ``<stdin>`` for ``-``, else the path.

    >>> label("-"), label("x.fa")
    ('<stdin>', 'x.fa')
    """
    return STDIN_LABEL if is_stdin(path) else os.fspath(path)


def local_path(path: str | os.PathLike[str]) -> str:
    """The file to open for ``path``: the copy of standard input for ``-``, else ``path``.

    The first call for ``-`` reads standard input to its end into a temporary file.

    Raises:
        InputError: ``-`` is given but standard input is a terminal (nothing piped in).
    """
    global _spooled
    if not is_stdin(path):
        return os.fspath(path)
    stdin = sys.stdin
    if _spooled is not None and _spooled[0] is stdin:
        return _spooled[1]
    if stdin is None or stdin.isatty():
        raise InputError(
            STDIN_LABEL, "'-' reads standard input, but it is a terminal: pipe a file in"
        )
    source = getattr(stdin, "buffer", stdin)
    handle = tempfile.NamedTemporaryFile(  # kept until the process exits
        prefix="genoenc-stdin-", delete=False
    )
    atexit.register(_remove, handle.name)
    try:
        with handle, naming_os_errors(handle.name):
            shutil.copyfileobj(source, handle, _COPY_BLOCK)
    except BaseException:
        _remove(handle.name)
        raise
    size = os.path.getsize(handle.name)
    logger.info("read %s bytes of standard input into %s", f"{size:,}", handle.name)
    _spooled = (stdin, handle.name)
    return handle.name


def _remove(path: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)
