"""``genoenc compare`` through click's CliRunner: table, notes, --json, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from genoenc.cli import cli
from tests.compare.fakes import write_run, write_sweep


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["compare", *args])
    return result.exit_code, result.stdout, result.stderr


def test_table_notes_and_json(tmp_path: Path) -> None:
    write_sweep(
        tmp_path / "sweep",
        {
            ("full", 1): [1.80, 1.81, 1.79],
            ("learned", 4): [1.85, 1.86, 1.84],
            ("autoencoder", 4): [1.95, 1.97, 1.96],
        },
    )
    partial = write_run(
        tmp_path / "sweep", strategy="learned", ratio=4, seed=9, value=1.9, finished=False
    )
    out_json = tmp_path / "rows.json"
    code, stdout, _ = invoke(str(tmp_path / "sweep"), "--json", str(out_json), "--margin", "0.02")
    assert code == 0, stdout
    lines = stdout.splitlines()
    assert lines[0].startswith("condition")
    assert "a bits/base" in lines[0]
    assert any("learned" in line and "autoencoder" in line and "better" in line for line in lines)
    assert lines[-1] == f"note: {partial}: unfinished (no metrics.json yet)"
    rows = json.loads(out_json.read_text())
    assert len(rows) == 3
    assert {row["margin"] for row in rows} == {0.02}
    assert rows[0]["arm_a"] == "learned"
    assert rows[0]["arm_b"] == "autoencoder"


def test_nothing_finished_exits_1_with_one_line(tmp_path: Path) -> None:
    write_run(tmp_path, strategy="learned", ratio=4, seed=0, value=1.8, finished=False)
    code, stdout, stderr = invoke(str(tmp_path))
    assert code == 1
    assert stdout == ""
    assert stderr.strip().splitlines() == [f"Error: {tmp_path}: no finished run (1 unfinished)"]


def test_bad_options_exit_2(tmp_path: Path) -> None:
    code, _, stderr = invoke(str(tmp_path / "missing"))
    assert code == 2
    assert "does not exist" in stderr
    code, _, stderr = invoke(str(tmp_path), "--margin", "0")
    assert code == 2
    assert "--margin" in stderr
    code, _, _ = invoke()
    assert code == 2


def test_help() -> None:
    code, stdout, _ = invoke("--help")
    assert code == 0
    assert "--margin" in stdout
    assert "--json" in stdout
