"""Bad text inputs give one clear line each: binary, invalid UTF-8, empty, vocabulary too large."""

from __future__ import annotations

import dataclasses
import io
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from genoenc.cli import cli
from genoenc.data import SplitConfig, WindowConfig, block_splits, split_blocks
from genoenc.errors import FileFormatError
from genoenc.io import ReaderConfig, read_text
from genoenc.tokenize import TokenizerConfig
from genoenc.train import RunConfig
from genoenc.train.sources import open_piece_source
from genoenc.train.vocab import fit_run_vocab, run_tokenizer
from tests.helpers import sample_path

SHAKESPEARE = sample_path("tinyshakespeare.txt").read_bytes()


def run_train(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["train", "--device", "cpu", *args])
    return result.exit_code, result.output


def test_binary_file_is_refused_with_its_offset(tmp_path: Path) -> None:
    path = tmp_path / "model.bin"
    path.write_bytes(b"looks like text\n" * 100 + b"\x00\x01\x02")
    with pytest.raises(FileFormatError, match=r"byte 1,600: binary file, not text"):
        list(read_text(path))
    code, output = run_train("--text", str(path), "--tokenizer", "char")
    assert code == 1
    lines = output.strip().splitlines()
    assert len(lines) == 1, output
    assert str(path) in lines[0]
    assert "binary file" in lines[0]


def test_invalid_utf8_names_the_byte_offset(tmp_path: Path) -> None:
    path = tmp_path / "latin1.txt"
    path.write_bytes(("naïve text " * 100).encode() + "café".encode("latin-1") + b" end")
    offset = len(("naïve text " * 100).encode()) + 3  # the Latin-1 é
    for chunk_size in (64, 1 << 20):  # the offset counts from the file's start, not the chunk's
        with pytest.raises(FileFormatError) as info:
            list(read_text(path, chunk_size=chunk_size))
        assert f"byte {offset:,}: not UTF-8 text (invalid byte 0xe9)" in str(info.value)
    code, output = run_train("--text", str(path), "--tokenizer", "word")
    assert code == 1
    assert output.strip().splitlines() == [
        f"Error: {path}: byte {offset:,}: not UTF-8 text (invalid byte 0xe9)"
    ]


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.txt"
    path.write_bytes(b"")
    code, output = run_train("--text", str(path), "--tokenizer", "byte")
    assert code == 1
    assert output.strip().splitlines() == [f"Error: {path}: empty file"]


def test_vocabulary_larger_than_the_words(tmp_path: Path) -> None:
    path = tmp_path / "small.txt"
    path.write_bytes(SHAKESPEARE[:20_000])
    code, output = run_train(
        "--text", str(path), "--tokenizer", "word", "--vocab-size", "5000", "--block-tokens", "512"
    )
    assert code == 2
    lines = [line for line in output.strip().splitlines() if line.startswith("Error")]
    assert len(lines) == 1, output
    assert "(tokenizer.vocab_size) 5,000 is larger than the" in lines[0]
    assert "distinct words of the train split" in lines[0]
    assert "--vocab-size" in lines[0]
    assert not (tmp_path / "runs").exists()


def test_rc_aug_is_dna_only(tmp_path: Path) -> None:
    path = tmp_path / "small.txt"
    path.write_bytes(SHAKESPEARE[:20_000])
    code, output = run_train("--text", str(path), "--tokenizer", "byte", "--rc-aug")
    assert code == 2
    assert "(train.rc_aug) is for DNA only" in output


def test_vocabulary_sees_the_train_split_only(tmp_path: Path) -> None:
    """A word only in a test block is <unk>; one in a train block is in the vocabulary."""
    block_tokens = 66  # blocks of at most 64 bytes
    split = SplitConfig(block_tokens=block_tokens, val_fraction=0.2, test_fraction=0.2)
    codes = block_splits(np.arange(40), split).tolist()
    blocks = []
    for index, code in enumerate(codes):
        marker = {0: "trainword", 1: "valword", 2: "testword"}[code]
        # 64 bytes a line: the block cut falls before each newline (a whitespace run).
        blocks.append(f"{marker}{index:02d} filler filler".ljust(63, ".") + "\n")
    assert all(len(block) == block_tokens - 2 for block in blocks)
    path = tmp_path / "blocks.txt"
    path.write_text("".join(blocks))
    cfg = RunConfig(
        reader=ReaderConfig(text=(str(path),)),
        split=split,
        tokenizer=TokenizerConfig(kind="word"),
        window=WindowConfig(context=16),
    )
    vocab = set(fit_run_vocab(cfg).tokens)
    seen = {word.strip() for word in vocab if word.strip()[:-2].endswith("word")}
    expected = {f"trainword{i:02d}" for i, code in enumerate(codes) if code == 0}
    assert seen == expected
    assert 0 < len(expected) < len(codes)
    # The data layer puts exactly those blocks in train, whatever the text tokenizer.
    for kind in ("char", "byte", "word"):
        kind_cfg = dataclasses.replace(cfg, tokenizer=TokenizerConfig(kind=kind))
        tok = run_tokenizer(kind_cfg)
        pieces = open_piece_source(kind_cfg, tok)
        train_text = b"".join(tok.decode(ids) for _, ids in split_blocks(pieces(), split, "train"))
        assert {w for w in train_text.decode().split() if w[:-2].endswith("word")} == expected


def test_read_text_accepts_a_bom_free_utf8_stream() -> None:
    chunks = list(read_text(io.BytesIO("Ω≈ç√".encode() * 10), chunk_size=5))
    assert b"".join(c.seq for c in chunks).decode() == "Ω≈ç√" * 10
