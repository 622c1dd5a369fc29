"""WindowStream and StoreWindows: same windows, same order; resume, shards, rc-aug."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
import torch.utils.data

from genoenc.data import (
    SPLITS,
    SplitConfig,
    StoreWindows,
    WindowConfig,
    WindowStream,
    iter_windows,
    rc_augment,
    store_pieces,
)
from genoenc.errors import ConfigError
from tests.data.fakes import FakeStore, FakeTokenizer, OffsetTokenizer, dna_records

WINDOWS = WindowConfig(context=16, shuffle_buffer=40)
HASH = SplitConfig(block_tokens=128, val_fraction=0.2, test_fraction=0.2, seed=1)
BY_RECORD = SplitConfig(block_tokens=128, val_records=("rec1", "rec4"), test_records=("rec2",))


@pytest.fixture
def store(tmp_path: Path) -> FakeStore:
    lengths = [900, 300, 200, 1500, 60, 700]
    return FakeStore.write(tmp_path / "tokens.bin", dna_records(np.random.default_rng(7), lengths))


def _stack(windows: object) -> np.ndarray:
    return np.stack(list(windows))  # type: ignore[call-overload]


@pytest.mark.parametrize("split_cfg", [HASH, BY_RECORD], ids=["hash", "record"])
@pytest.mark.parametrize("split", SPLITS)
def test_store_windows_equal_the_stream_in_order(
    store: FakeStore, split_cfg: SplitConfig, split: str
) -> None:
    tokenizer = FakeTokenizer()
    dataset = StoreWindows(store, tokenizer, split_cfg, WINDOWS, split)
    assert len(dataset) > 0
    pieces = store_pieces(store, 100, named=True)
    stream = _stack(iter_windows(pieces, split_cfg, WINDOWS, tokenizer, split))
    np.testing.assert_array_equal(_stack(dataset[i] for i in range(len(dataset))), stream)
    for seed, epoch in [(0, 0), (3, 1)]:
        streamed = WindowStream(
            pieces, tokenizer, split_cfg, WINDOWS, split, seed=seed, epoch=epoch
        )
        mapped = _stack(dataset[i] for i in dataset.ordered_indices(seed, epoch))
        np.testing.assert_array_equal(mapped, _stack(streamed))
        assert not np.array_equal(mapped, stream)  # shuffled
    ordered = _stack(dataset[i] for i in dataset.ordered_indices(0, 0, shuffle=False))
    np.testing.assert_array_equal(ordered, stream)


def test_store_windows_with_history_and_wide_ids(tmp_path: Path) -> None:
    ids = np.arange(5000, dtype=np.uint32)
    store = FakeStore.write(tmp_path / "t.bin", [("a", ids[:3000]), ("b", ids[3000:])])
    tokenizer = OffsetTokenizer(history=3, unscored=tuple(range(700, 900)))
    split_cfg = SplitConfig(block_tokens=100, val_fraction=0.3, test_fraction=0.3)
    for split in SPLITS:
        dataset = StoreWindows(store, tokenizer, split_cfg, WINDOWS, split)
        stream = _stack(iter_windows(store_pieces(store, 77), split_cfg, WINDOWS, tokenizer, split))
        np.testing.assert_array_equal(_stack(dataset[i] for i in range(len(dataset))), stream)
        # Under the block-hash rule a window's start is its global offset (ids are offsets).
        np.testing.assert_array_equal(dataset.starts, stream[:, 0])
        assert not ((dataset.starts >= 700 - 4) & (dataset.starts < 900 - 19)).any()


def test_store_windows_indexing(store: FakeStore) -> None:
    dataset = StoreWindows(store, FakeTokenizer(), HASH, WINDOWS, "train")
    np.testing.assert_array_equal(dataset[-1], dataset[len(dataset) - 1])
    np.testing.assert_array_equal(dataset[np.int64(2)], dataset[2])  # type: ignore[index]
    for index in (len(dataset), -len(dataset) - 1):
        with pytest.raises(IndexError):
            dataset[index]
    with pytest.raises(ValueError, match="read-only"):
        dataset.starts[0] = 1


def test_store_windows_reject_unknown_records(store: FakeStore) -> None:
    with pytest.raises(ConfigError, match=r"split\.test_records names record 'chrZ'"):
        StoreWindows(store, FakeTokenizer(), SplitConfig(test_records=("chrZ",)), WINDOWS)
    with pytest.raises(ConfigError, match="split must be one of"):
        StoreWindows(store, FakeTokenizer(), HASH, WINDOWS, "dev")


def test_store_pieces_replay_the_store(store: FakeStore) -> None:
    for named in (False, True):
        open_pieces = store_pieces(store, 128, named=named)
        first = list(open_pieces())
        assert all(len(p[1] if isinstance(p, tuple) else p) <= 128 for p in first)
        ids = [p[1] if isinstance(p, tuple) else p for p in open_pieces()]
        np.testing.assert_array_equal(np.concatenate(ids), store.tokens)
        assert len(list(open_pieces())) == len(first)
    names = {p[0] for p in store_pieces(store, 128, named=True)() if isinstance(p, tuple)}
    assert names == {record.name for record in store.records}


def _stream(store: FakeStore, **kwargs: object) -> WindowStream:
    return WindowStream(store_pieces(store, 100), FakeTokenizer(), HASH, WINDOWS, **kwargs)  # type: ignore[arg-type]


def test_resume_yields_the_tail_of_the_full_sequence(store: FakeStore) -> None:
    full = _stack(_stream(store, seed=4, rc_aug=True))
    for start in (0, 1, 17, len(full) - 1, len(full), len(full) + 5):
        tail = list(_stream(store, seed=4, rc_aug=True, start=start))
        assert len(tail) == max(0, len(full) - start)
        if tail:
            np.testing.assert_array_equal(np.stack(tail), full[start:])


@pytest.mark.parametrize("start", [0, 5])
def test_ranks_partition_the_sequence(store: FakeStore, start: int) -> None:
    full = _stack(_stream(store, seed=2, start=start))
    ranks = [_stack(_stream(store, seed=2, start=start, rank=r, world_size=2)) for r in (0, 1)]
    assert len(ranks[0]) + len(ranks[1]) == len(full)
    # Window i of the epoch goes to rank i % 2, whatever the resume point.
    first_rank = start % 2
    np.testing.assert_array_equal(ranks[first_rank], full[0::2])
    np.testing.assert_array_equal(ranks[1 - first_rank], full[1::2])
    with pytest.raises(ValueError, match="rank"):
        _stream(store, rank=2, world_size=2)


def test_epochs_and_seeds_reorder_the_same_windows(store: FakeStore) -> None:
    base = _stack(_stream(store, seed=0, epoch=0))
    for kwargs in ({"seed": 0, "epoch": 1}, {"seed": 1, "epoch": 0}):
        other = _stack(_stream(store, **kwargs))
        assert not np.array_equal(other, base)
        np.testing.assert_array_equal(np.unique(other, axis=0), np.unique(base, axis=0))
    np.testing.assert_array_equal(_stack(_stream(store, seed=0, epoch=0)), base)
    unshuffled = _stack(_stream(store, shuffle=False))
    np.testing.assert_array_equal(
        unshuffled,
        _stack(iter_windows(store_pieces(store, 100), HASH, WINDOWS, FakeTokenizer(), "train")),
    )


def test_rc_aug_is_reproducible_and_matches_the_map_style_path(store: FakeStore) -> None:
    tokenizer = FakeTokenizer()
    plain = _stack(_stream(store, seed=9, epoch=2))
    augmented = _stack(_stream(store, seed=9, epoch=2, rc_aug=True))
    np.testing.assert_array_equal(augmented, _stack(_stream(store, seed=9, epoch=2, rc_aug=True)))
    changed = ~(augmented == plain).all(axis=1)
    has_pad = (plain == tokenizer.pad_id).any(axis=1)
    assert not (changed & has_pad).any()
    np.testing.assert_array_equal(augmented[changed], tokenizer.reverse_complement(plain[changed]))
    assert 0.35 < changed[~has_pad].mean() < 0.65
    dataset = StoreWindows(store, tokenizer, HASH, WINDOWS, "train")
    mapped = rc_augment(
        (dataset[i] for i in dataset.ordered_indices(9, 2)),
        tokenizer,
        np.random.default_rng([9, 2, 1]),
    )
    np.testing.assert_array_equal(_stack(mapped), augmented)


def test_data_loader_workers_split_the_stream_without_repeats(store: FakeStore) -> None:
    stream = _stream(store, seed=0, world_size=2, rank=1)
    alone = _stack(stream)
    loader = torch.utils.data.DataLoader(stream, batch_size=8, num_workers=2)
    batches = [batch.numpy() for batch in loader]
    together = np.concatenate(batches)
    assert together.dtype == np.uint8
    assert len(together) == len(alone)
    order = np.lexsort(together.T[::-1])
    np.testing.assert_array_equal(together[order], alone[np.lexsort(alone.T[::-1])])
    single = np.concatenate([b.numpy() for b in torch.utils.data.DataLoader(stream, batch_size=8)])
    np.testing.assert_array_equal(single, alone)
    assert list(itertools.islice(iter(stream), 0)) == []
