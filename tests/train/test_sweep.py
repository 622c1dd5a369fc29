"""Sweeps: grid planning, full-first order, skipping finished cells, resuming after a kill."""

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
from genoenc.errors import ConfigError
from genoenc.train.sweep import load_grid, plan_sweep, sweep_chains
from tests.helpers import sample_path, tiny_train_args

LAMBDA = str(sample_path("lambda_virus.fa"))
TINY = [*tiny_train_args(2048), "--tokens-budget", "8000"]


def test_plan_orders_full_first_and_links_source(tmp_path: Path) -> None:
    grid = load_grid(
        {"strategies": ["autoencoder", "learned"], "ratios": [2, 4], "seeds": 2},
        {"reader": {"fasta": [LAMBDA]}},
    )
    cells = plan_sweep(grid, tmp_path)
    names = [c.name for c in cells]
    # full is added (autoencoders compress its table) and comes first within each seed
    assert names[0] == "data/k1s1/full/seed0"
    assert names[5] == "data/k1s1/full/seed1"
    assert len(cells) == 2 * (1 + 2 * 2)
    ae = next(c for c in cells if c.strategy == "autoencoder" and c.seed == 1)
    assert ae.overrides["train"]["source_run"] == str(tmp_path / "data/k1s1/full/seed1")
    assert ae.overrides["train"]["seed"] == 1
    assert ae.overrides["encoder"] == {"strategy": "autoencoder", "ratio": 2}


def test_chains_plan_each_cell_once_full_first(tmp_path: Path) -> None:
    grid = load_grid(
        {
            "datasets": {
                "lambda": {"reader": {"fasta": [LAMBDA]}},
                "wiki": {"reader": {"text": ["w.txt"]}, "tokenizers": [{"kind": "char"}]},
            },
            "tokenizers": [{"k": 1}, {"k": 3, "stride": 3}],
            "strategies": ["autoencoder", "learned"],
            "ratios": [2],
            "seeds": 2,
        }
    )
    whole = {c.name: c.overrides for c in plan_sweep(grid, tmp_path)}
    chains = [plan_sweep(chain, tmp_path) for chain in sweep_chains(grid)]
    assert len(chains) == (2 + 1) * 2  # lambda: 2 tokenizers; wiki: its own one; 2 seeds
    for cells in chains:
        assert cells[0].strategy == "full"
    names = [c.name for cells in chains for c in cells]
    assert len(names) == len(set(names))
    assert {c.name: c.overrides for cells in chains for c in cells} == whole


def test_grid_errors_name_the_key() -> None:
    with pytest.raises(ConfigError, match="unknown sweep grid key 'ratio'"):
        load_grid({"ratio": [2]}, {"reader": {"fasta": [LAMBDA]}})
    with pytest.raises(ConfigError, match="no input"):
        load_grid({}, {})


def test_sweep_runs_skips_and_resumes(tmp_path: Path) -> None:
    out = tmp_path / "sweep"
    args = [
        "sweep",
        *TINY,
        "--strategies",
        "full,learned",
        "--ratios",
        "4",
        "--seeds",
        "2",
        "--out",
        str(out),
    ]
    result = CliRunner().invoke(cli, [*args, "--dry-run"])
    assert result.exit_code == 0, result.output
    assert result.output.count("todo") == 4

    # Kill the first invocation once its first cell has finished.
    proc = subprocess.Popen(
        [sys.executable, "-m", "genoenc", *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    first = out / "lambda_virus/k1s1/full/seed0/metrics.json"  # named after the input
    deadline = time.monotonic() + 300
    while not first.exists() and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert first.exists()
    stamp = first.stat().st_mtime_ns

    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert first.stat().st_mtime_ns == stamp  # finished cells are never redone
    assert (out / "sweep.json").exists()
    done = CliRunner().invoke(cli, [*args, "--dry-run"])
    assert done.output.count("done") == 4


@pytest.mark.slow
def test_parallel_sweep_matches_the_serial_one(tmp_path: Path) -> None:
    scores = {}
    for jobs in ("1", "2"):
        out = tmp_path / f"jobs{jobs}"
        args = ["sweep", *TINY, "--strategies", "full,learned", "--ratios", "4", "--seeds", "2"]
        result = CliRunner().invoke(cli, [*args, "--jobs", jobs, "--out", str(out)])
        assert result.exit_code == 0, result.output
        scores[jobs] = {
            str(path.relative_to(out)): json.loads(path.read_text())["test"]["bits_per_base"]
            for path in sorted(out.glob("**/metrics.json"))
        }
    assert len(scores["2"]) == 4
    # Workers run one torch thread each: equal up to the order of float reductions.
    assert scores["2"] == pytest.approx(scores["1"], rel=1e-5)


def test_a_sweep_worker_keeps_its_thread_share_through_its_runs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A `--jobs N` worker sets one torch thread; a run whose config gives no threads must
    keep that share instead of taking every core (N workers x all cores oversubscribed the
    machine: 3-4x slower study runs on 2 cores)."""
    import torch

    from genoenc.train import device, sweep

    monkeypatch.setattr(device, "_pinned_threads", None)
    before = torch.get_num_threads()
    try:
        sweep._set_threads(1)
        assert device.cpu_threads(None) == 1  # what train() applies for train.threads None
        assert device.cpu_threads(3) == 3  # a run's own setting still wins
    finally:
        torch.set_num_threads(before)
