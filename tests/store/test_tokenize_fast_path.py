"""``genoenc tokenize``'s one-pass path (issue 13) writes exactly what the plain path writes.

The fast path hashes FASTA/text inputs while reading them, has the FASTA reader map
bytes to base ids as it drops line breaks, and leaves validation to the tokenizer; a bad
byte is then located by reading again with the readers' check.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from pathlib import Path

import pytest

from genoenc.errors import SequenceCharError
from genoenc.io import InputDigests, ReaderConfig, describe_inputs, read_fasta, read_inputs
from genoenc.store import TokenStore, tokenize_inputs, write_store
from genoenc.tokenize import TokenizerConfig, build_tokenizer
from tests.helpers import sample_path

LAYOUTS = {
    "lf": b">a desc\nACGTNacgtn\nRYKM\n>b\nGGGGTTTTAC\nA\n",
    "crlf": b">a\r\nACGT\r\nacgu\r\n>b\r\nT\r\n",
    "one line, no final newline": b">a\nACGTACGTACGTAAC",
}


def _reference_store(reader: ReaderConfig, config: TokenizerConfig, out: Path) -> TokenStore:
    """The store the plain path writes: readers validate, the tokenizer translates."""
    tokenizer = build_tokenizer(config)
    chunks = read_inputs(reader, alphabet=tokenizer.alphabet)
    return write_store(out, chunks, tokenizer, describe_inputs(reader))


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
@pytest.mark.parametrize(("k", "packed"), [(1, False), (3, False), (1, True)])
def test_fast_path_writes_the_reference_store(
    tmp_path: Path, layout: str, k: int, packed: bool
) -> None:
    data = LAYOUTS[layout]
    path = tmp_path / ("x.fa.gz" if packed else "x.fa")
    path.write_bytes(gzip.compress(data) if packed else data)
    reader = ReaderConfig(fasta=(str(path),), chunk_size=4)
    config = TokenizerConfig(k=k)
    fast = tokenize_inputs(reader, config, tmp_path / "fast")
    slow = _reference_store(reader, config, tmp_path / "slow")
    assert fast.tokens.tolist() == slow.tokens.tolist()
    assert fast.records == slow.records
    assert fast.sources == slow.sources
    assert fast.sources[0]["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()


def test_fast_path_on_a_sample_genome_and_text(tmp_path: Path) -> None:
    reader = ReaderConfig(fasta=(str(sample_path("sarscov2_MN908947.3.fa")),))
    fast = tokenize_inputs(reader, TokenizerConfig(), tmp_path / "fast")
    slow = _reference_store(reader, TokenizerConfig(), tmp_path / "slow")
    assert fast.tokens.tolist() == slow.tokens.tolist()
    text = ReaderConfig(text=(str(sample_path("wikitext2_valid.txt")),))
    store = tokenize_inputs(text, TokenizerConfig(kind="byte"), tmp_path / "text")
    index = json.loads((tmp_path / "text" / "index.json").read_text())
    digest = hashlib.sha256(sample_path("wikitext2_valid.txt").read_bytes()).hexdigest()
    assert index["sources"][0]["sha256"] == digest
    assert store.n_tokens > 0


def test_a_bad_byte_still_names_file_record_and_byte(tmp_path: Path) -> None:
    path = tmp_path / "bad.fa"
    path.write_bytes(b">a\nACGT\n>b desc\nAC\nGTZA\n")
    with pytest.raises(SequenceCharError) as caught:
        tokenize_inputs(ReaderConfig(fasta=(str(path),)), TokenizerConfig(), tmp_path / "s")
    assert str(caught.value) == f"{path}: record b, byte 21: unexpected character 'Z' in sequence"
    assert not (tmp_path / "s").exists()


def test_byte_map_reader_matches_translate_and_checks_the_raw_bytes(tmp_path: Path) -> None:
    table = bytes(range(256)).translate(bytes.maketrans(b"ACGT", b"TGCA"))
    data = b">a\r\nACGT\r\nAA\r\n>b\nCCGG\n"
    mapped = list(read_fasta(_write(tmp_path, data), chunk_size=3, byte_map=table))
    plain = list(read_fasta(_write(tmp_path, data), chunk_size=3))
    assert [c.seq for c in mapped] == [c.seq.translate(table) for c in plain]
    assert {c.byte_map for c in mapped} == {table}
    with pytest.raises(SequenceCharError, match="byte 7"):
        list(read_fasta(_write(tmp_path, b">a\nAC\nGZ\n"), alphabet=b"ACGT", byte_map=table))


def _write(folder: Path, data: bytes) -> Path:
    path = folder / "x.fa"
    path.write_bytes(data)
    return path


def test_digests_are_used_only_for_files_read_whole(tmp_path: Path) -> None:
    path = _write(tmp_path, b">a\nACGT\n")
    reader = ReaderConfig(fasta=(str(path),))
    digests = InputDigests()
    assert digests.sha256(str(path)) is None
    list(read_inputs(reader, digests=digests))
    expected = hashlib.sha256(path.read_bytes()).hexdigest()
    assert digests.sha256(str(path)) == expected
    assert describe_inputs(reader, digests)[0]["sha256"] == expected
