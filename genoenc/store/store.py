"""The token store: framed store ids on disk (``tokens.bin``) plus a JSON index.

A store is a folder::

    STORE/tokens.bin    raw array of the tokenizer's store_dtype (native byte order)
    STORE/index.json    {"format", "schema_version", "genoenc_version", "tokenizer",
                         "dtype", "n_tokens", "records": [{name, offset, length}],
                         "sources": [{path, kind, bytes, sha256}]}

Record offsets and lengths count tokens, START and END included; records are
consecutive (each starts where the previous ended). A store is written once, into a
hidden temporary sibling folder that is renamed into place at the end, so a crash or
an input error never leaves a half-written store at the destination.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import shutil
import sys
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

import genoenc
from genoenc.errors import (
    ConfigError,
    FileFormatError,
    GenoencError,
    name_os_error,
    naming_os_errors,
)
from genoenc.io import ReadOrigin
from genoenc.tokenize import Tokenizer, TokenizerConfig, build_tokenizer

if TYPE_CHECKING:
    from genoenc.io import Chunk

__all__ = [
    "INDEX_FILE",
    "SCHEMA_VERSION",
    "STORE_FORMAT",
    "TOKENS_FILE",
    "StoreRecord",
    "TokenStore",
    "check_destination",
    "write_store",
]

logger = logging.getLogger(__name__)

SCHEMA_VERSION = 1
#: The ``format`` tag of ``index.json``: tells a store from any other folder with JSON in it.
STORE_FORMAT = "genoenc-token-store"
TOKENS_FILE = "tokens.bin"
INDEX_FILE = "index.json"

_PIECE_TOKENS = 1 << 20
#: Buffers (about 1 MiB each) waiting for the writing thread, at most.
_WRITE_QUEUE = 16
#: Bytes the writing thread writes between two fdatasync calls.
_SYNC_BYTES = 64 << 20
# mkdtemp makes a 0700 folder; a finished store is for everyone the umask allows.
_UMASK = os.umask(0)
os.umask(_UMASK)


@dataclass(frozen=True, slots=True)
class StoreRecord:
    """Where one record's framed ids lie in ``tokens.bin``.

    Attributes:
        name: The record's name.
        offset: Index of its START token.
        length: Its number of tokens, START and END included.
        origin: For a sequencing read, where it comes from (train/val/test splits go
            by it; see :mod:`genoenc.data.read_split`); ``None`` otherwise.
    """

    name: str
    offset: int
    length: int
    origin: ReadOrigin | None = None

    @property
    def end(self) -> int:
        """Index one past its END token.

        >>> StoreRecord(name="chr1", offset=10, length=5).end
        15
        """
        return self.offset + self.length


@dataclass(frozen=True, eq=False)
class TokenStore:
    """A token store opened for reading (use :meth:`open`).

    Attributes:
        path: The store folder.
        tokens: All framed store ids, shape ``(n_tokens,)``, a read-only memory map.
        records: The records in order.
        tokenizer_config: The config of the tokenizer that wrote the ids.
        sources: Provenance of the inputs, ``{"path", "kind", "bytes", "sha256"}`` each.
    """

    path: Path
    tokens: np.ndarray
    records: tuple[StoreRecord, ...]
    tokenizer_config: TokenizerConfig
    sources: tuple[dict[str, Any], ...]

    @property
    def n_tokens(self) -> int:
        """Number of ids in the store."""
        return int(self.tokens.shape[0])

    @property
    def dtype(self) -> np.dtype[Any]:
        """The dtype of the stored ids."""
        return self.tokens.dtype

    @property
    def tokenizer(self) -> Tokenizer:
        """A tokenizer built from :attr:`tokenizer_config`."""
        return build_tokenizer(self.tokenizer_config)

    @classmethod
    def open(cls, path: str | os.PathLike[str]) -> TokenStore:
        """Open a store folder and check its index against ``tokens.bin``.

        Args:
            path: The store folder.

        Returns:
            The opened store.

        Raises:
            FileFormatError: The folder is missing, is not a genoenc token store, was
                written with another schema version, or its files disagree (a truncated
                ``tokens.bin``, records that do not add up). The message names it.
        """
        path = Path(path)
        if not path.is_dir():
            what = "is not a folder" if path.exists() else "no such folder"
            raise FileFormatError(path, f"not a token store ({what})")
        index_path = path / INDEX_FILE
        if not index_path.is_file():
            raise FileFormatError(path, f"not a genoenc token store (no {INDEX_FILE})")
        try:
            index = json.loads(index_path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise FileFormatError(index_path, f"not valid JSON ({error})") from None
        config, dtype, n_tokens, records, sources = _parse_index(index, index_path)

        tokens_path = path / TOKENS_FILE
        if not tokens_path.is_file():
            raise FileFormatError(path, f"token store without {TOKENS_FILE}")
        size = tokens_path.stat().st_size
        if size != n_tokens * dtype.itemsize:
            raise FileFormatError(
                tokens_path,
                f"holds {size:,} bytes, the index says {n_tokens:,} {dtype} tokens "
                f"({n_tokens * dtype.itemsize:,} bytes); the store is damaged, write it again",
            )
        tokens: np.ndarray
        if n_tokens:
            tokens = np.memmap(tokens_path, dtype=dtype, mode="r", shape=(n_tokens,))
        else:  # an empty file cannot be memory-mapped
            tokens = np.zeros(0, dtype=dtype)
            tokens.setflags(write=False)
        return cls(
            path=path,
            tokens=tokens,
            records=records,
            tokenizer_config=config,
            sources=sources,
        )

    def iter_records(self, piece_tokens: int = _PIECE_TOKENS) -> Iterator[tuple[str, np.ndarray]]:
        """Yield ``(record name, ids)`` pieces in record order, as a reader stream would.

        Each record's framed ids (START ... END) come in slices of at most
        ``piece_tokens`` ids; the slices are read-only views of the memory map, so
        nothing is read before it is used.

        Args:
            piece_tokens: Largest piece, in tokens (>= 1).
        """
        if piece_tokens < 1:
            raise ValueError(f"piece_tokens must be >= 1 (got {piece_tokens})")
        for record in self.records:
            for lo in range(record.offset, record.end, piece_tokens):
                yield record.name, np.asarray(self.tokens[lo : min(lo + piece_tokens, record.end)])


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
        with (
            naming_os_errors(path / INDEX_FILE),
            open(temp / INDEX_FILE, "w", encoding="utf-8") as out,
        ):
            json.dump(index, out, indent=1)
            out.write("\n")
            out.flush()
            os.fsync(out.fileno())
        _move_into_place(temp, path, overwrite=overwrite)
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        raise
    logger.info("%s: wrote %d records, %d tokens", path, len(records), n_tokens)
    return TokenStore.open(path)


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


def _record_origin(entry: Mapping[str, Any]) -> ReadOrigin | None:
    """The ``origin`` of an index record: ``[template, contig or null, start, end]``."""
    value = entry.get("origin")
    if value is None:
        return None
    template, contig, start, end = value
    valid = (
        isinstance(template, str)
        and (contig is None or isinstance(contig, str))
        and isinstance(start, int)
        and isinstance(end, int)
    )
    if not valid:
        raise TypeError("bad origin")
    return ReadOrigin(template, contig, start, end)


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


def _parse_index(
    index: object, where: Path
) -> tuple[
    TokenizerConfig, np.dtype[Any], int, tuple[StoreRecord, ...], tuple[dict[str, Any], ...]
]:
    """Check an ``index.json`` object field by field; raise FileFormatError naming ``where``."""
    if not isinstance(index, dict) or index.get("format") != STORE_FORMAT:
        raise FileFormatError(
            where, f"not a genoenc token store index (no format {STORE_FORMAT!r})"
        )
    version = index.get("schema_version")
    if version != SCHEMA_VERSION:
        raise FileFormatError(
            where,
            f"schema_version {version!r}, this genoenc reads {SCHEMA_VERSION}; "
            "write the store again with this version",
        )
    for key, kind in (("tokenizer", dict), ("dtype", str), ("n_tokens", int), ("records", list)):
        if not isinstance(index.get(key), kind) or isinstance(index.get(key), bool):
            raise FileFormatError(where, f"field {key!r} is missing or not a {kind.__name__}")
    try:
        config = TokenizerConfig.from_dict(index["tokenizer"])
    except (ConfigError, TypeError) as error:
        raise FileFormatError(where, f"bad tokenizer config: {error}") from None
    expected_dtype = build_tokenizer(config).store_dtype
    if index["dtype"] != str(expected_dtype):
        raise FileFormatError(
            where, f"dtype {index['dtype']!r} does not match its tokenizer ({expected_dtype})"
        )
    if index.get("byteorder", sys.byteorder) != sys.byteorder:
        raise FileFormatError(where, f"written on a {index['byteorder']}-endian machine")
    n_tokens = index["n_tokens"]
    records = []
    end = 0
    for number, entry in enumerate(index["records"]):
        try:
            record = StoreRecord(
                name=entry["name"],
                offset=entry["offset"],
                length=entry["length"],
                origin=_record_origin(entry),
            )
        except (TypeError, KeyError, ValueError):
            raise FileFormatError(where, f"record #{number} is malformed: {entry!r:.80}") from None
        valid = (
            isinstance(record.name, str)
            and isinstance(record.offset, int)
            and isinstance(record.length, int)
            and record.offset == end
            and record.length >= 0
        )
        if not valid:
            raise FileFormatError(
                where, f"record #{number} ({entry!r:.80}) does not follow the last"
            )
        end = record.end
        records.append(record)
    if end != n_tokens:
        raise FileFormatError(where, f"records cover {end:,} tokens, n_tokens is {n_tokens:,}")
    sources = index.get("sources", [])
    if not isinstance(sources, list) or not all(isinstance(s, dict) for s in sources):
        raise FileFormatError(where, "field 'sources' is not a list of objects")
    return config, np.dtype(expected_dtype), n_tokens, tuple(records), tuple(sources)
