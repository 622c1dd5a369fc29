"""Tiny finished runs for the export and score tests, trained once per test session.

Each run trains a few hundred tokens on lambda phage: enough for a real run directory
(config, metrics with references, checkpoint), not for a good model. Runs are cached by
name for the session, under pytest's base temporary folder.
"""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from genoenc.cli import cli
from tests.helpers import sample_path

#: name -> extra ``genoenc train`` options.
RUNS: dict[str, tuple[str, ...]] = {
    "learned": ("--strategy", "learned", "--ratio", "4"),
    "full-lstm-k2s1": ("--strategy", "full", "--arch", "lstm", "--k", "2", "--stride", "1"),
    "ae-k3": ("--strategy", "autoencoder", "--source-table", "random", "--k", "3"),
    "full": ("--strategy", "full"),
    "autoencoder-joint": ("--strategy", "autoencoder-joint", "--source-table", "random"),
    "autoencoder-deep": ("--strategy", "autoencoder-deep", "--source-table", "random"),
    "autoencoder-vae": ("--strategy", "autoencoder-vae", "--source-table", "onehot"),
    "autoencoder-twostage": ("--strategy", "autoencoder-twostage", "--source-table", "random"),
    "learned-k3s1": ("--strategy", "learned", "--k", "3", "--stride", "1"),
    "learned-logs": ("--strategy", "learned", "--log", "csv", "--log", "tensorboard"),
}

_CONFIG = """\
train:
  ref_train_tokens: 20000
  markov_max_k: 4
encoder:
  stage1_steps: 20
"""

_trained: dict[str, Path] = {}


def tiny_run(name: str, base: Path) -> Path:
    """The finished run ``name`` of :data:`RUNS` (trained on first use, under ``base``)."""
    if name in _trained:
        return _trained[name]
    config = base / "tiny_runs.yaml"
    config.write_text(_CONFIG)
    out = base / "runs" / name
    args = [
        "-q",
        "train",
        *("--fasta", str(sample_path("lambda_virus.fa"))),
        *("--config", str(config)),
        *("--block-tokens", "1024", "--context", "32", "--d-model", "16", "--n-layer", "1"),
        *("--batch-size", "4", "--eval-tokens", "512", "--tokens-budget", "512"),
        *("--device", "cpu", "--seed", "1", "--out", str(out)),
        *RUNS[name],
    ]
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    _trained[name] = out
    return out
