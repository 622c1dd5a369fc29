"""The grid files in examples/ plan and resolve as the README says, at the train defaults."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from genoenc.tokenize.config import TokenizerConfig
from genoenc.train import RunConfig, merge_config
from genoenc.train.config import KMER_CONTEXT, KMER_HEAD, TEXT_DROPOUT
from genoenc.train.sweep import load_grid, plan_sweep

ROOT = Path(__file__).resolve().parents[2]
GRIDS = sorted((ROOT / "examples").glob("*.yaml"))


@pytest.mark.parametrize("path", GRIDS, ids=[path.stem for path in GRIDS])
def test_every_example_grid_resolves_with_bundled_inputs(path: Path, tmp_path: Path) -> None:
    grid = load_grid(yaml.safe_load(path.read_text()))
    cells = plan_sweep(grid, tmp_path)
    assert cells
    for cell in cells:
        cfg = merge_config(RunConfig(), cell.overrides)  # raises on a bad cell
        for name in cfg.reader.fasta + cfg.reader.text:
            assert (ROOT / name).is_file(), f"{path.name}: {name} is not bundled"


def test_cross_domain_grid_trains_each_domain_at_its_defaults(tmp_path: Path) -> None:
    grid = load_grid(yaml.safe_load((ROOT / "examples" / "cross-domain.yaml").read_text()))
    cells = plan_sweep(grid, tmp_path)
    default = RunConfig()
    by_kind = {}
    for cell in cells:
        cfg = merge_config(default, cell.overrides)
        assert cfg.train.tokens_budget == default.train.tokens_budget
        by_kind[TokenizerConfig(**cell.overrides["tokenizer"]).kind] = cfg
    dna, words = by_kind["dna"], by_kind["word"]
    assert (dna.model.head, dna.window.context) == (KMER_HEAD, KMER_CONTEXT)
    assert words.model.dropout == TEXT_DROPOUT
    # The two vocabularies have the same number of ids: 4**6 + 4 = 4,096 words + 4.
    assert words.tokenizer.vocab_size == 4**6 == 4096
