"""The acceptance check of the trainer: on a known order-3 Markov source, the default
``full`` and ``learned`` (ratio 4) runs reach within 3% of the exact entropy rate, and
the Markov baseline picks the true order."""

from __future__ import annotations

from pathlib import Path

import pytest

from genoenc.io import ReaderConfig
from genoenc.sources import default_dna_source, write_fasta
from genoenc.train import RunConfig, merge_config, train

BUDGET = 1_500_000


@pytest.fixture(scope="module")
def source_fasta(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, float]:
    source = default_dna_source(seed=0)
    path = tmp_path_factory.mktemp("markov") / "markov3.fa"
    write_fasta(path, source.sample_records(4, 250_000, seed=1))
    return path, source.entropy_rate()


@pytest.mark.parametrize("strategy", ["full", "learned"])
def test_reaches_entropy_rate(
    source_fasta: tuple[Path, float], strategy: str, tmp_path: Path
) -> None:
    path, entropy = source_fasta
    cfg = merge_config(
        RunConfig(reader=ReaderConfig(fasta=(str(path),))),
        {
            "encoder": {"strategy": strategy, "ratio": 4},
            "window": {"context": 128},
            "split": {"block_tokens": 16384},
            "train": {"tokens_budget": BUDGET, "device": "cpu", "markov_max_k": 6},
        },
    )
    metrics = train(cfg, tmp_path / strategy)
    bits = metrics["test"]["bits_per_base"]
    assert bits <= entropy * 1.03, f"{strategy}: {bits:.4f} bits/base vs entropy {entropy:.4f}"
    assert bits >= entropy * 0.97  # no leak: nothing beats the source's entropy rate
    assert metrics["reference"]["markov_order"] == 3
    assert not metrics["learned_nothing"]
