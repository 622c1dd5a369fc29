"""A study end to end on a tiny budget: data once, the sweep, the report with its floor."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from genoenc.cli import cli
from genoenc.errors import RunDirError
from genoenc.studies import Budget, TokenStoreLike, get_study, read_study, run_study

# A test-only budget: a few thousand tokens per run, two seeds, short records.
TINY = Budget(tokens_budget=8192, data_tokens=40_000, record_length=1022, eval_tokens=4096, seeds=2)


@pytest.fixture(scope="module")
def tiny_study(tmp_path_factory: pytest.TempPathFactory) -> Path:
    spec = dataclasses.replace(
        get_study("corrected"),
        ratios=(8,),
        strategies=("full", "learned", "autoencoder"),
        overrides={"encoder": {"stage1_steps": 50}},
    )
    out = tmp_path_factory.mktemp("study") / "corrected"
    result = run_study(spec, out, quick=True, budget=TINY)
    assert result.cells == 2 * 3
    assert result.ran == result.cells
    return out
