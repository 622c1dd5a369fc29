"""A study end to end on a tiny budget: data once, the sweep, the report with its floor."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from genoenc.cli import cli
from genoenc.errors import RunDirError
from genoenc.sources import ZipfMarkovSource
from genoenc.store import TokenStore
from genoenc.studies import Budget, get_study, read_study, run_study
from genoenc.studies.presets import StudySpec

# A test-only budget: a few thousand tokens per run, two seeds, short records.
TINY = Budget(tokens_budget=4096, data_tokens=40_000, record_length=1022, eval_tokens=4096, seeds=2)


def _tiny_spec() -> StudySpec:
    return dataclasses.replace(
        get_study("corrected"),
        ratios=(8,),
        strategies=("full", "learned", "autoencoder"),
        overrides={"encoder": {"stage1_steps": 20}},
    )


@pytest.fixture(scope="module")
def tiny_study(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("study") / "corrected"
    # Two workers: each (dataset, tokenizer, seed) chain runs in its own process.
    result = run_study(_tiny_spec(), out, quick=True, budget=TINY, jobs=2)
    assert result.cells == 2 * 3
    assert result.ran == result.cells
    assert result.quick
    return out


def test_data_are_sampled_once_into_a_token_store(tiny_study: Path) -> None:
    store = TokenStore.open(tiny_study / "data" / "zipf-v50-seed0")
    assert store.tokenizer_config.kind == "ids"
    assert store.tokenizer_config.vocab_size == 50
    assert len(store.records) == TINY.n_records
    assert store.n_tokens == TINY.n_records * (TINY.record_length + 2)  # START ... END


def test_study_file_records_mode_and_floor(tiny_study: Path) -> None:
    manifest = read_study(tiny_study)
    assert manifest["study"] == "corrected"
    assert manifest["quick"] is True
    assert manifest["custom_budget"] is True
    assert manifest["seeds"] == [0, 1]
    (source,) = manifest["sources"]
    exact = ZipfMarkovSource(vocab_size=50).entropy_rate()
    assert source["entropy"]["bits"] == pytest.approx(exact)
    assert source["chance_accuracy"] == pytest.approx(1 / 50)
    assert source["ln_vocab"] == pytest.approx(3.912, abs=1e-3)
    assert manifest["sessions"][-1]["cells"] == 6


def test_report_shows_the_floor_and_the_quick_label(tiny_study: Path) -> None:
    markdown = (tiny_study / "report.md").read_text()
    html = (tiny_study / "report.html").read_text()
    floor = f"{ZipfMarkovSource(vocab_size=50).entropy_rate():.4f}"
    for text in (markdown, html):
        assert "QUICK" in text
        assert "Entropy floor" in text
        assert floor in text
        assert "chance acc 1/V" in text
        assert "ln V (nats)" in text
        assert "gap to floor" in text
        assert "Accuracy, paired by seed" in text
    assert markdown.startswith("# QUICK: genoenc study corrected")
    summary = json.loads((tiny_study / "summary.json").read_text())
    assert [row["arm"] for row in summary["arms"]] == ["full", "learned-r8", "autoencoder-r8"]
    for row in summary["arms"]:
        assert row["n"] == 2
        assert row["floor"] == pytest.approx(float(floor), abs=1e-4)
        assert row["gap"] == pytest.approx(row["value_mean"] - row["floor"])
    assert {(r["arm_a"], r["arm_b"]) for r in summary["accuracy"]} == {
        ("learned", "autoencoder"),
        ("learned", "full"),
        ("autoencoder", "full"),
    }


def test_rerun_trains_nothing_and_keeps_results(tiny_study: Path) -> None:
    before = (tiny_study / "summary.json").read_text()
    again = run_study(_tiny_spec(), tiny_study, quick=True, budget=TINY, jobs=1)
    assert again.ran == 0
    assert (tiny_study / "summary.json").read_text() == before
    assert len(read_study(tiny_study)["sessions"]) == 2


def test_a_folder_of_another_mode_or_study_is_refused(tiny_study: Path, tmp_path: Path) -> None:
    with pytest.raises(RunDirError, match="QUICK study 'corrected'"):
        run_study(_tiny_spec(), tiny_study, quick=False, budget=TINY)
    with pytest.raises(RunDirError, match="use another --out"):
        run_study("compression-scaling", tiny_study, quick=True)
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "file.txt").write_text("x")
    with pytest.raises(RunDirError, match="not empty"):
        run_study(_tiny_spec(), tmp_path / "busy", quick=True, budget=TINY)


def test_cli_rewrites_the_report(tiny_study: Path) -> None:
    (tiny_study / "report.md").unlink()
    args = ["study", "corrected", "--out", str(tiny_study), "--report-only"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "Entropy floor" in (tiny_study / "report.md").read_text()
    missing = CliRunner().invoke(
        cli, ["study", "corrected", "--out", str(tiny_study / "nope"), "--report-only"]
    )
    assert missing.exit_code == 1
    assert "not a study folder" in missing.output


def test_parallel_chains_cover_the_sweep_exactly(tmp_path: Path) -> None:
    from genoenc.studies.presets import study_grid_data
    from genoenc.train.sweep import load_grid, plan_sweep, sweep_chains

    spec = get_study("data-complexity")
    grid_data = study_grid_data(
        spec, {s.name: {"tokens": f"/s/{s.name}"} for s in spec.sources}, quick=False, seeds=3
    )
    whole = {c.name: c.overrides for c in plan_sweep(load_grid(grid_data), tmp_path)}
    parts = [plan_sweep(chain, tmp_path) for chain in sweep_chains(load_grid(grid_data))]
    assert len(parts) == len(spec.sources) * 3
    for cells in parts:
        assert cells[0].strategy == "full"  # the autoencoders' source table comes first
        assert len({(c.dataset, c.seed) for c in cells}) == 1
    assert {c.name: c.overrides for cells in parts for c in cells} == whole
