"""The run directory is claimed (lock: pid, host) before anything is written, and a run
that fails before its first step leaves nothing behind (issue 13)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from genoenc.cli import cli
from genoenc.errors import RunDirError
from genoenc.rundir import LOCK_FILE, claim_run_dir
from tests.helpers import tiny_train_args


def _train(out: Path, *extra: str) -> Result:
    args = ["train", *tiny_train_args(), "--tokens-budget", "2048", "--out", str(out), *extra]
    return CliRunner().invoke(cli, args)


def test_claim_refuses_a_second_writer_naming_pid_and_host(tmp_path: Path) -> None:
    out = tmp_path / "run"
    with claim_run_dir(out):
        with pytest.raises(RunDirError) as info:
            with claim_run_dir(out):
                pass
    message = str(info.value)
    assert f"pid {os.getpid()} on {socket.gethostname()}" in message
    assert not (out / LOCK_FILE).exists()  # released on exit


def test_claim_removes_what_a_failed_run_created(tmp_path: Path) -> None:
    out = tmp_path / "a" / "b" / "run"

    def run() -> None:
        with claim_run_dir(out):
            (out / "config.json").write_text("{}")
            raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        run()
    assert not (tmp_path / "a").exists()


def test_claim_keeps_a_started_run_and_an_existing_folder(tmp_path: Path) -> None:
    out = tmp_path / "run"

    def run(name: str, started: bool) -> None:
        with claim_run_dir(out) as claim:
            (out / name).write_text("{}")
            if started:
                claim.mark_started()
            raise ValueError("crash")

    with pytest.raises(ValueError, match="crash"):
        run("config.json", started=True)
    assert (out / "config.json").exists()
    (out / "mine.txt").write_text("kept")
    with pytest.raises(ValueError, match="crash"):
        run("new.txt", started=False)
    assert sorted(p.name for p in out.iterdir()) == ["config.json", "mine.txt"]


def test_stale_lock_of_a_dead_process_is_recovered(tmp_path: Path) -> None:
    out = tmp_path / "run"
    out.mkdir()
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    info = {"pid": int(dead.stdout), "host": socket.gethostname(), "since": "earlier"}
    (out / LOCK_FILE).write_text(json.dumps(info))  # left by a kill -9: nobody holds it
    result = _train(out)
    assert result.exit_code == 0, result.output
    assert (out / "metrics.json").exists()
    assert not (out / LOCK_FILE).exists()


def test_second_train_on_the_same_out_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "run"
    out.mkdir()
    # Another process holds the directory, as a running `genoenc train` would.
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(f"""
            import fcntl, json, os, socket, sys, time
            fd = os.open({str(out / LOCK_FILE)!r}, os.O_RDWR | os.O_CREAT)
            fcntl.flock(fd, fcntl.LOCK_EX)
            os.write(fd, json.dumps({{"pid": os.getpid(), "host": socket.gethostname()}}).encode())
            print("held", flush=True)
            time.sleep(60)
        """),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "held"
        result = _train(out)
        assert result.exit_code == 1
        assert f"in use by pid {holder.pid} on {socket.gethostname()}" in result.output
        assert "Traceback" not in result.output
        assert sorted(p.name for p in out.iterdir()) == [LOCK_FILE]  # nothing written
    finally:
        holder.kill()
        holder.wait()
        if holder.stdout is not None:
            holder.stdout.close()


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (("--seed", "-1"), "--seed (train.seed) must be 0 or more (got -1)"),
        (("--context", "4"), "--context (window.context) must be at least 8 tokens (got 4)"),
    ],
)
def test_bad_option_is_one_line_and_leaves_nothing(
    tmp_path: Path, option: tuple[str, str], message: str
) -> None:
    out = tmp_path / "run"
    result = _train(out, *option)
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [f"Error: {message}"]
    assert not out.exists()


def test_device_without_cuda_is_refused_early(tmp_path: Path) -> None:
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    out = tmp_path / "run"
    args = ["train", *tiny_train_args(), "--tokens-budget", "2048", "--out", str(out)]
    args[args.index("--device") + 1] = "cuda"
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2
    assert "CUDA is not available" in result.output
    assert "Traceback" not in result.output
    assert not out.exists()
    # After the cause is fixed, the same command (and --out) works.
    args[args.index("--device") + 1] = "cpu"
    assert CliRunner().invoke(cli, args).exit_code == 0


def test_run_failing_before_its_first_step_leaves_no_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A crash after config.json was written but before the first step (the old
    'exists'/'another config' trap) leaves nothing, so the same command works next time."""
    import genoenc.train.loop as loop

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("model could not be built")

    monkeypatch.setattr(loop, "run_model", broken)
    out = tmp_path / "run"
    result = _train(out)
    assert isinstance(result.exception, RuntimeError)
    assert not out.exists()
    monkeypatch.undo()
    result = _train(out)
    assert result.exit_code == 0, result.output


def test_run_killed_before_its_first_checkpoint_starts_afresh(tmp_path: Path) -> None:
    """kill -9 before the first checkpoint leaves config.json alone: the same command,
    even with a corrected option, starts afresh instead of 'exists' / 'another config'."""
    out = tmp_path / "run"
    out.mkdir()
    stale = {"schema_version": 1, "config_hash": "0" * 16, "config": {"train": {"lr": 0.1}}}
    (out / "config.json").write_text(json.dumps(stale))
    (out / "log.jsonl").write_text('{"step": 1}\n')
    result = _train(out)
    assert result.exit_code == 0, result.output
    assert json.loads((out / "config.json").read_text())["config_hash"] != "0" * 16


def test_resume_with_another_config_names_the_differences(tmp_path: Path) -> None:
    out = tmp_path / "run"
    assert _train(out).exit_code == 0
    result = _train(out, "--resume", "--lr", "0.001")
    assert result.exit_code == 1
    assert "was started with another config (--lr (train.lr) 0.01 -> 0.001)" in result.output


def test_start_killed_before_config_json_is_cleared(tmp_path: Path) -> None:
    """SIGKILL between the claim and config.json leaves a lock and perhaps a vocabulary: the
    next claim clears them instead of calling the folder foreign (a sweep resumes)."""
    out = tmp_path / "run"
    out.mkdir()
    (out / LOCK_FILE).write_text('{"pid": 999999999, "host": "gone"}')
    (out / "vocab.json").write_text("{}")
    (out / ".config.json.x.tmp").write_text("{")
    result = _train(out)
    assert result.exit_code == 0, result.output
    assert (out / "metrics.json").exists()
    assert not (out / ".config.json.x.tmp").exists()
