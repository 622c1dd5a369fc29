"""Character and byte runs default to d_model 128 and 16 M tokens (measured in
docs/defaults.md, section 4: DNA's d_model 64 and 8 M tokens stay above the count table on
tinyshakespeare); DNA, word and BPE runs, and any config that gives its own width or budget,
keep theirs."""

from __future__ import annotations

from typing import Any

import pytest

from genoenc.train import RunConfig, merge_config
from genoenc.train.config import TEXT_D_MODEL, TEXT_TOKENS_BUDGET, config_to_dict


def merged(*overrides: dict[str, Any]) -> RunConfig:
    cfg = RunConfig()
    for override in overrides:
        cfg = merge_config(cfg, override)
    return cfg


@pytest.mark.parametrize("kind", ["char", "byte"])
def test_characters_and_bytes_get_the_text_width_and_budget(kind: str) -> None:
    cfg = merged({"tokenizer": {"kind": kind}})
    assert (cfg.model.d_model, cfg.train.tokens_budget) == (TEXT_D_MODEL, TEXT_TOKENS_BUDGET)
    assert (TEXT_D_MODEL, TEXT_TOKENS_BUDGET) == (128, 16_000_000)
    assert (cfg.window.context, cfg.model.head) == (256, "softmax")  # the k-mer rule is DNA's


@pytest.mark.parametrize(
    "tokenizer",
    [
        {"kind": "dna"},
        {"k": 6},
        {"kind": "ids", "vocab_size": 20},
        {"kind": "word"},
        {"kind": "bpe"},
    ],
)
def test_dna_ids_words_and_bpe_keep_the_package_width_and_budget(tokenizer: dict[str, Any]) -> None:
    cfg = merged({"tokenizer": tokenizer})
    defaults = RunConfig()
    assert (cfg.model.d_model, cfg.train.tokens_budget) == (
        defaults.model.d_model,
        defaults.train.tokens_budget,
    )


def test_a_width_or_budget_given_with_the_tokenizer_stands() -> None:
    cfg = merged(
        {"tokenizer": {"kind": "char"}, "model": {"d_model": 64}, "train": {"tokens_budget": 1000}}
    )
    assert (cfg.model.d_model, cfg.train.tokens_budget) == (64, 1000)


def test_a_budget_set_before_the_tokenizer_stands() -> None:
    # A sweep's base sets the budget; the grid's tokenizer entry comes later.
    cfg = merged({"train": {"tokens_budget": 200_000}}, {"tokenizer": {"kind": "byte"}})
    assert (cfg.model.d_model, cfg.train.tokens_budget) == (TEXT_D_MODEL, 200_000)


def test_a_saved_text_config_reloads_unchanged() -> None:
    # config.json of a run written before this default (d_model 64) keeps its width.
    old = config_to_dict(merged({"tokenizer": {"kind": "char"}, "model": {"d_model": 64}}))
    assert merge_config(RunConfig(), old).model.d_model == 64
    new = config_to_dict(merged({"tokenizer": {"kind": "char"}}))
    assert merge_config(RunConfig(), new) == merged({"tokenizer": {"kind": "char"}})
