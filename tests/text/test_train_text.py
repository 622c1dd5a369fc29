"""Text through the trainer: a tiny char run end to end, eval, and bits per char by hand."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import cast

import numpy as np
import pytest
import torch
from click.testing import CliRunner
from torch import nn

from genoenc.cli import cli
from genoenc.models import TaskModel
from genoenc.tokenize import TextVocab, TokenizerConfig, build_tokenizer
from genoenc.train.evaluate import evaluate
from tests.helpers import sample_path

TINY = [
    "--block-tokens",
    "4096",
    "--context",
    "32",
    "--d-model",
    "32",
    "--batch-size",
    "8",
    "--eval-tokens",
    "2048",
    "--tokens-budget",
    "8192",
    "--device",
    "cpu",
]


class _Uniform(nn.Module):
    """A 'model' whose logits are all zero: every target costs log2(V) bits."""

    def __init__(self, vocab: int) -> None:
        super().__init__()
        self.vocab = vocab

    def hidden(self, x: torch.Tensor) -> torch.Tensor:
        return x

    def nats(self, h: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return torch.full(y.shape, math.log(self.vocab))

    def predict(self, h: torch.Tensor) -> torch.Tensor:
        return torch.zeros(h.shape, dtype=torch.long)


def test_bits_per_char_by_hand() -> None:
    """sum(bits of counted targets) / sum(their characters); END is one character."""
    vocab = TextVocab(kind="word", tokens=("<unk>", "to", " be", ","), unk_units=5.0)
    tok = build_tokenizer(TokenizerConfig(kind="word"), vocab)
    start, end, pad = tok.start_id, tok.end_id, tok.pad_id
    windows = np.array([[start, 1, 2, 3, 0, end, pad], [1, 2, 2, pad, pad, pad, pad]])
    v = tok.target_vocab_size  # 7
    model = cast(TaskModel, _Uniform(v))  # evaluate calls only hidden, nats and predict
    result = evaluate(nn.Identity(), model, tok, windows, torch.device("cpu"))
    # Targets: row 1 'to' ' be' ',' <unk> END PAD; row 2 ' be' ' be' PAD x4.
    counted = 7  # to, be, ',', <unk>, END, be, be
    chars = 2 + 3 + 1 + 5 + 1 + 3 + 3
    assert result["char_targets"] == counted == result["targets"]
    assert result["chars"] == chars
    assert result["bits_per_char"] == pytest.approx(counted * math.log2(v) / chars)
    assert result["bits_per_token"] == pytest.approx(math.log2(v))
    assert "bits_per_base" not in result


def test_tiny_char_run_end_to_end(tmp_path: Path) -> None:
    text = tmp_path / "shakespeare_60k.txt"
    text.write_bytes(sample_path("tinyshakespeare.txt").read_bytes()[:60_000])
    run = tmp_path / "run"
    result = CliRunner().invoke(
        cli,
        [
            "train",
            "--text",
            str(text),
            "--tokenizer",
            "char",
            "--ratio",
            "4",
            *TINY,
            "--out",
            str(run),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "bits/char" in result.output
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["domain"] == "text"
    assert metrics["tokenizer"]["kind"] == "char"
    test = metrics["test"]
    assert "bits_per_char" in test
    assert "bits_per_base" not in test
    assert 0 < test["bits_per_char"] < 8
    ref = metrics["reference"]
    assert ref["unit"] == "char"
    assert ref["markov_bits"] < ref["order0_bits"] < ref["uniform_bits"]
    vocab = json.loads((run / "vocab.json").read_text())
    assert vocab["kind"] == "char"
    assert vocab["tokens"][0] == "<unk>"
    assert metrics["vocab_size"] == len(vocab["tokens"]) + 3
    # eval reloads the run's vocabulary and scores other text in bits per char.
    other = tmp_path / "other.txt"
    other.write_bytes(sample_path("tinyshakespeare.txt").read_bytes()[-20_000:])
    out = tmp_path / "eval.json"
    result = CliRunner().invoke(
        cli, ["eval", str(run), "--text", str(other), "--device", "cpu", "--json", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "bits/char" in result.output
    scored = json.loads(out.read_text())
    assert scored["unit"] == "char"
    assert scored["test"]["bits_per_char"] > 0
