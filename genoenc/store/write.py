"""Writing a token store: ids to ``tokens.bin`` on a second thread, then the index, then
one rename into place (see :mod:`genoenc.store.store` for the format)."""

from __future__ import annotations

import json
import logging
import os
import queue
import shutil
import sys
import tempfile
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

import genoenc
from genoenc.errors import GenoencError, name_os_error, naming_os_errors
from genoenc.store.store import (
    INDEX_FILE,
    SCHEMA_VERSION,
    STORE_FORMAT,
    TOKENS_FILE,
    StoreRecord,
    TokenStore,
)
from genoenc.tokenize import Tokenizer

if TYPE_CHECKING:
    from genoenc.io import Chunk

__all__ = ["check_destination", "write_store"]

logger = logging.getLogger(__name__)

#: Buffers (about 1 MiB each) waiting for the writing thread, at most.
_WRITE_QUEUE = 16
#: Bytes the writing thread writes between two fdatasync calls.
_SYNC_BYTES = 64 << 20
# mkdtemp makes a 0700 folder; a finished store is for everyone the umask allows.
_UMASK = os.umask(0)
os.umask(_UMASK)


def write_store(
    path: str | os.PathLike[str],
    chunks: Iterable[Chunk],
    tokenizer: Tokenizer,
    sources: Sequence[Mapping[str, Any]] | Callable[[], Sequence[Mapping[str, Any]]],
    *,
    overwrite: bool = False,
    progress: Callable[[int], None] | None = None,
) -> TokenStore:
    """Tokenize a stream of record chunks into a new token store at ``path``.

    The ids are written as they are produced (memory stays bounded by a chunk), into
    a hidden sibling folder that is renamed to ``path`` once complete: if anything
    fails (a bad input byte, a full disk, an interrupt) nothing is left at ``path``.

    Args:
        path: The store folder to create; its parent folders are created if needed.
        chunks: Record chunks in reader order (e.g. from ``genoenc.io.read_inputs``).
        tokenizer: Turns the chunks into framed store ids.
        sources: Provenance of the inputs (``genoenc.io.describe_inputs``), JSON-ready,
            or a function returning it once the chunks are consumed (so that inputs
            can be hashed as they are read).
        overwrite: Replace an existing store at ``path``. A folder that is not a
            token store (and not empty) is never replaced.
        progress: Called with the number of sequence bytes of each chunk once written.

    Returns:
        The new store, opened.

    Raises:
        GenoencError: ``path`` exists (without ``overwrite``), is not a store, or the
            inputs hold no record; or any error the chunks raise (e.g.
            ``SequenceCharError``), after the temporary folder has been removed.
    """
    path = Path(path)
    check_destination(path, overwrite=overwrite)
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent))
    try:
        os.chmod(temp, 0o777 & ~_UMASK)
        records, n_tokens = _write_tokens(temp, path, chunks, tokenizer, progress)
        if not records:
            raise GenoencError(f"{path}: nothing to store (the inputs hold no record)")
        index = {
            "format": STORE_FORMAT,
            "schema_version": SCHEMA_VERSION,
            "genoenc_version": genoenc.__version__,
            "tokenizer": tokenizer.config.to_dict(),
            "dtype": str(np.dtype(tokenizer.store_dtype)),
            "byteorder": sys.byteorder,
            "n_tokens": n_tokens,
            "records": [_record_json(rec) for rec in records],
            "sources": [dict(source) for source in (sources() if callable(sources) else sources)],
        }
        _write_index(temp, path, index)
        _move_into_place(temp, path, overwrite=overwrite)
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        raise
    logger.info("%s: wrote %d records, %d tokens", path, len(records), n_tokens)
    return TokenStore.open(path)


def _write_tokens(
    temp: Path,
    path: Path,
    chunks: Iterable[Chunk],
    tokenizer: Tokenizer,
    progress: Callable[[int], None] | None,
) -> tuple[list[StoreRecord], int]:
    """Write the chunks' ids to ``temp/tokens.bin`` (errors name ``path``'s file); return
    the records and the number of tokens written, once synced to disk."""
    records: list[StoreRecord] = []
    n_tokens = 0
    record_offset = 0
    tokens_file = path / TOKENS_FILE
    with open(temp / TOKENS_FILE, "wb") as out:
        writer = _Writer(out, tokens_file)
        try:
            for chunk, ids in tokenizer.encode_chunks(chunks):
                if chunk.first:
                    record_offset = n_tokens
                writer.write(np.ascontiguousarray(ids, dtype=tokenizer.store_dtype))
                n_tokens += ids.size
                if chunk.last:
                    records.append(
                        StoreRecord(
                            name=chunk.name,
                            offset=record_offset,
                            length=n_tokens - record_offset,
                            origin=chunk.origin,
                        )
                    )
                if progress is not None:
                    progress(len(chunk.seq))
        finally:
            writer.close()
        with naming_os_errors(tokens_file):
            out.flush()
            os.fsync(out.fileno())
    return records, n_tokens


def _write_index(temp: Path, path: Path, index: dict[str, Any]) -> None:
    """Write ``temp/index.json``, synced to disk (errors name ``path``'s file)."""
    with (
        naming_os_errors(path / INDEX_FILE),
        open(temp / INDEX_FILE, "w", encoding="utf-8") as out,
    ):
        json.dump(index, out, indent=1)
        out.write("\n")
        out.flush()
        os.fsync(out.fileno())


class _Writer:
    """Writes buffers to an open file on a second thread.

    A file write releases the GIL, so tokenizing the next chunk overlaps writing the
    last one. At most ``_WRITE_QUEUE`` buffers wait (bounded memory). The first error
    of a write is raised by the next :meth:`write` or by :meth:`close`, with ``path``
    as its file name (a full disk names none by itself).
    """

    def __init__(self, handle: Any, path: Path) -> None:
        self._handle = handle
        self._path = path
        self._error: BaseException | None = None
        self._raised = False
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=_WRITE_QUEUE)
        self._thread = threading.Thread(target=self._run, name="genoenc-store", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        unsynced = 0
        while (data := self._queue.get()) is not None:
            if self._error is None:
                try:
                    unsynced += self._handle.write(data) or 0
                    if unsynced >= _SYNC_BYTES:
                        # Flush to disk as we go, on this thread, so the final fsync
                        # (before the store is renamed into place) has little left.
                        self._handle.flush()
                        os.fdatasync(self._handle.fileno())
                        unsynced = 0
                except BaseException as error:  # raised in the caller's thread
                    self._error = error

    def write(self, data: Any) -> None:
        """Queue ``data`` (a buffer that is not modified afterwards) for writing."""
        self._raise()
        self._queue.put(data)

    def close(self) -> None:
        """Wait until everything queued is written; raise the first write error."""
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()
        self._raise()

    def _raise(self) -> None:
        error = self._error
        if error is None or self._raised:
            return
        self._raised = True  # once: close() after a failed write() adds nothing
        if isinstance(error, OSError):
            raise name_os_error(error, self._path) from error
        raise error


def _record_json(record: StoreRecord) -> dict[str, Any]:
    entry: dict[str, Any] = {"name": record.name, "offset": record.offset, "length": record.length}
    if record.origin is not None:
        origin = record.origin
        entry["origin"] = [origin.template, origin.contig, origin.start, origin.end]
    return entry


def check_destination(path: str | os.PathLike[str], *, overwrite: bool) -> None:
    """Refuse a store destination that exists (unless ``overwrite``) or is not a store.

    Called by :func:`write_store` before it reads anything, and by callers that do
    costly work (hashing inputs) before writing.

    Raises:
        GenoencError: The destination cannot be (over)written; the message names it.
    """
    path = Path(path)
    if not (path.exists() or path.is_symlink()):
        return
    if not overwrite:
        raise GenoencError(f"{path}: already exists; pass --overwrite to replace it")
    if path.is_symlink() or not path.is_dir():
        raise GenoencError(f"{path}: exists and is not a token store; refusing to replace it")
    if any(path.iterdir()) and not _looks_like_store(path):
        raise GenoencError(f"{path}: exists and is not a token store; refusing to replace it")


def _looks_like_store(path: Path) -> bool:
    try:
        index = json.loads((path / INDEX_FILE).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return False
    return isinstance(index, dict) and index.get("format") == STORE_FORMAT


def _move_into_place(temp: Path, path: Path, *, overwrite: bool) -> None:
    """Rename the finished ``temp`` folder to ``path``, replacing an old store if allowed."""
    check_destination(path, overwrite=overwrite)  # again: something may have appeared since
    if not path.exists():
        os.rename(temp, path)
        return
    # A folder cannot be renamed over a non-empty one: move the old store aside first.
    old = path.with_name(f".{path.name}.{os.urandom(4).hex()}.old")
    os.rename(path, old)
    try:
        os.rename(temp, path)
    except BaseException:
        os.rename(old, path)
        raise
    shutil.rmtree(old, ignore_errors=True)
