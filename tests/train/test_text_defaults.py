"""Text runs get defaults of their own, measured in docs/defaults.md, section 4: characters
and bytes d_model 128 and 16 M tokens (DNA's d_model 64 and 8 M tokens stay above the count
table on tinyshakespeare), words and BPE tokens dropout 0.2 (without it BPE overfits and ends
above its count table). DNA runs, and any config that gives its own value, keep theirs."""

from __future__ import annotations

from typing import Any

import pytest

from genoenc.train import RunConfig, merge_config
from genoenc.train.config import TEXT_D_MODEL, TEXT_DROPOUT, TEXT_TOKENS_BUDGET, config_to_dict


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
    assert cfg.model.dropout == 0.0


@pytest.mark.parametrize("kind", ["word", "bpe"])
def test_words_and_bpe_get_dropout_and_keep_the_package_width_and_budget(kind: str) -> None:
    cfg = merged({"tokenizer": {"kind": kind}})
    defaults = RunConfig()
    assert cfg.model.dropout == TEXT_DROPOUT == 0.2
    assert (cfg.model.d_model, cfg.train.tokens_budget) == (
        defaults.model.d_model,
        defaults.train.tokens_budget,
    )
    assert merged({"tokenizer": {"kind": kind}, "model": {"dropout": 0.0}}).model.dropout == 0.0


@pytest.mark.parametrize(
    "tokenizer",
    [
        {"kind": "dna"},
        {"k": 6},
        {"kind": "ids", "vocab_size": 20},
    ],
)
def test_dna_and_ids_keep_the_package_defaults(tokenizer: dict[str, Any]) -> None:
    cfg = merged({"tokenizer": tokenizer})
    defaults = RunConfig()
    assert (cfg.model.d_model, cfg.train.tokens_budget, cfg.model.dropout) == (
        defaults.model.d_model,
        defaults.train.tokens_budget,
        defaults.model.dropout,
    )


def test_dropout_on_the_command_line_reaches_the_config() -> None:
    from cli._options import run_overrides

    overrides = run_overrides({"dropout": 0.1, "tokenizer_kind": "bpe"})
    assert merged(overrides).model.dropout == 0.1


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
