"""Text through ``genoenc tokenize`` (byte stores) and ``genoenc baseline`` (text tokenizers)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from genoenc.cli import cli
from genoenc.store import TokenStore
from tests.helpers import sample_path

SHAKESPEARE = str(sample_path("tinyshakespeare.txt"))
SMALL = ["--block-tokens", "16384", "--max-order", "2", "--eval-tokens", "8192"]


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


def test_byte_store_round_trip_and_baseline(tmp_path: Path) -> None:
    store_dir = tmp_path / "store"
    code, out = invoke(
        "tokenize", "--text", SHAKESPEARE, "--tokenizer", "byte", "-o", str(store_dir)
    )
    assert code == 0, out
    store = TokenStore.open(store_dir)
    raw = Path(SHAKESPEARE).read_bytes()
    assert store.n_tokens == len(raw) + 2  # START ... END around the one record
    result_json = tmp_path / "ref.json"
    code, out = invoke(
        "baseline", "--tokens", str(store_dir), "--tokenizer", "byte", *SMALL,
        "--json", str(result_json),
    )  # fmt: skip
    assert code == 0, out
    assert any(line.startswith("reference") and "bits/char" in line for line in out.splitlines())
    from_text = tmp_path / "text.json"
    code, out = invoke(
        "baseline", "--text", SHAKESPEARE, "--tokenizer", "byte", *SMALL, "--json", str(from_text)
    )
    assert code == 0, out
    # The same text, split into blocks a little differently (the store frames one record,
    # the text path frames every block): close references, both far below uniform.
    store_ref = json.loads(result_json.read_text())["reference"]
    text_ref = json.loads(from_text.read_text())["reference"]
    for key in ("order0_bits", "markov_bits"):
        assert store_ref[key] == pytest.approx(text_ref[key], rel=0.03)
    assert store_ref["markov_bits"] < store_ref["order0_bits"] < store_ref["uniform_bits"]


def test_baseline_word_tokenizer_beats_order0(tmp_path: Path) -> None:
    out_json = tmp_path / "ref.json"
    code, out = invoke(
        "baseline", "--text", SHAKESPEARE, "--tokenizer", "word", "--vocab-size", "500",
        *SMALL, "--json", str(out_json),
    )  # fmt: skip
    assert code == 0, out
    result = json.loads(out_json.read_text())
    assert result["unit"] == "char"
    ref = result["reference"]
    assert ref["markov_bits"] < ref["order0_bits"] < ref["uniform_bits"]


def test_tokenize_text_needs_a_text_tokenizer(tmp_path: Path) -> None:
    code, out = invoke("tokenize", "--text", SHAKESPEARE, "-o", str(tmp_path / "s"))
    assert code == 2
    assert "--tokenizer byte" in out
    assert not (tmp_path / "s").exists()
