"""Non-overlapping DNA k-mers default to the chain head and 64-token windows (measured in
docs/defaults.md, section 2); every other run, and any config that says otherwise, keeps its own."""

from __future__ import annotations

from typing import Any

import pytest

from genoenc.train import RunConfig, merge_config
from genoenc.train.config import KMER_CONTEXT, KMER_HEAD


def merged(*overrides: dict[str, Any]) -> RunConfig:
    cfg = RunConfig()
    for override in overrides:
        cfg = merge_config(cfg, override)
    return cfg


def test_a_new_k_gets_the_chain_head_and_short_windows() -> None:
    cfg = merged({"tokenizer": {"k": 6}})
    assert (cfg.tokenizer.stride, cfg.window.context, cfg.model.head) == (
        6,
        KMER_CONTEXT,
        KMER_HEAD,
    )
    assert (KMER_CONTEXT, KMER_HEAD) == (64, "chain")


@pytest.mark.parametrize("tokenizer", [{"k": 1}, {"k": 6, "stride": 1}, {"kind": "byte"}])
def test_single_bases_overlapping_kmers_and_text_keep_the_defaults(
    tokenizer: dict[str, Any],
) -> None:
    cfg = merged({"tokenizer": tokenizer})
    assert (cfg.window.context, cfg.model.head) == (256, "softmax")


def test_a_head_or_window_given_with_k_stands() -> None:
    cfg = merged({"tokenizer": {"k": 6}, "window": {"context": 128}, "model": {"head": "softmax"}})
    assert (cfg.window.context, cfg.model.head) == (128, "softmax")


def test_a_window_set_before_k_stands() -> None:
    # A sweep's base (or a config file) sets the window; the grid's tokenizer entry comes later.
    cfg = merged({"window": {"context": 128}}, {"tokenizer": {"k": 6}})
    assert (cfg.window.context, cfg.model.head) == (128, KMER_HEAD)


def test_a_later_merge_without_k_changes_nothing() -> None:
    cfg = merged({"tokenizer": {"k": 6}}, {"train": {"lr": 1e-3}})
    assert (cfg.window.context, cfg.model.head) == (KMER_CONTEXT, KMER_HEAD)
