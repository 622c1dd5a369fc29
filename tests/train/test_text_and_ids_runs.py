"""The trainer on ids stores (bits per symbol) and sweeps holding text beside a genome."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from genoenc.errors import ConfigError
from genoenc.store import write_id_store
from genoenc.train import RunConfig, merge_config, train
from genoenc.train.sweep import load_grid, plan_sweep


def test_ids_run_reports_bits_per_symbol(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    # Symbol i + 1 follows symbol i (mod 5) nine times in ten: far below log2(5) bits.
    records = []
    for _ in range(2):
        steps = np.where(rng.random(6000) < 0.9, 1, rng.integers(0, 5, 6000))
        records.append(np.cumsum(steps) % 5)
    write_id_store(tmp_path / "store", records, 5)
    overrides = {
        "tokens": str(tmp_path / "store"),
        "tokenizer": {"kind": "ids", "vocab_size": 5},
        "split": {"block_tokens": 1024},
        "window": {"context": 32},
        "model": {"d_model": 32},
        "train": {"tokens_budget": 8192, "eval_tokens": 1024, "device": "cpu", "markov_max_k": 3},
    }
    metrics = train(merge_config(RunConfig(), overrides), tmp_path / "run")
    assert metrics["domain"] == "synthetic"
    assert set(metrics["test"]) >= {"bits_per_symbol", "symbol_targets", "symbols"}
    ref = metrics["reference"]
    assert ref["unit"] == "symbol"
    assert ref["uniform_bits"] == pytest.approx(np.log2(5))
    assert ref["markov_order"] >= 1
    assert ref["markov_bits"] < 1.2
    assert metrics["test"]["bits_per_symbol"] < ref["order0_bits"]
    no_store = {key: value for key, value in overrides.items() if key != "tokens"}
    no_store["reader"] = {"fasta": [str(tmp_path / "x.fa")]}
    with pytest.raises(ConfigError, match="'ids' reads a token store only"):
        train(merge_config(RunConfig(), no_store), tmp_path / "run2")


def test_sweep_datasets_bring_their_own_tokenizers(tmp_path: Path) -> None:
    grid = load_grid(
        {
            "datasets": {
                "ecoli": {"reader": {"fasta": ["e.fa"]}},
                "wiki": {
                    "reader": {"text": ["w.txt"]},
                    "tokenizers": [{"kind": "word", "vocab_size": 4096}],
                },
            },
            "tokenizers": [{"k": 6, "stride": 6}],
            "strategies": ["full", "learned"],
            "ratios": [4],
            "seeds": 1,
        }
    )
    cells = plan_sweep(grid, tmp_path)
    assert [c.name for c in cells] == [
        "ecoli/k6s6/full/seed0",
        "ecoli/k6s6/learned-r4/seed0",
        "wiki/word-v4096/full/seed0",
        "wiki/word-v4096/learned-r4/seed0",
    ]
    wiki = cells[-1].overrides
    assert "tokenizers" not in wiki
    assert wiki["tokenizer"] == {"kind": "word", "vocab_size": 4096}
    cfg = merge_config(RunConfig(), wiki)
    assert cfg.tokenizer.kind == "word"
    assert cfg.tokenizer.vocab_size == 4096
    assert merge_config(RunConfig(), cells[0].overrides).tokenizer.k == 6
