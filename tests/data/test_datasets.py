"""WindowStream over a store: replay, resume, shards, rc-aug."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
import torch.utils.data

from genoenc.data import (
    SplitConfig,
    WindowConfig,
    WindowStream,
    iter_windows,
    store_pieces,
)
from tests.data.fakes import FakeStore, FakeTokenizer, dna_records

WINDOWS = WindowConfig(context=16, shuffle_buffer=40)
HASH = SplitConfig(block_tokens=128, val_fraction=0.2, test_fraction=0.2, seed=1)


@pytest.fixture
def store(tmp_path: Path) -> FakeStore:
    lengths = [900, 300, 200, 1500, 60, 700]
    return FakeStore.write(tmp_path / "tokens.bin", dna_records(np.random.default_rng(7), lengths))


def _stack(windows: object) -> np.ndarray:
    return np.stack(list(windows))  # type: ignore[call-overload]


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


def test_rc_aug_is_reproducible(store: FakeStore) -> None:
    tokenizer = FakeTokenizer()
    plain = _stack(_stream(store, seed=9, epoch=2))
    augmented = _stack(_stream(store, seed=9, epoch=2, rc_aug=True))
    np.testing.assert_array_equal(augmented, _stack(_stream(store, seed=9, epoch=2, rc_aug=True)))
    changed = ~(augmented == plain).all(axis=1)
    has_pad = (plain == tokenizer.pad_id).any(axis=1)
    assert not (changed & has_pad).any()
    np.testing.assert_array_equal(augmented[changed], tokenizer.reverse_complement(plain[changed]))
    assert 0.35 < changed[~has_pad].mean() < 0.65


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
