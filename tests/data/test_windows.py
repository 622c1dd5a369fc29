"""Windows: tiling, padding, the drop rule, shuffling, rc-aug, batches and the eval sample."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from genoenc.data import (
    SPLITS,
    SplitConfig,
    WindowConfig,
    batches,
    collect_windows,
    iter_windows,
    kept_window_numbers,
    rc_augment,
    shuffle_buffer,
    window_length,
)
from genoenc.errors import ConfigError
from genoenc.tokenize.vocab import END, PAD, START, N
from tests.data.fakes import FakeTokenizer, OffsetTokenizer, dna_records, pieces_of

PAD32 = OffsetTokenizer().pad_id


def _offset_stream(n: int, piece: int = 37) -> list[np.ndarray]:
    stream = np.arange(n, dtype=np.uint32)
    return [stream[i : i + piece] for i in range(0, n, piece)]


@pytest.mark.parametrize("field", ["context", "shuffle_buffer"])
@pytest.mark.parametrize("value", [0, -3, 2.5, True])
def test_window_config_rejects_bad_fields(field: str, value: object) -> None:
    with pytest.raises(ConfigError, match=f"window.{field}"):
        WindowConfig(**{field: value})  # type: ignore[arg-type]


def test_blocks_shorter_than_a_window_are_rejected() -> None:
    windows = iter_windows(
        lambda: [np.arange(10)],
        SplitConfig(block_tokens=100),
        WindowConfig(context=100),
        FakeTokenizer(),
        "train",
    )
    with pytest.raises(ConfigError, match=r"split.block_tokens \(100\).*\(101\)"):
        next(windows)


@pytest.mark.parametrize("history", [0, 2])
def test_windows_tile_blocks_and_never_leak_across_splits(history: int) -> None:
    block, context, total = 50, 8, 2003
    split_cfg = SplitConfig(block_tokens=block, val_fraction=0.3, test_fraction=0.3, seed=3)
    window_cfg = WindowConfig(context=context)
    tokenizer = OffsetTokenizer(history=history)
    length = window_length(window_cfg, history)
    pieces = _offset_stream(total)
    targets_of: dict[str, list[np.ndarray]] = {}
    tokens_of: dict[str, set[int]] = {}
    for split in SPLITS:
        windows = list(iter_windows(lambda: pieces, split_cfg, window_cfg, tokenizer, split))
        assert windows, f"no {split} windows"
        targets_of[split], tokens_of[split] = [], set()
        for window in windows:
            assert window.shape == (length,)
            assert window.dtype == np.uint32
            real = window[window != PAD32].astype(np.int64)
            # Consecutive offsets inside one block; PAD only as a suffix.
            np.testing.assert_array_equal(real, np.arange(real[0], real[0] + len(real)))
            assert (window[len(real) :] == PAD32).all()
            assert real[0] // block == real[-1] // block
            assert real[0] % block % context == 0  # window w starts at block offset w * context
            targets = window[history + 1 :]
            targets_of[split].append(targets[targets != PAD32].astype(np.int64))
            tokens_of[split].update(real.tolist())
    # No token of a test or val window appears in a train window, inputs included.
    assert not tokens_of["test"] & tokens_of["train"]
    assert not tokens_of["val"] & tokens_of["train"]
    assert not tokens_of["val"] & tokens_of["test"]
    # Targets tile every block exactly, except its first history + 1 tokens.
    all_targets = np.sort(np.concatenate([np.concatenate(t) for t in targets_of.values()]))
    expected = np.arange(total)[np.arange(total) % block > history]
    np.testing.assert_array_equal(all_targets, expected)


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(0, 300),
    history=st.integers(0, 3),
    context=st.integers(1, 40),
    data=st.data(),
)
def test_kept_windows_are_those_with_a_scored_target(
    n: int, history: int, context: int, data: st.DataObject
) -> None:
    scored = np.array(data.draw(st.lists(st.booleans(), min_size=n, max_size=n)), dtype=bool)
    kept = set(kept_window_numbers(scored, history, context).tolist())
    candidates = max(0, -(-(n - history - 1) // context))
    covered = np.zeros(n, dtype=int)
    for w in range(candidates + 2):
        first = w * context + history + 1
        targets = np.arange(first, first + context)
        targets = targets[targets < n]
        covered[targets] += 1
        assert (w in kept) == bool(scored[targets].any())
    # Candidate windows' targets tile positions history + 1 .. n - 1 exactly once.
    assert (covered[history + 1 :] == 1).all()
    assert (covered[: history + 1] == 0).all()


def test_windows_without_scored_targets_are_dropped() -> None:
    # One block: 20 A's, 40 N's, then END: windows of 10 targets over the N run vanish.
    block = np.concatenate([[START], np.zeros(19), np.full(40, N), [END]]).astype(np.uint8)
    windows = list(
        iter_windows(
            lambda: [block],
            SplitConfig(block_tokens=1000, val_fraction=0, test_fraction=0),
            WindowConfig(context=10),
            FakeTokenizer(),
            "train",
        )
    )
    # Candidates start at 0, 10, ..., 60: targets 1-10, 11-20 hold A's; 21-30 .. 51-60 are N
    # except the END at offset 60, so windows 0, 1 and 5 stay (5 for the END target).
    starts = [0, 10, 50]
    assert len(windows) == len(starts)
    for window, start in zip(windows, starts, strict=True):
        expected = np.full(11, PAD, dtype=np.uint8)
        part = block[start : start + 11]
        expected[: len(part)] = part
        np.testing.assert_array_equal(window, expected)


def test_windows_do_not_depend_on_piece_sizes() -> None:
    records = dna_records(np.random.default_rng(0), [700, 50, 1300])
    split_cfg = SplitConfig(block_tokens=128, val_fraction=0.2, test_fraction=0.2)
    window_cfg = WindowConfig(context=16)

    def windows(piece_tokens: int) -> np.ndarray:
        pieces = list(pieces_of(records, piece_tokens))
        return np.stack(
            list(iter_windows(lambda: pieces, split_cfg, window_cfg, FakeTokenizer(), "val"))
        )

    np.testing.assert_array_equal(windows(1), windows(5000))
    np.testing.assert_array_equal(windows(33), windows(5000))


def test_shuffle_buffer_permutes_deterministically() -> None:
    items = list(range(1000))
    first = list(shuffle_buffer(items, 64, np.random.default_rng(1)))
    assert sorted(first) == items
    assert first != items
    assert first == list(shuffle_buffer(iter(items), 64, np.random.default_rng(1)))
    assert first != list(shuffle_buffer(items, 64, np.random.default_rng(2)))
    # Nothing is yielded before the buffer is full, and then one of its items comes out.
    assert first[0] < 64
    assert list(shuffle_buffer(items, 1, np.random.default_rng(0))) == items
    small = list(shuffle_buffer(range(10), 100, np.random.default_rng(0)))
    assert sorted(small) == list(range(10))
    assert small != list(range(10))
    assert list(shuffle_buffer([], 5, np.random.default_rng(0))) == []
    with pytest.raises(ValueError, match="size"):
        list(shuffle_buffer(items, 0, np.random.default_rng(0)))


def test_rc_augment_flips_about_half_reproducibly() -> None:
    tokenizer = FakeTokenizer()
    rng = np.random.default_rng(0)
    windows = [rng.integers(0, 4, 12).astype(np.uint8) for _ in range(2000)]
    windows[0][-3:] = PAD
    first = list(rc_augment(windows, tokenizer, np.random.default_rng([1, 2, 1])))
    again = list(rc_augment(windows, tokenizer, np.random.default_rng([1, 2, 1])))
    assert all(np.array_equal(a, b) for a, b in zip(first, again, strict=True))
    flipped = 0
    for original, out in zip(windows[1:], first[1:], strict=True):
        assert out.dtype == np.uint8
        if not np.array_equal(original, out):
            np.testing.assert_array_equal(out, tokenizer.reverse_complement(original[None])[0])
            flipped += 1
    assert 900 < flipped < 1100
    np.testing.assert_array_equal(first[0], windows[0])  # PAD windows are never flipped


def test_batches_stack_windows_and_keep_the_last_partial_batch() -> None:
    windows = [np.full(4, i, dtype=np.uint8) for i in range(7)]
    out = list(batches(windows, 3))
    assert [b.shape for b in out] == [(3, 4), (3, 4), (1, 4)]
    np.testing.assert_array_equal(np.concatenate(out)[:, 0], np.arange(7))
    assert list(batches([], 3)) == []
    with pytest.raises(ValueError, match="batch_size"):
        list(batches(windows, 0))


def test_collect_windows_stops_reading_early_and_respects_max_tokens() -> None:
    pulled = 0

    def open_pieces() -> Iterator[np.ndarray]:
        nonlocal pulled
        for i in range(100_000):  # 10 M tokens if read to the end
            pulled += 1
            yield np.arange(i * 100, (i + 1) * 100, dtype=np.uint32)

    split_cfg = SplitConfig(block_tokens=1000, val_fraction=0.1, test_fraction=0.1)
    window_cfg = WindowConfig(context=50)
    sample = collect_windows(open_pieces, split_cfg, window_cfg, OffsetTokenizer(), "test", 1020)
    assert sample.shape == (21, 51)  # ceil(1020 / 50) windows: at least 1020 targets
    assert sample.dtype == np.uint32
    # 21 windows are 2 test blocks (20 windows each); test blocks are 1 in 10 or so.
    assert pulled < 500
    pulled = 0
    stream = list(iter_windows(open_pieces, split_cfg, window_cfg, OffsetTokenizer(), "test"))
    assert pulled == 100_000
    np.testing.assert_array_equal(sample, np.stack(stream[:21]))


def test_collect_windows_on_an_empty_split_or_budget() -> None:
    records = dna_records(np.random.default_rng(0), [500])
    pieces = list(pieces_of(records, 64))
    window_cfg = WindowConfig(context=16)
    no_test = SplitConfig(block_tokens=64, test_fraction=0.0)
    empty = collect_windows(lambda: pieces, no_test, window_cfg, FakeTokenizer(), "test", 1000)
    assert empty.shape == (0, 17)
    assert empty.dtype == np.uint8
    none = collect_windows(lambda: pieces, no_test, window_cfg, FakeTokenizer(), "train", 0)
    assert none.shape == (0, 17)
    everything = collect_windows(
        lambda: pieces, no_test, window_cfg, FakeTokenizer(), "train", 10**9
    )
    assert len(everything) == len(
        list(iter_windows(lambda: pieces, no_test, window_cfg, FakeTokenizer(), "train"))
    )
    with pytest.raises(ValueError, match="max_tokens"):
        collect_windows(lambda: pieces, no_test, window_cfg, FakeTokenizer(), "train", -1)
