from __future__ import annotations

import gzip
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from genoenc.errors import FileFormatError, GenoencError, SequenceCharError
from genoenc.io import Chunk, ReaderConfig
from genoenc.store import (
    INDEX_FILE,
    SCHEMA_VERSION,
    TOKENS_FILE,
    StoreRecord,
    TokenStore,
    tokenize_inputs,
    write_store,
)
from genoenc.tokenize import Tokenizer, TokenizerConfig, build_tokenizer
from tests.helpers import sample_path

RECORDS = {"chr1": b"ACGTNACGTTGCAacgtRYACG", "chr2": b"", "chrM": b"GATTACA" * 9}
SOURCES = [{"path": "in.fa", "kind": "fasta", "bytes": 123, "sha256": "0" * 64}]


def _chunks(records: dict[str, bytes], size: int = 5) -> Iterator[Chunk]:
    for name, seq in records.items():
        starts = list(range(0, len(seq), size)) or [0]
        for i, lo in enumerate(starts):
            yield Chunk(
                path="in.fa",
                name=name,
                seq=seq[lo : lo + size],
                start=lo,
                first=i == 0,
                last=i == len(starts) - 1,
            )


def _expected(tok: Tokenizer, records: dict[str, bytes]) -> dict[str, list[int]]:
    return {
        name: [tok.start_id, *tok.encode(seq).tolist(), tok.end_id] for name, seq in records.items()
    }


@pytest.mark.parametrize(
    ("k", "stride", "dtype"), [(1, 1, "uint8"), (3, 1, "uint8"), (4, 4, "uint16"), (8, 8, "uint32")]
)
def test_round_trip(tmp_path: Path, k: int, stride: int, dtype: str) -> None:
    tok = build_tokenizer(TokenizerConfig(k=k, stride=stride))
    store = write_store(tmp_path / "store", _chunks(RECORDS), tok, SOURCES)
    assert isinstance(store.tokens, np.memmap)
    assert store.tokens.dtype == np.dtype(dtype) == store.dtype
    assert store.tokenizer_config == TokenizerConfig(k=k, stride=stride)
    assert list(store.sources) == SOURCES
    expected = _expected(tok, RECORDS)
    assert [r.name for r in store.records] == list(RECORDS)
    offset = 0
    for record in store.records:
        assert record.offset == offset
        assert store.tokens[record.offset : record.end].tolist() == expected[record.name]
        offset = record.end
    assert store.n_tokens == offset == sum(len(ids) for ids in expected.values())

    index = json.loads((tmp_path / "store" / INDEX_FILE).read_text())
    assert index["schema_version"] == SCHEMA_VERSION
    assert index["tokenizer"] == {"kind": "dna", "k": k, "stride": stride}
    assert index["dtype"] == dtype
    assert index["n_tokens"] == store.n_tokens
    assert index["records"][0] == {"name": "chr1", "offset": 0, "length": len(expected["chr1"])}
    assert (tmp_path / "store" / TOKENS_FILE).stat().st_size == store.n_tokens * np.dtype(
        dtype
    ).itemsize
    # Reopening gives the same store; nothing else is left beside it.
    again = TokenStore.open(tmp_path / "store")
    assert (again.tokens == store.tokens).all()
    assert again.records == store.records
    assert sorted(p.name for p in tmp_path.iterdir()) == ["store"]


def test_tokens_are_read_only(tmp_path: Path) -> None:
    store = write_store(tmp_path / "s", _chunks(RECORDS), build_tokenizer(TokenizerConfig()), [])
    with pytest.raises(ValueError, match="read-only"):
        store.tokens[0] = 1


@pytest.mark.parametrize("piece_tokens", [1, 3, 1 << 20])
def test_iter_records_pieces(tmp_path: Path, piece_tokens: int) -> None:
    tok = build_tokenizer(TokenizerConfig(k=2, stride=1))
    store = write_store(tmp_path / "s", _chunks(RECORDS), tok, [])
    joined: dict[str, list[int]] = {}
    names: list[str] = []
    for name, ids in store.iter_records(piece_tokens):
        assert 1 <= len(ids) <= piece_tokens
        assert not ids.flags.writeable
        joined.setdefault(name, []).extend(ids.tolist())
        if not names or names[-1] != name:
            names.append(name)
    assert names == list(RECORDS)
    assert joined == _expected(tok, RECORDS)
    with pytest.raises(ValueError, match="piece_tokens"):
        next(store.iter_records(0))


def _failing(after: int) -> Iterator[Chunk]:
    for i, chunk in enumerate(_chunks(RECORDS)):
        if i == after:
            raise RuntimeError("disk on fire")
        yield chunk


def test_crash_leaves_nothing_behind(tmp_path: Path) -> None:
    tok = build_tokenizer(TokenizerConfig(k=3))
    with pytest.raises(RuntimeError, match="disk on fire"):
        write_store(tmp_path / "store", _failing(after=4), tok, SOURCES)
    assert list(tmp_path.iterdir()) == []


def test_bad_input_byte_leaves_nothing_behind(tmp_path: Path) -> None:
    tok = build_tokenizer(TokenizerConfig())
    records = {"ok": b"ACGT" * 10, "bad": b"ACGT*"}
    with pytest.raises(SequenceCharError, match="record bad"):
        write_store(tmp_path / "store", _chunks(records), tok, [])
    assert list(tmp_path.iterdir()) == []


def test_no_records_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(GenoencError, match="no record"):
        write_store(tmp_path / "store", iter([]), build_tokenizer(TokenizerConfig()), [])
    assert list(tmp_path.iterdir()) == []


def test_overwrite_rules(tmp_path: Path) -> None:
    tok = build_tokenizer(TokenizerConfig())
    path = tmp_path / "store"
    write_store(path, _chunks({"a": b"ACGT"}), tok, [])
    with pytest.raises(GenoencError, match="already exists"):
        write_store(path, _chunks({"b": b"TT"}), tok, [])
    assert TokenStore.open(path).records[0].name == "a"
    store = write_store(path, _chunks({"b": b"TT"}), tok, [], overwrite=True)
    assert store.records == (StoreRecord(name="b", offset=0, length=4),)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["store"]

    # A folder that is not a store is never replaced, even with overwrite.
    other = tmp_path / "results"
    other.mkdir()
    (other / "precious.txt").write_text("keep me")
    with pytest.raises(GenoencError, match="not a token store"):
        write_store(other, _chunks({"a": b"A"}), tok, [], overwrite=True)
    assert (other / "precious.txt").read_text() == "keep me"
    # An empty folder may be used.
    empty = tmp_path / "empty"
    empty.mkdir()
    assert write_store(empty, _chunks({"a": b"A"}), tok, [], overwrite=True).n_tokens == 3


def _write(tmp_path: Path) -> Path:
    path = tmp_path / "store"
    write_store(path, _chunks(RECORDS), build_tokenizer(TokenizerConfig(k=4)), SOURCES)
    return path


def _edit_index(path: Path, **changes: object) -> None:
    index = json.loads((path / INDEX_FILE).read_text())
    index.update(changes)
    (path / INDEX_FILE).write_text(json.dumps(index))


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda p: None, None),
        (lambda p: (p / INDEX_FILE).unlink(), "no index.json"),
        (lambda p: (p / INDEX_FILE).write_text("{oops"), "not valid JSON"),
        (lambda p: (p / INDEX_FILE).write_text('{"a": 1}'), "not a genoenc token store index"),
        (lambda p: _edit_index(p, schema_version=2), "schema_version 2"),
        (lambda p: _edit_index(p, dtype="uint8"), "does not match its tokenizer"),
        (lambda p: _edit_index(p, tokenizer={"k": 40}), "tokenizer.k must be in 1..12"),
        (lambda p: _edit_index(p, n_tokens=3), "records cover"),
        (lambda p: _edit_index(p, records=[{"name": "x"}]), "record #0"),
        (lambda p: (p / TOKENS_FILE).write_bytes(b"\0" * 7), "the store is damaged"),
        (lambda p: (p / TOKENS_FILE).unlink(), "without tokens.bin"),
    ],
)
def test_open_checks_the_store(tmp_path: Path, damage: object, message: str | None) -> None:
    path = _write(tmp_path)
    damage(path)  # type: ignore[operator]
    if message is None:
        assert TokenStore.open(path).n_tokens > 0
        return
    with pytest.raises(FileFormatError, match=message) as info:
        TokenStore.open(path)
    assert str(path) in str(info.value)


def test_open_names_a_missing_or_foreign_path(tmp_path: Path) -> None:
    with pytest.raises(FileFormatError, match="no such folder") as info:
        TokenStore.open(tmp_path / "nope")
    assert str(tmp_path / "nope") in str(info.value)
    (tmp_path / "file").write_text("x")
    with pytest.raises(FileFormatError, match="is not a folder"):
        TokenStore.open(tmp_path / "file")
    with pytest.raises(FileFormatError, match="not a genoenc token store"):
        TokenStore.open(tmp_path)


# -- tokenize_inputs: the real readers on bundled samples -----------------------------


def _read_fasta(path: Path) -> dict[str, bytes]:
    opener = gzip.open if path.suffix == ".gz" else open
    records: dict[str, list[bytes]] = {}
    with opener(path, "rb") as handle:
        for line in handle:
            line = line.rstrip(b"\r\n")
            if line.startswith(b">"):
                current = records.setdefault(line[1:].split()[0].decode(), [])
            else:
                current.append(line)
    return {name: b"".join(lines) for name, lines in records.items()}


@pytest.mark.parametrize(("k", "stride"), [(1, 1), (3, 3), (5, 1)])
def test_tokenize_inputs_on_samples(tmp_path: Path, k: int, stride: int) -> None:
    fasta = [
        sample_path("hg19_chr17_1-40000_softmasked.fa"),
        sample_path("dmel_1pct_7contigs.fa.gz"),
    ]
    reader = ReaderConfig(fasta=tuple(str(p) for p in fasta), chunk_size=4099)
    tok_cfg = TokenizerConfig(k=k, stride=stride)
    store = tokenize_inputs(reader, tok_cfg, tmp_path / "store")
    tok = build_tokenizer(tok_cfg)
    expected = {name: seq for path in fasta for name, seq in _read_fasta(path).items()}
    assert [r.name for r in store.records] == list(expected)
    for record in store.records:
        ids = store.tokens[record.offset : record.end]
        assert ids[0] == tok.start_id
        assert ids[-1] == tok.end_id
        assert (ids[1:-1] == tok.encode(expected[record.name])).all()
    assert [s["sha256"] for s in store.sources] == [
        hashlib.sha256(p.read_bytes()).hexdigest() for p in fasta
    ]
    with pytest.raises(GenoencError, match="already exists"):
        tokenize_inputs(reader, tok_cfg, tmp_path / "store")
