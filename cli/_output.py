"""Writing a command's one output file, where ``-`` means standard output."""

from __future__ import annotations

import sys
from pathlib import Path

__all__ = ["STDOUT", "reserve_stdout", "write_once"]

#: The file name that means standard output (the Unix convention).
STDOUT = "-"


def write_once(path: str, text: str) -> None:
    """Write ``text`` to ``path`` atomically (temporary name, then rename), or to stdout
    when ``path`` is ``-``."""
    if path == STDOUT:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    from genoenc.rundir import atomic_write_bytes

    atomic_write_bytes(Path(path), text.encode("utf-8"))


def reserve_stdout() -> None:
    """Send the log's INFO lines to stderr: stdout carries a ``-`` output alone."""
    import logging

    for handler in logging.getLogger("genoenc").handlers:
        if isinstance(handler, logging.StreamHandler) and handler.stream is sys.stdout:
            handler.setStream(sys.stderr)
