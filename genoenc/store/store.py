"""The token store: framed store ids on disk (``tokens.bin``) plus a JSON index.

A store is a folder::

    STORE/tokens.bin    raw array of the tokenizer's store_dtype (native byte order)
    STORE/index.json    {"format", "schema_version", "genoenc_version", "tokenizer",
                         "dtype", "n_tokens", "records": [{name, offset, length}],
                         "sources": [{path, kind, bytes, sha256}]}

Record offsets and lengths count tokens, START and END included; records are
consecutive (each starts where the previous ended). A store is written once, into a
hidden temporary sibling folder that is renamed into place at the end, so a crash or
an input error never leaves a half-written store at the destination
(:mod:`genoenc.store.write`). This module opens and reads a finished store.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from genoenc.errors import ConfigError, FileFormatError
from genoenc.io import ReadOrigin
from genoenc.tokenize import Tokenizer, TokenizerConfig, build_tokenizer

__all__ = [
    "INDEX_FILE",
    "SCHEMA_VERSION",
    "STORE_FORMAT",
    "TOKENS_FILE",
    "StoreRecord",
    "TokenStore",
]

SCHEMA_VERSION = 1
#: The ``format`` tag of ``index.json``: tells a store from any other folder with JSON in it.
STORE_FORMAT = "genoenc-token-store"
TOKENS_FILE = "tokens.bin"
INDEX_FILE = "index.json"

_PIECE_TOKENS = 1 << 20


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
