"""read_text: one record per file, bounded chunks, UTF-8 boundaries, gzip."""

from __future__ import annotations

import gzip
import io
from pathlib import Path

import pytest

from genoenc.errors import FileFormatError, InputError
from genoenc.io import read_text
from tests.helpers import sample_path


def test_tinyshakespeare_is_one_record() -> None:
    path = sample_path("tinyshakespeare.txt")
    chunks = list(read_text(path, chunk_size=100_000))
    assert {c.name for c in chunks} == {"tinyshakespeare.txt"}
    assert [c.first for c in chunks] == [True] + [False] * (len(chunks) - 1)
    assert [c.last for c in chunks] == [False] * (len(chunks) - 1) + [True]
    assert b"".join(c.seq for c in chunks) == path.read_bytes()
    assert sum(len(c.seq) for c in chunks) == 1_115_394
    assert [c.start for c in chunks] == [i * 100_000 for i in range(len(chunks))]


def test_gzip_and_in_memory(tmp_path: Path) -> None:
    text = sample_path("wikitext2_valid.txt").read_bytes()
    packed = tmp_path / "valid.txt.gz"
    packed.write_bytes(gzip.compress(text))
    from_file = list(read_text(packed, chunk_size=1 << 16))
    from_bytes = list(read_text(io.BytesIO(text), chunk_size=1 << 16))
    assert b"".join(c.seq for c in from_file) == text
    assert [c.seq for c in from_file] == [c.seq for c in from_bytes]


def test_chunks_never_split_a_utf8_character() -> None:
    text = ("aé€😀" * 1000).encode()
    for chunk_size in (4, 5, 7, 100):
        chunks = list(read_text(io.BytesIO(text), chunk_size=chunk_size))
        assert b"".join(c.seq for c in chunks) == text
        for chunk in chunks:
            assert 0 < len(chunk.seq) <= chunk_size
            chunk.seq.decode("utf-8")  # each chunk is whole characters


def test_text_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        read_text(tmp_path / "none.txt")
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    with pytest.raises(FileFormatError, match=r"empty\.txt: empty file"):
        list(read_text(empty))
    cut = tmp_path / "cut.txt.gz"
    cut.write_bytes(gzip.compress(sample_path("tinyshakespeare.txt").read_bytes())[:5000])
    with pytest.raises(FileFormatError, match="truncated or corrupt gzip"):
        list(read_text(cut))


# --- a UTF-8 byte order mark (issue 13) ----------------------------------------------------------


@pytest.mark.parametrize("packed", [False, True])
def test_leading_bom_is_dropped(tmp_path: Path, packed: bool) -> None:
    body = "héllo\nworld\n".encode()
    data = b"\xef\xbb\xbf" + body
    path = tmp_path / "bom.txt"
    path.write_bytes(gzip.compress(data) if packed else data)
    chunks = list(read_text(path, chunk_size=4))
    assert b"".join(c.seq for c in chunks) == body
    assert "\ufeff" not in b"".join(c.seq for c in chunks).decode()
    assert chunks[0].start == 0


def test_bom_only_file_is_empty_and_inner_bom_is_kept(tmp_path: Path) -> None:
    only = tmp_path / "only.txt"
    only.write_bytes(b"\xef\xbb\xbf")
    with pytest.raises(FileFormatError, match="empty file"):
        list(read_text(only))
    assert b"".join(c.seq for c in read_text(io.BytesIO(b"a\xef\xbb\xbfb"))) == b"a\xef\xbb\xbfb"


def test_offsets_after_a_bom_count_it(tmp_path: Path) -> None:
    path = tmp_path / "bad.txt"
    path.write_bytes(b"\xef\xbb\xbfabc\xff")
    with pytest.raises(FileFormatError, match=r"byte 6: not UTF-8"):
        list(read_text(path))


def test_bom_never_becomes_a_vocabulary_token(tmp_path: Path) -> None:
    from genoenc.tokenize import TokenizerConfig, fit_vocab

    path = tmp_path / "bom.txt"
    path.write_bytes(b"\xef\xbb\xbf" + b"abcabc\n" * 20)
    texts = [c.seq.decode() for c in read_text(path)]
    vocab = fit_vocab(TokenizerConfig(kind="char"), texts)
    assert "\ufeff" not in vocab.tokens
