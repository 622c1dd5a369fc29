"""End-to-end training: metrics, determinism, resume after SIGKILL, user errors."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from genoenc.cli import cli
from tests.helpers import tiny_train_args

# A tiny, fast configuration: lambda phage (48.5 kb) in 2,048-token blocks.
SMALL = [*tiny_train_args(4096)]


def run_cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


def strip_times(metrics: dict) -> dict:
    return {
        k: v
        for k, v in metrics.items()
        if k
        not in (
            "wall_seconds",
            "train_seconds",
            "tokens_per_second",
            "wall_tokens_per_second",
            "timing",
        )
    }


def test_train_writes_schema(tmp_path: Path) -> None:
    code, out = run_cli("train", *SMALL, "--tokens-budget", "40000", "--out", str(tmp_path / "r"))
    assert code == 0, out
    metrics = json.loads((tmp_path / "r" / "metrics.json").read_text())
    for key in (
        "schema_version",
        "domain",
        "sources",
        "tokenizer",
        "vocab_size",
        "strategy",
        "ratio",
        "d_orig",
        "d_c",
        "d_model",
        "seed",
        "tokens_seen",
        "wall_seconds",
        "tokens_per_second",
        "test",
        "reference",
        "params",
        "learned_nothing",
        "config_hash",
    ):
        assert key in metrics
    assert metrics["domain"] == "genome"
    assert set(metrics["test"]) >= {
        "loss_nats",
        "bits_per_token",
        "bits_per_base",
        "perplexity",
        "accuracy",
        "targets",
    }
    assert set(metrics["reference"]) >= {
        "uniform_bits",
        "order0_bits",
        "markov_order",
        "markov_bits",
    }
    assert metrics["params"]["encoding"] == 8 * 16  # learned: V x d_c, V = 8 for k = 1
    assert "bits/base" in out
    assert "Markov" in out


def test_same_seed_same_metrics(tmp_path: Path) -> None:
    for name in ("a", "b"):
        code, out = run_cli(
            "train",
            *SMALL,
            "--tokens-budget",
            "20000",
            "--seed",
            "3",
            "--out",
            str(tmp_path / name),
        )
        assert code == 0, out
    a = json.loads((tmp_path / "a" / "metrics.json").read_text())
    b = json.loads((tmp_path / "b" / "metrics.json").read_text())
    assert strip_times(a) == strip_times(b)
    assert (tmp_path / "a" / "log.jsonl").read_text() == (tmp_path / "b" / "log.jsonl").read_text()


def run_process(*args: str) -> None:
    """Train in a fresh process: every run of the comparison gets the same torch settings
    (thread count and the like), which other tests may change in the pytest process."""
    done = subprocess.run([sys.executable, "-m", "genoenc", *args], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_resume_after_sigkill_matches_uninterrupted(tmp_path: Path) -> None:
    args = [*SMALL, "--tokens-budget", "300000", "--seed", "1"]
    run_process("train", *args, "--out", str(tmp_path / "whole"))
    run = tmp_path / "killed"
    proc = subprocess.Popen(
        [sys.executable, "-m", "genoenc", "train", *args, "--out", str(run)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while not (run / "checkpoint.pt").exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert (run / "checkpoint.pt").exists()
    assert not (run / "metrics.json").exists(), "the run finished before it could be killed"
    run_process("train", *args, "--out", str(run), "--resume")
    whole = json.loads((tmp_path / "whole" / "metrics.json").read_text())
    resumed = json.loads((run / "metrics.json").read_text())
    assert strip_times(whole) == strip_times(resumed)
    assert (tmp_path / "whole" / "log.jsonl").read_text() == (run / "log.jsonl").read_text()


@pytest.mark.parametrize(
    ("extra", "expected_code", "fragment"),
    [
        (["--ratio", "3"], 2, "(encoder.ratio) must divide"),
        (["--k", "13"], 2, "tokenizer.k"),
        (["--context", "4096"], 2, "longer than every window"),
    ],
)
def test_bad_options_one_line(
    tmp_path: Path, extra: list[str], expected_code: int, fragment: str
) -> None:
    code, out = run_cli("train", *SMALL, *extra, "--out", str(tmp_path / "r"))
    assert code == expected_code
    assert fragment in out
    assert "Traceback" not in out
    assert not (tmp_path / "r" / "metrics.json").exists()


def test_other_schema_and_corrupt_checkpoint(tmp_path: Path) -> None:
    run = tmp_path / "r"
    run.mkdir()
    (run / "config.json").write_text(json.dumps({"schema_version": 99, "config": {}}))
    code, out = run_cli("train", *SMALL, "--out", str(run), "--resume")
    assert code == 1
    assert "schema_version 99" in out
    assert "Traceback" not in out

    run2 = tmp_path / "r2"
    code, out = run_cli("train", *SMALL, "--tokens-budget", "20000", "--out", str(run2))
    assert code == 0, out
    (run2 / "metrics.json").unlink()
    (run2 / "checkpoint.pt").write_bytes(b"not a checkpoint at all")
    code, out = run_cli("train", *SMALL, "--tokens-budget", "20000", "--out", str(run2), "--resume")
    assert code == 1
    assert "checkpoint.pt: corrupted" in out
    assert "Traceback" not in out


def test_missing_input_file(tmp_path: Path) -> None:
    code, out = run_cli("train", "--fasta", str(tmp_path / "nope.fa"), "--out", str(tmp_path / "r"))
    assert code == 1
    assert "nope.fa" in out
    assert "Traceback" not in out
    assert not (tmp_path / "r" / "metrics.json").exists()
