"""DDP under torchrun: environment, batch split, epoch ends, and real 2-process CPU runs.

The torchrun tests (marked ``workflows``, run by ``make test-workflows``) train the same
small config on lambda phage once in one process and once as ``torchrun --nproc_per_node 2``
(gloo). The global batch, the windows of every step and the loss normalisation are the
same, so the two runs differ only by the order of floating-point sums (two half-batch sums
all-reduced instead of one sum; one thread per rank instead of two). Measured on this
config: 1e-9 bits/base. The tolerance, 1e-5 bits/base, is four orders of magnitude above
that and below what real mistakes cost here: ranks training without the gradient
all-reduce moved the result by 1e-3, each rank normalising its loss by its own scored
count (the mean of per-rank means) by 1.8e-4.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

import numpy as np
import pytest

from genoenc.data import WindowStream
from genoenc.errors import ConfigError
from genoenc.tokenize import TokenizerConfig, build_tokenizer
from genoenc.train.batches import TrainBatches, next_batch
from genoenc.train.distributed import (
    DistEnv,
    Distributed,
    detect_env,
    per_rank_batch,
    setup_distributed,
)
from tests.helpers import sample_path

TOLERANCE_BITS = 1e-5

# Context 68 makes the train split 641 windows: 40 full batches of 16 and a last batch of
# one window, so at every epoch end rank 1's share is empty (it steps on a masked PAD
# window). 150 steps cross three epoch ends.
ARGS = [
    "--fasta",
    str(sample_path("lambda_virus.fa")),
    "--block-tokens",
    "2048",
    "--context",
    "68",
    "--d-model",
    "32",
    "--batch-size",
    "16",
    "--eval-tokens",
    "4096",
    "--device",
    "cpu",
    "--tokens-budget",
    str(150 * 16 * 68),
    "--seed",
    "0",
]
TIMES = (
    "wall_seconds",
    "train_seconds",
    "tokens_per_second",
    "wall_tokens_per_second",
    "timing",
)


# ---------------------------------------------------------------- environment and batch split


def test_detect_env_errors_name_the_variable() -> None:
    with pytest.raises(ConfigError, match="RANK must be an integer"):
        detect_env({"RANK": "zero", "WORLD_SIZE": "2"})
    with pytest.raises(ConfigError, match=r"RANK must be in 0\.\.1"):
        detect_env({"RANK": "2", "WORLD_SIZE": "2"})
    with pytest.raises(ConfigError, match="WORLD_SIZE must be at least 1"):
        detect_env({"WORLD_SIZE": "0"})


def test_per_rank_batch() -> None:
    assert per_rank_batch(16, 1) == 16
    assert per_rank_batch(16, 8) == 2
    with pytest.raises(ConfigError, match=r"train\.batch_size \(10\).*4 processes"):
        per_rank_batch(10, 4)


def test_single_process_needs_no_group() -> None:
    dist = setup_distributed("cpu", environ={})
    assert (dist.rank, dist.world_size, dist.enabled, dist.is_main) == (0, 1, False, True)
    assert dist.device.type == "cpu"
    assert dist.backend is None
    assert dist.broadcast({"a": 1}) == {"a": 1}
    dist.barrier()
    dist.close()


def test_bad_devices_under_torchrun_fail_before_joining() -> None:
    env = {"RANK": "0", "WORLD_SIZE": "2", "LOCAL_RANK": "0"}
    with pytest.raises(ConfigError, match="mps cannot be used under torchrun"):
        setup_distributed("mps", environ=env)
    if not _cuda():
        with pytest.raises(ConfigError, match="no CUDA device"):
            setup_distributed("cuda", environ=env)


def _cuda() -> bool:
    import torch

    return torch.cuda.is_available()


class _OtherRanks(Distributed):
    """Rank 1 of 2 in one process: ``sum`` adds scripted contributions of rank 0."""

    def __init__(self, others: list[list[float]]) -> None:
        super().__init__(DistEnv(rank=1, world_size=2), _cpu_device())
        self.others = others
        self.calls: list[list[float]] = []

    def sum(self, values: Any) -> list[float]:
        self.calls.append([float(v) for v in values])
        other = self.others.pop(0)
        return [float(v) + o for v, o in zip(values, other, strict=True)]


def _cpu_device() -> Any:
    import torch

    return torch.device("cpu")


def test_empty_share_steps_on_a_masked_pad_window() -> None:
    tokenizer = build_tokenizer(TokenizerConfig())
    length = 9
    rng = np.random.default_rng(0)

    def window() -> np.ndarray:
        return rng.integers(0, 4, length).astype(tokenizer.store_dtype)

    # Epoch 0 holds 5 windows: rank 0 gets 3 (indices 0, 2, 4), this rank 2 (1, 3).
    epochs = {0: [window(), window()], 1: [window(), window()]}
    starts: list[tuple[int, int]] = []

    def make_stream(epoch: int, start: int) -> Any:
        starts.append((epoch, start))
        return iter(epochs[epoch])

    data = TrainBatches(make_stream, 2, epoch=0, start=0)
    dist = _OtherRanks(others=[[2, 16], [1, 8], [0, 0], [2, 16]])

    inputs, _, scored, n = next_batch(data, dist, tokenizer, length)
    assert inputs.shape == (2, length - 1)
    assert scored.sum() == 16  # 8 targets per window, all ACGT
    assert n == 32
    assert data.position == 4

    # the epoch's last batch holds one window, rank 0's: this rank steps on PAD, unscored
    inputs, targets, scored, n = next_batch(data, dist, tokenizer, length)
    assert dist.calls[-1] == [0.0, 0.0]
    assert inputs.shape == (1, length - 1)
    assert not scored.any()
    assert (targets == tokenizer.pad_id).all()
    assert n == 8
    assert (data.epoch, data.position) == (0, 5)

    # every share is used up: all ranks start epoch 1 together, in the same call
    inputs, _, scored, n = next_batch(data, dist, tokenizer, length)
    assert (data.epoch, data.position) == (1, 4)
    assert starts == [(0, 0), (1, 0)]
    assert inputs.shape == (2, length - 1)
    assert n == 32
    assert not dist.others


def test_single_process_batches_are_the_stream() -> None:
    tokenizer = build_tokenizer(TokenizerConfig())
    windows = [np.full(5, base, dtype=tokenizer.store_dtype) for base in range(4)] * 2
    # TrainBatches only iterates what make_stream returns: a list's iterator serves as the stream.
    make_stream = cast(
        Callable[[int, int], WindowStream], lambda epoch, start: iter(windows[start:])
    )
    data = TrainBatches(make_stream, 3, epoch=0, start=0)
    dist = Distributed(DistEnv(), _cpu_device())
    sizes = []
    for _ in range(4):
        inputs, _, scored, n = next_batch(data, dist, tokenizer, 5)
        assert n == scored.sum()
        sizes.append(len(inputs))
    assert sizes == [3, 3, 2, 3]  # the epoch's last batch is partial, then epoch 1
    assert (data.epoch, data.position) == (1, 3)


# ---------------------------------------------------------------- torchrun, 2 processes on CPU


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["OMP_NUM_THREADS"] = "1"  # one thread per rank on 2 cores (torchrun's own default)
    return env


def _torchrun(out: Path, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--standalone",
        "--nproc_per_node",
        "2",
        "-m",
        "genoenc",
        "train",
        *ARGS,
        "--out",
        str(out),
        *extra,
    ]


def _metrics(run: Path) -> dict[str, Any]:
    metrics: dict[str, Any] = json.loads((run / "metrics.json").read_text())
    return metrics


def _log(run: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (run / "log.jsonl").read_text().splitlines()]


def _kill_tree(pid: int) -> None:
    """SIGKILL ``pid`` and its descendants (torchrun starts each rank in a session of its own).

    A hard crash: nothing gets to clean up. Returns once the processes are gone.
    """
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(parent, []).append(int(stat.parent.name))
    tree, todo = [], [pid]
    while todo:
        current = todo.pop()
        tree.append(current)
        todo.extend(children.get(current, []))
    for member in reversed(tree):  # the ranks first, then torchrun
        try:
            os.kill(member, signal.SIGKILL)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + 10
    for member in tree[1:]:
        while Path(f"/proc/{member}").exists() and time.monotonic() < deadline:
            status = Path(f"/proc/{member}/status")
            try:
                if "zombie" in status.read_text():
                    break
            except OSError:
                break
            time.sleep(0.01)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    base = tmp_path_factory.mktemp("ddp")
    single = base / "single" / "run"
    done = subprocess.run(
        [sys.executable, "-m", "genoenc", "train", *ARGS, "--out", str(single)],
        capture_output=True,
        text=True,
        env=_env(),
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    ddp = base / "ddp" / "run"
    launched = subprocess.run(
        _torchrun(ddp), capture_output=True, text=True, env=_env(), timeout=300
    )
    return {"single": single, "ddp": ddp, "torchrun": launched}


@pytest.mark.workflows
def test_torchrun_matches_single_process(runs: dict[str, Any]) -> None:
    launched = runs["torchrun"]
    assert launched.returncode == 0, launched.stdout + launched.stderr
    assert "rank 0 of 2 on cpu (gloo)" in launched.stdout
    assert "rank 1 of 2 on cpu (gloo)" in launched.stdout
    ddp, single = runs["ddp"], runs["single"]
    # exactly one run directory, written once (by rank 0), with nothing left half-written
    assert [p.name for p in ddp.parent.iterdir()] == ["run"]
    assert sorted(p.name for p in ddp.iterdir()) == [
        "checkpoint.pt",
        "config.json",
        "log.jsonl",
        "metrics.json",
    ]
    config = json.loads((ddp / "config.json").read_text())
    assert config["world_size"] == 2
    a, b = _metrics(single), _metrics(ddp)
    assert (a["world_size"], b["world_size"]) == (1, 2)
    assert b["steps"] == a["steps"] == 150
    assert b["tokens_seen"] == a["tokens_seen"]
    assert b["config_hash"] == a["config_hash"]  # the same run, on another number of processes
    assert abs(b["test"]["bits_per_base"] - a["test"]["bits_per_base"]) < TOLERANCE_BITS
    assert b["test"]["targets"] == a["test"]["targets"]
    assert not b["learned_nothing"]  # it did learn: the comparison is not between two no-ops
    log_a, log_b = _log(single), _log(ddp)
    assert [r["step"] for r in log_b] == [r["step"] for r in log_a]
    for ra, rb in zip(log_a, log_b, strict=True):
        assert abs(ra["train_loss_nats"] - rb["train_loss_nats"]) < TOLERANCE_BITS
        assert abs(ra["val_bits_per_base"] - rb["val_bits_per_base"]) < TOLERANCE_BITS


@pytest.mark.workflows
def test_torchrun_resume_after_sigkill(runs: dict[str, Any], tmp_path: Path) -> None:
    assert runs["torchrun"].returncode == 0
    run = tmp_path / "run"
    proc = subprocess.Popen(
        _torchrun(run),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=_env(),
    )
    deadline = time.monotonic() + 120
    while not (run / "checkpoint.pt").exists() and time.monotonic() < deadline:
        if proc.poll() is not None:
            break
        time.sleep(0.01)
    _kill_tree(proc.pid)
    proc.wait()
    assert (run / "checkpoint.pt").exists()
    assert not (run / "metrics.json").exists(), "the run finished before it could be killed"
    alone = tmp_path / "alone"
    shutil.copytree(run, alone)

    resumed = subprocess.run(
        _torchrun(run, "--resume"), capture_output=True, text=True, env=_env(), timeout=300
    )
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert "resuming at step" in resumed.stdout, resumed.stdout
    whole, again = _metrics(runs["ddp"]), _metrics(run)
    strip = {k: v for k, v in whole.items() if k not in TIMES}
    assert {k: v for k, v in again.items() if k not in TIMES} == strip
    assert (run / "log.jsonl").read_text() == (runs["ddp"] / "log.jsonl").read_text()

    # The same checkpoint resumed by one process: the position counts all ranks' windows,
    # so it continues the same run (within the tolerance of the single-process comparison).
    one = subprocess.run(
        [sys.executable, "-m", "genoenc", "train", *ARGS, "--out", str(alone), "--resume"],
        capture_output=True,
        text=True,
        env=_env(),
        timeout=300,
    )
    assert one.returncode == 0, one.stderr
    single, switched = _metrics(runs["single"]), _metrics(alone)
    assert switched["world_size"] == 1
    assert abs(switched["test"]["bits_per_base"] - single["test"]["bits_per_base"]) < TOLERANCE_BITS
