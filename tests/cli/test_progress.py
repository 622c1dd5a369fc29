"""Progress shows rate and time left: tokens/s and ETA lines off a terminal, a tqdm bar
with them on one (issue 13)."""

from __future__ import annotations

import io
import logging
from pathlib import Path

import pytest

from genoenc.cli._progress import Progress, format_duration


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_log_lines_carry_rate_and_eta(caplog: pytest.LogCaptureFixture) -> None:
    clock = Clock()
    progress = Progress("train", tokens_per_step=4096, interval=30, terminal=False, clock=clock)
    with caplog.at_level(logging.INFO, logger="genoenc"):
        progress(1, 489, 2.0)
        clock.now += 10  # 40 steps in 10 s: 4 steps/s
        progress(41, 489, 1.9)  # within the interval: no line
        clock.now += 21
        progress(125, 489, 1.8)
    lines = [r.getMessage() for r in caplog.records]
    assert lines[0] == "train: step 1/489 (0%), loss 2.0000, ETA after the next step"
    assert len(lines) == 2
    # 124 steps in 31 s = 4 steps/s = 16,384 tokens/s; 364 steps left = 91 s.
    assert lines[1] == "train: step 125/489 (26%), loss 1.8000, 16,384 tokens/s, ETA 1m31s"


def test_last_step_is_always_logged_and_a_new_run_restarts_the_rate(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = Clock()
    progress = Progress("run", interval=1e9, terminal=False, clock=clock)
    with caplog.at_level(logging.INFO, logger="genoenc"):
        progress(1, 10, 1.0)
        clock.now += 9
        progress(10, 10, 0.5)
        clock.now += 100
        progress(1, 20, 1.0)  # the next sweep cell: its own rate
    lines = [r.getMessage() for r in caplog.records]
    assert lines[1] == "run: step 10/10 (100%), loss 0.5000, 1.00 steps/s, ETA 0s"
    assert lines[2].endswith("ETA after the next step")


def test_terminal_bar_shows_rate_and_eta(monkeypatch: pytest.MonkeyPatch) -> None:
    import tqdm

    stream = io.StringIO()
    original = tqdm.tqdm

    def to_stream(*args: object, **kwargs: object) -> object:
        return original(*args, file=stream, mininterval=0, **kwargs)

    monkeypatch.setattr(tqdm, "tqdm", to_stream)
    clock = Clock()
    progress = Progress("train", tokens_per_step=1000, terminal=True, clock=clock)
    progress(1, 100, 2.0)
    clock.now += 5
    progress(11, 100, 1.5)
    progress.close()
    text = stream.getvalue()
    assert "11/100" in text
    assert "step/s" in text  # tqdm's rate
    assert "<" in text  # elapsed<remaining: the ETA
    assert "tokens/s=2,000" in text


def test_format_duration() -> None:
    assert format_duration(59.4) == "59s"
    assert format_duration(3600) == "1h00m"


def test_train_logs_tokens_per_second_and_eta(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from genoenc.cli import cli
    from tests.helpers import tiny_train_args

    args = ["train", *tiny_train_args(), "--tokens-budget", "2048", "--out", str(tmp_path / "r")]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    last = [line for line in result.stdout.splitlines() if line.startswith("train: step 2/2")]
    assert last, result.stdout
    assert "tokens/s, ETA 0s" in last[0]
