"""The k-mer unigram reference of non-overlapping k-mers, and the learned_nothing rule."""

from __future__ import annotations

import math
from collections import Counter
from typing import cast

import numpy as np
import pytest

from genoenc.tokenize import KmerTokenizer, TokenizerConfig, build_tokenizer
from genoenc.train.references import learned_nothing, reference_bits


def _windows(rng: np.random.Generator, probs: np.ndarray, n: int, length: int) -> np.ndarray:
    """Windows of k-mer ids drawn from the unigram ``probs``."""
    return rng.choice(probs.size, size=(n, length), p=probs).astype(np.int64)


def test_kmer_unigram_reference_by_hand() -> None:
    tokenizer = cast(KmerTokenizer, build_tokenizer(TokenizerConfig(k=2, stride=2)))
    rng = np.random.default_rng(0)
    # Dependent bases: the 2-mers AA, TT, CC, GG carry most of the mass.
    probs = np.full(16, 0.01)
    probs[[0, 5, 10, 15]] = 0.22
    probs /= probs.sum()
    train, test = _windows(rng, probs, 200, 33), _windows(rng, probs, 50, 33)
    test[0, 5] = tokenizer.n_id  # an N k-mer target: neither counted nor a unit
    ref = reference_bits(tokenizer, train, train, test, max_k=2)
    # The k-mer frequencies hold the dependency between a k-mer's bases; single bases
    # are near uniform.
    assert ref["order0_token_bits"] < ref["order0_bits"] - 0.3
    # By hand: the add-1/2 (Krichevsky-Trofimov) unigram over the 20 store ids, fitted
    # on the train targets (every position but each window's first), per base.
    counts = Counter(train[:, 1:].ravel().tolist())
    total = sum(counts.values())
    targets = [x for x in test[:, 1:].ravel().tolist() if x < 16]
    bits = -sum(math.log2((counts[x] + 0.5) / (total + 20 / 2)) for x in targets)
    assert ref["order0_token_bits"] == pytest.approx(bits / (2 * len(targets)), rel=1e-12)


def test_single_bases_have_no_kmer_reference() -> None:
    tokenizer = build_tokenizer(TokenizerConfig(k=1))
    rng = np.random.default_rng(1)
    windows = rng.integers(0, 4, size=(8, 65))
    assert "order0_token_bits" not in reference_bits(tokenizer, windows, windows, windows, 2)


def test_learned_nothing_uses_the_lower_order0() -> None:
    assert learned_nothing(1.99, {"order0_bits": 2.0})
    assert not learned_nothing(1.96, {"order0_bits": 2.0})
    assert learned_nothing(1.9629, {"order0_bits": 1.9997, "order0_token_bits": 1.9629})
    assert not learned_nothing(1.90, {"order0_bits": 1.9997, "order0_token_bits": 1.9629})


def test_markov_train_sample_is_drawn_across_a_multi_genome_train_split() -> None:
    # Lambda then SARS-CoV-2 then Ebola: the first windows of the train stream are all lambda;
    # the references' train sample must reach the later genomes as the eval samples do.
    from genoenc.data import collect_windows
    from genoenc.io import ReaderConfig
    from genoenc.train import RunConfig, merge_config
    from genoenc.train.setup import reference_samples
    from genoenc.train.sources import open_piece_source
    from genoenc.train.vocab import run_tokenizer
    from tests.helpers import sample_path

    files = ["lambda_virus.fa", "sarscov2_MN908947.3.fa", "ebola_ituri_BTB20484.fa"]
    cfg = merge_config(
        RunConfig(reader=ReaderConfig(fasta=tuple(str(sample_path(f)) for f in files))),
        {
            "split": {"block_tokens": 2048},
            "window": {"context": 64},
            "train": {"ref_train_tokens": 20 * 2048},
        },
    )
    tokenizer = run_tokenizer(cfg)
    pieces = open_piece_source(cfg, tokenizer)
    drawn, _ = reference_samples(cfg, pieces, tokenizer)
    first = collect_windows(pieces, cfg.token_split, cfg.window, tokenizer, "train", 20 * 2048)
    assert drawn.shape == first.shape
    assert not np.array_equal(drawn, first)
    # Seeded: the same config draws the same sample.
    again, _ = reference_samples(cfg, open_piece_source(cfg, tokenizer), tokenizer)
    assert np.array_equal(drawn, again)
