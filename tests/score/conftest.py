"""Fixtures of the score tests: tiny finished runs (see tests/trained_runs.py)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.trained_runs import tiny_run


@pytest.fixture(scope="session")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Path]:
    """``trained(name)``: the finished tiny run ``name`` (trained once per session)."""
    base = tmp_path_factory.getbasetemp()
    return lambda name: tiny_run(name, base)
