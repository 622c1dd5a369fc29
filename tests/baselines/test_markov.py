"""Order-k Markov models: against a slow dict-based reference, on sources of known order."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

import numpy as np
import pytest

from genoenc.baselines import (
    SMOOTHINGS,
    MarkovModel,
    fit_best_order,
    kneser_ney_discounts,
    order0_bits,
)
from genoenc.errors import ConfigError
from genoenc.sources import MarkovSource

Pair = tuple[tuple[int, ...], int]


# --- a slow reference: Python dicts over tuples, one position at a time -----------------


def _context_lengths(seg: Sequence[int], vocab: int, breaks: set[int], k: int) -> list[int]:
    lengths, run = [], 0
    for token in seg:
        lengths.append(min(run, k))
        run = 0 if token in breaks or token >= vocab else run + 1
    return lengths


def _discounts(counts: Counter[Pair]) -> list[float]:
    n = Counter(min(c, 5) for c in counts.values())
    out = [0.5, 1.0, 1.5]
    if not (n[1] and n[2]):
        return out
    y = n[1] / (n[1] + 2 * n[2])
    for r in (1, 2, 3):
        if n[r]:
            d = r - (r + 1) * y * n[r + 1] / n[r]
            if 0 < d < r:
                out[r - 1] = d
    return out


def _terms(
    counts: Counter[Pair], smoothing: str
) -> tuple[dict[Pair, float], dict[tuple[int, ...], float], dict[tuple[int, ...], float]]:
    num: dict[Pair, float] = {}
    mass: dict[tuple[int, ...], float] = {}
    denom: dict[tuple[int, ...], float] = {}
    d = _discounts(counts)
    for (ctx, x), c in counts.items():
        if smoothing == "witten-bell":
            num[(ctx, x)] = c
            mass[ctx] = mass.get(ctx, 0.0) + 1
            denom[ctx] = denom.get(ctx, 0.0) + c + 1
        else:
            num[(ctx, x)] = c - d[min(c, 3) - 1]
            mass[ctx] = mass.get(ctx, 0.0) + d[min(c, 3) - 1]
            denom[ctx] = denom.get(ctx, 0.0) + c
    return num, mass, denom


def _reference_bits(
    train: list[list[int]],
    train_masks: list[list[bool]],
    test: list[list[int]],
    test_masks: list[list[bool]],
    k: int,
    vocab: int,
    smoothing: str,
    breaks: set[int],
) -> list[float]:
    """Total test bits of the model fitted at each order 0..k."""
    raw: list[Counter[Pair]] = [Counter() for _ in range(k + 1)]
    ended: list[Counter[Pair]] = [Counter() for _ in range(k + 1)]
    for seg, mask in zip(train, train_masks, strict=True):
        lengths = _context_lengths(seg, vocab, breaks, k)
        for t, x in enumerate(seg):
            if mask[t]:
                for j in range(lengths[t] + 1):
                    raw[j][(tuple(seg[t - j : t]), x)] += 1
                ended[lengths[t]][(tuple(seg[t - lengths[t] : t]), x)] += 1
    cont: list[Counter[Pair]] = []
    for j in range(k):
        counts: Counter[Pair] = Counter(ended[j])
        for ctx, x in raw[j + 1]:
            counts[(ctx[1:], x)] += 1
        cont.append(counts if smoothing == "kneser-ney" else raw[j])
    totals = []
    for top in range(k + 1):
        tables = [_terms(cont[j], smoothing) for j in range(top)] + [_terms(raw[top], smoothing)]
        bits = 0.0
        for seg, mask in zip(test, test_masks, strict=True):
            lengths = _context_lengths(seg, vocab, breaks, k)
            for t, x in enumerate(seg):
                if not mask[t]:
                    continue
                p = 1.0 / vocab
                for j in range(min(lengths[t], top) + 1):
                    num, mass, denom = tables[j]
                    ctx = tuple(seg[t - j : t])
                    if ctx in denom:
                        p = (num.get((ctx, x), 0.0) + mass[ctx] * p) / denom[ctx]
                bits -= math.log2(p)
        totals.append(bits)
    return totals


def _random_segments(
    rng: np.random.Generator, n_segments: int, vocab: int, extra: int = 0
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Skewed random segments (lengths 0..40); ids up to vocab + extra; masks drop ~20%."""
    probs = rng.dirichlet(np.full(vocab + extra, 0.7))
    segments = [
        rng.choice(vocab + extra, size=rng.integers(0, 41), p=probs) for _ in range(n_segments)
    ]
    masks = [(rng.random(seg.size) < 0.8) & (seg < vocab) for seg in segments]
    return segments, masks


@pytest.mark.parametrize("smoothing", SMOOTHINGS)
@pytest.mark.parametrize(("vocab", "breaks"), [(4, set()), (5, {4}), (6, {1, 5})])
def test_matches_dict_reference(smoothing: str, vocab: int, breaks: set[int]) -> None:
    rng = np.random.default_rng(vocab)
    train, train_masks = _random_segments(rng, 60, vocab)
    test, test_masks = _random_segments(rng, 30, vocab, extra=2)  # ids >= vocab in contexts
    k = 4
    model = MarkovModel.fit(
        train, k, vocab, train_masks, smoothing=smoothing, context_breaks=breaks
    )
    totals, n_targets = model.bits_by_order(test, test_masks)
    expected = _reference_bits(
        [s.tolist() for s in train],
        [m.tolist() for m in train_masks],
        [s.tolist() for s in test],
        [m.tolist() for m in test_masks],
        k,
        vocab,
        smoothing,
        breaks,
    )
    assert n_targets == sum(int(m.sum()) for m in test_masks)
    np.testing.assert_allclose(totals, expected, rtol=1e-5)
    # Scoring one order alone gives the same as the all-orders pass.
    assert model.bits(test, test_masks, order=2)[0] == pytest.approx(totals[2], rel=1e-12)


@pytest.mark.parametrize("smoothing", SMOOTHINGS)
def test_lower_order_view_equals_refit(smoothing: str) -> None:
    rng = np.random.default_rng(1)
    train, masks = _random_segments(rng, 200, 4)
    test, test_masks = _random_segments(rng, 50, 4)
    big = MarkovModel.fit(train, 5, 4, masks, smoothing=smoothing)
    small = MarkovModel.fit(train, 3, 4, masks, smoothing=smoothing)
    assert big.bits(test, test_masks, order=3) == pytest.approx(small.bits(test, test_masks))
    assert big.with_order(3).bits(test, test_masks) == big.bits(test, test_masks, order=3)


@pytest.mark.parametrize("smoothing", SMOOTHINGS)
@pytest.mark.parametrize("order", [1, 2, 3])
def test_recovers_source_order_and_entropy(smoothing: str, order: int) -> None:
    source = MarkovSource(4, order, 0.5, seed=order)
    train, val, test = (source.sample(n, seed=s) for s, n in enumerate((200_000, 50_000, 100_000)))
    best_k, model, val_bits = fit_best_order([train], [val], 6, smoothing=smoothing)
    assert best_k == order, val_bits
    assert sorted(val_bits) == list(range(7))
    total, n_targets = model.bits([test])
    assert n_targets == test.size
    # The first `order` tokens lack a full context; their cost is negligible here.
    assert total / n_targets == pytest.approx(source.entropy_rate(), rel=0.02)
    assert total / n_targets > source.entropy_rate() - 0.01


def test_two_dimensional_windows_equal_a_list_of_rows() -> None:
    rng = np.random.default_rng(2)
    windows = rng.integers(0, 4, size=(20, 30))
    mask = rng.random((20, 30)) < 0.9
    as_array = MarkovModel.fit(windows, 3, 4, mask)
    as_list = MarkovModel.fit(list(windows), 3, 4, list(mask))
    assert as_array.bits(windows, mask) == as_list.bits(list(windows), list(mask))


def test_contexts_do_not_cross_segment_boundaries() -> None:
    # "0 -> 1" only ever happens across a boundary, so a segmented model never sees it.
    segments = [np.array([0, 0, 0, 0]), np.array([1, 1, 1, 1])] * 10
    joined = [np.concatenate(segments)]
    probe = [np.array([0, 1])], [np.array([False, True])]
    split_model = MarkovModel.fit(segments, 1, 2, smoothing="witten-bell")
    joined_model = MarkovModel.fit(joined, 1, 2, smoothing="witten-bell")
    split_bits, n = split_model.bits(*probe)
    assert n == 1
    assert split_bits > joined_model.bits(*probe)[0] + 1
    # Witten-Bell by hand: context 0 has 30 counts of "0" and one type;
    # order 0 has 40 "0" and 40 "1" over two types (p = (40 + 2 * 1/2) / 82).
    p0 = (40 + 2 * 0.5) / (80 + 2)
    assert split_bits == pytest.approx(-math.log2((0 + 1 * p0) / (30 + 1)))
    assert split_model.n_train_targets == 80


def test_unscored_positions_are_context_but_not_counted() -> None:
    seq = np.tile([0, 1], 500)  # 0 1 0 1 ...
    mask = seq == 1  # only the 1s are targets; the 0s serve as context
    model = MarkovModel.fit([seq], 1, 2, [mask], smoothing="witten-bell")
    assert model.n_train_targets == 500
    bits, n = model.bits([np.array([0, 1, 0, 1])], [np.array([False, True, False, True])])
    assert n == 2
    assert bits / n < 0.01  # "1 after 0" learnt from contexts that were never targets
    # A target never counted gets little probability.
    zero_bits, _ = model.bits([np.array([1, 0])], [np.array([False, True])])
    assert zero_bits > 5


@pytest.mark.parametrize("smoothing", SMOOTHINGS)
def test_context_with_a_break_backs_off(smoothing: str) -> None:
    rng = np.random.default_rng(3)
    train = [rng.choice(5, size=5000, p=[0.4, 0.3, 0.2, 0.05, 0.05])]
    model = MarkovModel.fit(train, 3, 5, smoothing=smoothing, context_breaks=[4])
    mask = np.array([False, False, False, True])
    with_n = model.bits([np.array([0, 2, 4, 1])], [mask])[0]
    with_unknown_id = model.bits([np.array([0, 2, 9, 1])], [mask])[0]
    fresh_segment = model.bits([np.array([1])])[0]  # no context at all
    assert with_n == with_unknown_id == fresh_segment
    if smoothing == "witten-bell":  # no continuation counts: order 0 alone is the backoff
        assert with_n == pytest.approx(model.bits([np.array([1])], order=0)[0])


def test_order0_is_the_unigram_entropy() -> None:
    rng = np.random.default_rng(4)
    sample = rng.integers(0, 4, 100_000)
    counts = np.bincount(sample, minlength=4)
    empirical = float(-(counts / counts.sum() * np.log2(counts / counts.sum())).sum())
    bits = order0_bits([sample], [sample], vocab_size=4)
    assert bits == pytest.approx(empirical, abs=1e-4)
    assert bits == pytest.approx(2.0, abs=1e-3)
    # Add-1/2 smoothing over the vocabulary, and masks respected on both sides:
    # train counts {0: 2, 1: 0} -> p(1) = (0 + 1/2) / (2 + 2/2).
    train, test = [np.array([0, 0, 1])], [np.array([1, 1, 1])]
    train_mask = [np.array([True, True, False])]
    bits = order0_bits(train, test, train_mask=train_mask, test_mask=[np.ones(3, bool)])
    assert bits == pytest.approx(math.log2(6))
    assert math.isnan(order0_bits([sample], [sample[:3]], test_mask=[np.zeros(3, bool)]))


def test_kneser_ney_discounts_keep_mass() -> None:
    counts = np.array([1] * 40 + [2] * 10 + [3] * 5 + [4] * 2)
    d1, d2, d3 = kneser_ney_discounts(counts)
    y = 40 / (40 + 2 * 10)
    assert (d1, d2, d3) == pytest.approx(
        (1 - 2 * y * 10 / 40, 2 - 3 * y * 5 / 10, 3 - 4 * y * 2 / 5)
    )
    # Counts of counts that would give a non-positive discount fall back to r / 2.
    assert kneser_ney_discounts(np.array([2] + [3] * 50)).tolist() == [0.5, 1.0, 1.5]


def test_empty_validation_picks_order_zero() -> None:
    sample = np.arange(100) % 4
    selection = fit_best_order([sample], [sample], 2, val_mask=[np.zeros(100, bool)])
    assert selection.best_k == 0
    assert all(math.isnan(v) for v in selection.val_bits.values())


def test_bad_arguments() -> None:
    sample = np.arange(100) % 4
    with pytest.raises(ConfigError, match=r"markov\.k"):
        MarkovModel.fit([sample], -1, 4)
    with pytest.raises(ConfigError, match=r"markov\.k must be at most 6"):
        MarkovModel.fit([sample], 8, 256)
    with pytest.raises(ConfigError, match=r"markov\.smoothing"):
        MarkovModel.fit([sample], 2, 4, smoothing="laplace")
    with pytest.raises(ValueError, match="vocab_size"):
        MarkovModel.fit([sample], 2, 3)
    with pytest.raises(ValueError, match="no scored targets"):
        MarkovModel.fit([sample], 2, 4, [np.zeros(100, bool)])
    model = MarkovModel.fit([sample], 2, 4)
    with pytest.raises(ValueError, match="scored token id 7"):
        model.bits([np.array([0, 7])])
    with pytest.raises(ConfigError, match=r"markov\.order"):
        model.bits([sample], order=3)
    with pytest.raises(ValueError, match="one array per segment"):
        model.bits([sample], [np.ones(99, bool)])
    assert model.bits([np.array([], dtype=np.int64)]) == (0.0, 0)
