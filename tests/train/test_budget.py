"""Automatic budgets: a run stops once validation has converged, and a sweep's other arms
replay the schedule of their seed's full arm (same tokens, same learning rates)."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

from click.testing import CliRunner

from genoenc.cli import cli
from genoenc.train.schedule import Schedule
from tests.helpers import tiny_train_args


def _cfg(**kw: object) -> SimpleNamespace:
    base = {
        "lr": 1.0,
        "min_lr_frac": 0.0,
        "warmup_frac": 0.1,
        "budget": "auto",
        "patience": 2,
        "min_improvement": 0.01,
        "decay_frac": 0.2,
    }
    return SimpleNamespace(**{**base, **kw})


def test_auto_schedule_decays_after_patience_and_replays_exactly() -> None:
    auto = Schedule(1000, _cfg())
    losses = [3.0, 2.0, 1.5, 1.499, 1.498]
    started = [auto.observe(100 * (i + 1), loss) for i, loss in enumerate(losses)]
    assert started == [False, False, False, False, True]
    assert (auto.decay_start, auto.reason, auto.total_steps) == (500, "converged", 625)
    replay = Schedule(1000, _cfg(budget="fixed"), decay_at=500)
    assert replay.total_steps == auto.total_steps
    assert [replay.lr(s) for s in range(0, 700, 7)] == [auto.lr(s) for s in range(0, 700, 7)]


def test_auto_schedule_without_convergence_ends_at_the_cap() -> None:
    auto = Schedule(1000, _cfg(patience=100))
    for step in range(100, 1001, 100):
        auto.observe(step, 10.0 / step)  # always improving
    assert auto.reason == "budget"
    assert auto.total_steps == 1000
    assert auto.lr(999) < 0.01


def test_fixed_budget_keeps_the_cosine_schedule() -> None:
    fixed = Schedule(100, _cfg(budget="fixed", min_lr_frac=0.1))
    assert fixed.total_steps == 100
    assert fixed.observe(50, 1.0) is False
    assert round(fixed.lr(99), 6) == 0.1


def test_sweep_arms_share_the_full_arms_converged_budget(tmp_path: Path) -> None:
    out = tmp_path / "sweep"
    args = [
        "sweep",
        *tiny_train_args(2048),
        *("--tokens-budget", "200000", "--budget", "auto", "--strategies", "full,learned"),
        *("--ratios", "4", "--seeds", "1", "--out", str(out)),
    ]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    full = json.loads((out / "lambda_virus/k1s1/full/seed0/metrics.json").read_text())
    learned = json.loads((out / "lambda_virus/k1s1/learned-r4/seed0/metrics.json").read_text())
    assert full["stop"]["budget"] == "auto"
    assert full["stop"]["decay_at"] is not None
    assert learned["stop"]["decay_at"] == full["stop"]["decay_at"]
    assert learned["tokens_seen"] == full["tokens_seen"]
