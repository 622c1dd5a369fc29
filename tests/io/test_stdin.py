"""``-`` reads standard input (issue 13): every reader, provenance, several passes, errors."""

from __future__ import annotations

import gzip
import hashlib
import io
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from genoenc.errors import ConfigError, InputError, SequenceCharError
from genoenc.io import (
    ReaderConfig,
    describe_inputs,
    read_fasta,
    read_fasta_regions,
    read_fastq,
    read_inputs,
    read_text,
)
from tests.helpers import sample_path
from tests.io._files import DNA_ALPHABET

FASTA = b">a desc\nACGT\nAC\n>b\nGGTT\n"
FASTQ = b"@r1\nACGT\n+\nIIII\n@r2\nGG\n+\nII\n"

StdinSetter = Callable[[bytes], None]


class _Pipe(io.TextIOWrapper):
    def isatty(self) -> bool:
        return False


@pytest.fixture
def stdin(monkeypatch: pytest.MonkeyPatch) -> StdinSetter:
    """Install bytes as standard input (a fresh object each time, as a new process has)."""

    def set_stdin(data: bytes) -> None:
        monkeypatch.setattr("sys.stdin", _Pipe(io.BytesIO(data)))

    return set_stdin


def _joined(chunks: object) -> list[tuple[str, bytes]]:
    records: list[tuple[str, bytes]] = []
    for chunk in chunks:  # type: ignore[attr-defined]
        if chunk.first:
            records.append((chunk.name, b""))
        records[-1] = (records[-1][0], records[-1][1] + chunk.seq)
    return records


@pytest.mark.parametrize("packed", [False, True])
def test_fasta_from_stdin(stdin: StdinSetter, packed: bool) -> None:
    stdin(gzip.compress(FASTA) if packed else FASTA)
    assert _joined(read_fasta("-")) == [("a", b"ACGTAC"), ("b", b"GGTT")]


def test_fastq_and_text_from_stdin(stdin: StdinSetter) -> None:
    stdin(FASTQ)
    assert _joined(read_fastq("-")) == [("r1", b"ACGT"), ("r2", b"GG")]
    stdin(b"\xef\xbb\xbfhello\n")
    chunks = list(read_text("-"))
    assert _joined(chunks) == [("<stdin>", b"hello\n")]


def test_stdin_is_read_once_and_replayed_with_provenance(stdin: StdinSetter) -> None:
    stdin(FASTA)
    cfg = ReaderConfig(fasta=("-",))
    (source,) = describe_inputs(cfg)
    assert source == {
        "path": "-",
        "kind": "fasta",
        "bytes": len(FASTA),
        "sha256": hashlib.sha256(FASTA).hexdigest(),
    }
    first = _joined(read_inputs(cfg, alphabet=DNA_ALPHABET))
    second = _joined(read_inputs(cfg, alphabet=DNA_ALPHABET))  # a second epoch
    assert first == second == [("a", b"ACGTAC"), ("b", b"GGTT")]


def test_errors_name_stdin(stdin: StdinSetter) -> None:
    stdin(b">a\nACZT\n")
    with pytest.raises(SequenceCharError) as caught:
        list(read_fasta("-", alphabet=DNA_ALPHABET))
    assert str(caught.value).startswith("<stdin>: record a, byte 5: unexpected character 'Z'")


def test_stdin_at_a_terminal_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    class Terminal(_Pipe):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr("sys.stdin", Terminal(io.BytesIO(b"")))
    with pytest.raises(InputError, match="<stdin>: '-' reads standard input, but it is a term"):
        read_fasta("-")


def test_stdin_twice_and_regions_on_stdin_are_refused(stdin: StdinSetter) -> None:
    with pytest.raises(ConfigError, match="more than once"):
        ReaderConfig(fasta=("-",), fastq=("-",))
    stdin(FASTA)
    with pytest.raises(InputError, match="regions need a FASTA file with its index"):
        read_fasta_regions("-", ["a:1-2"])


def test_tokenize_cli_reads_stdin(tmp_path: Path) -> None:
    from genoenc.cli import cli
    from genoenc.store import TokenStore

    data = sample_path("lambda_virus.fa").read_bytes()
    out = tmp_path / "store"
    result = CliRunner().invoke(cli, ["tokenize", "--fasta", "-", "-o", str(out)], input=data)
    assert result.exit_code == 0, result.output
    store = TokenStore.open(out)
    assert store.n_tokens == 48_502 + 2
    assert store.sources[0]["path"] == "-"
    assert store.sources[0]["sha256"] == hashlib.sha256(data).hexdigest()
