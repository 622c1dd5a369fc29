"""The study presets: every grid is exactly the seed-paper study it reproduces."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from genoenc.cli import cli
from genoenc.errors import ConfigError
from genoenc.studies import STUDIES, Budget, SourceSpec, get_study, study_grid_data
from genoenc.studies.presets import GENOME_SAMPLE
from genoenc.train.sweep import load_grid, plan_sweep
from tests.helpers import sample_path

ARMS = {"full", "learned", "autoencoder"}


def _grid(name: str, *, quick: bool = False, seeds: int | None = None) -> dict:
    spec = get_study(name)
    datasets = {s.name: {"tokens": f"/stores/{s.name}"} for s in spec.sources}
    return study_grid_data(spec, datasets, quick=quick, seeds=seeds)


def _vocabs(name: str) -> list[int | None]:
    return [s.vocab_size for s in get_study(name).sources]


def test_the_five_presets_exist() -> None:
    assert list(STUDIES) == [
        "compression-scaling",
        "vocab-scaling",
        "data-complexity",
        "corrected",
        "genome",
    ]
    for spec in STUDIES.values():
        assert spec.strategies[0] == "full"
        assert set(spec.strategies) >= ARMS
        assert spec.full.seeds == 10
        assert spec.quick.seeds < spec.full.seeds
        assert spec.quick.tokens_budget < spec.full.tokens_budget


def test_compression_scaling_grid() -> None:
    grid = _grid("compression-scaling")
    assert _vocabs("compression-scaling") == [20]
    assert grid["base"]["encoder"]["d_orig"] == 32
    assert grid["ratios"] == [2, 4, 8, 16, 32]
    assert grid["seeds"] == 10


def test_vocab_scaling_grid() -> None:
    grid = _grid("vocab-scaling")
    assert _vocabs("vocab-scaling") == [50, 100, 200, 500, 1000]
    assert grid["base"]["encoder"]["d_orig"] == 32
    assert grid["ratios"] == [8]  # 32 -> 4
    assert {s.kind for s in get_study("vocab-scaling").sources} == {"zipf"}


def test_data_complexity_grid() -> None:
    spec = get_study("data-complexity")
    grid = _grid("data-complexity")
    assert _vocabs("data-complexity") == [20, 20, 20, 20]
    assert [s.name for s in spec.sources] == ["simple", "semi-random", "structured", "realistic"]
    assert [s.kind for s in spec.sources] == ["markov", "markov", "hmm", "zipf"]
    simple, semi = (s.build() for s in spec.sources[:2])
    assert simple.entropy_rate() < 0.25 * semi.entropy_rate()  # near-deterministic vs noisy
    assert (grid["base"]["encoder"]["d_orig"], grid["ratios"]) == (32, [8])


def test_corrected_grid() -> None:
    grid = _grid("corrected")
    assert _vocabs("corrected") == [50]
    assert get_study("corrected").sources[0].kind == "zipf"
    assert grid["base"]["encoder"]["d_orig"] == 128
    assert grid["ratios"] == [2, 4, 8, 16]
    assert get_study("corrected").accuracy


def test_genome_grid() -> None:
    spec = get_study("genome")
    grid = _grid("genome")
    assert [s.kind for s in spec.sources] == ["fasta"]
    assert spec.sources[0].params["path"] == GENOME_SAMPLE
    assert Path(GENOME_SAMPLE).name == sample_path(Path(GENOME_SAMPLE).name).name
    assert grid["tokenizers"] == [{"k": 1}, {"k": 6, "stride": 6}]
    assert grid["ratios"] == [8]


def test_genome_study_trains_with_the_train_defaults(tmp_path: Path) -> None:
    """The genome study's runs are default `genoenc train` runs (budget, window, batch,
    learning rate, split blocks; chain head and 64-token windows for 6-mers), unlike the
    synthetic studies' short fixed loop."""
    from genoenc.train.config import (
        KMER_CONTEXT,
        KMER_HEAD,
        ModelConfig,
        RunConfig,
        TrainConfig,
        merge_config,
    )

    grid = _grid("genome")
    assert grid["base"]["train"] == {
        "tokens_budget": TrainConfig.tokens_budget,
        "eval_tokens": TrainConfig.eval_tokens,
    }
    assert "window" not in grid["base"]
    assert "split" not in grid["base"]
    configs = {
        cell.overrides["tokenizer"]["k"]: merge_config(RunConfig(), cell.overrides)
        for cell in plan_sweep(load_grid(grid), tmp_path)
        if cell.strategy == "full" and cell.seed == 0
    }
    train = configs[1].train
    assert (train.lr, train.batch_size, train.markov_max_k) == (
        TrainConfig.lr,
        TrainConfig.batch_size,
        TrainConfig.markov_max_k,
    )
    assert configs[1].split == RunConfig().split
    assert (configs[1].window.context, configs[1].model.head) == (256, ModelConfig.head)
    assert (configs[6].window.context, configs[6].model.head) == (KMER_CONTEXT, KMER_HEAD)
    assert _grid("corrected")["base"]["train"]["lr"] == 3e-3  # the synthetic studies keep theirs


@pytest.mark.parametrize("name", list(STUDIES))
def test_planned_cells_match_the_preset(name: str, tmp_path: Path) -> None:
    spec = get_study(name)
    grid = load_grid(_grid(name, seeds=3))
    cells = plan_sweep(grid, tmp_path)
    assert len(cells) == 3 * spec.runs_per_seed
    assert {c.seed for c in cells} == {0, 1, 2}
    assert {c.dataset for c in cells} == {s.name for s in spec.sources}
    compressed = {(c.strategy, c.ratio) for c in cells if c.strategy != "full"}
    assert compressed == {(s, r) for s in spec.strategies[1:] for r in spec.ratios}
    d_orig = {c.overrides["encoder"].get("d_orig") for c in cells}
    assert d_orig == {spec.d_orig}


def test_quick_budget_and_seed_override() -> None:
    quick = _grid("corrected", quick=True)
    assert quick["seeds"] == get_study("corrected").quick.seeds
    assert quick["base"]["train"]["tokens_budget"] == get_study("corrected").quick.tokens_budget
    assert _grid("corrected", seeds=4)["seeds"] == 4
    with pytest.raises(ConfigError, match=r"study\.seeds"):
        _grid("corrected", seeds=0)


def test_synthetic_blocks_hold_one_record() -> None:
    spec = get_study("compression-scaling")
    grid = _grid("compression-scaling")
    # A record of record_length symbols is framed START ... END: exactly one split block.
    assert grid["base"]["split"]["block_tokens"] == spec.full.record_length + 2


def test_bad_specs_are_refused() -> None:
    with pytest.raises(ConfigError, match="unknown study 'nope'"):
        get_study("nope")
    with pytest.raises(ConfigError, match=r"source\.kind"):
        SourceSpec(name="x", kind="lstm", label="", vocab_size=4)
    with pytest.raises(ConfigError, match=r"source\.vocab_size"):
        SourceSpec(name="x", kind="fasta", label="", vocab_size=4)
    with pytest.raises(ConfigError, match=r"budget\.tokens_budget"):
        Budget(tokens_budget=0, data_tokens=10)


def test_cli_lists_the_presets() -> None:
    result = CliRunner().invoke(cli, ["study", "--list"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert [line.split()[0] for line in lines] == list(STUDIES)
    assert "16 runs/seed" in lines[0]


def test_cli_refuses_unknown_or_missing_names(tmp_path: Path) -> None:
    runner = CliRunner()
    unknown = runner.invoke(cli, ["study", "nope", "--out", str(tmp_path / "x")])
    assert unknown.exit_code == 2
    assert "unknown study 'nope'" in unknown.output
    missing = runner.invoke(cli, ["study"])
    assert missing.exit_code == 2
    no_out = runner.invoke(cli, ["study", "corrected"])
    assert no_out.exit_code == 2
    assert "--out" in no_out.output
    assert runner.invoke(cli, ["study", "--help"]).exit_code == 0


def test_genome_study_describes_without_a_window_section() -> None:
    """The genome study's base gives no window (the train default applies): describing the
    study must not need one, since only synthetic sources have a context floor."""
    from genoenc.studies.runner import _describe

    described = _describe(get_study("genome"), _grid("genome"), (0, 1, 2), None)
    assert described["sources"] == []
    assert described["seeds"] == [0, 1, 2]
