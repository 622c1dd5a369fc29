"""Split assignment: the block-hash rule, the record rule, and cutting streams into blocks."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import numpy as np
import pytest

from genoenc.data import SPLITS, Piece, SplitConfig, block_splits, check_split, split_blocks
from genoenc.errors import ConfigError


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"val_fraction": -0.1}, "split.val_fraction"),
        ({"test_fraction": 1.5}, "split.test_fraction"),
        ({"test_fraction": "0.1"}, "split.test_fraction"),
        ({"val_fraction": 0.5, "test_fraction": 0.6}, "split.val_fraction + split.test_fraction"),
        ({"block_tokens": 0}, "split.block_tokens"),
        ({"block_tokens": 1.5}, "split.block_tokens"),
        ({"seed": -1}, "split.seed"),
        ({"seed": 2**64}, "split.seed"),
        ({"val_records": "chr1"}, "split.val_records"),
        ({"test_records": [1]}, "split.test_records"),
        ({"val_records": ["a", "b"], "test_records": ["b"]}, "'b'"),
    ],
)
def test_split_config_rejects_bad_fields(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(ConfigError, match=field.replace("+", r"\+")):
        SplitConfig(**kwargs)  # type: ignore[arg-type]


def test_split_config_stores_record_lists_as_tuples() -> None:
    cfg = SplitConfig(val_records=["chr2"], test_records=["chr3", "chrM"])  # type: ignore[arg-type]
    assert cfg.val_records == ("chr2",)
    assert cfg.test_records == ("chr3", "chrM")
    assert cfg.by_record
    assert hash(cfg) == hash(SplitConfig(val_records=("chr2",), test_records=("chr3", "chrM")))
    assert not SplitConfig().by_record
    assert [cfg.record_split(n) for n in ("chr1", "chr2", "chrM")] == ["train", "val", "test"]


def test_check_split_names_the_bad_split() -> None:
    assert [check_split(s) for s in SPLITS] == ["train", "val", "test"]
    with pytest.raises(ConfigError, match="'validation'"):
        check_split("validation")


def test_block_splits_are_seeded_and_deterministic() -> None:
    blocks = np.arange(5000)
    first = block_splits(blocks, SplitConfig(seed=0))
    np.testing.assert_array_equal(first, block_splits(blocks, SplitConfig(seed=0)))
    other = block_splits(blocks, SplitConfig(seed=1))
    # Different seeds give a different split (about 1 - (0.8² + 0.1² + 0.1²) = 34 % of
    # blocks change), and a block's split does not depend on which others are asked for.
    assert 0.25 < np.mean(first != other) < 0.43
    np.testing.assert_array_equal(block_splits(blocks[::7], SplitConfig()), first[::7])


def test_block_splits_follow_the_fractions() -> None:
    codes = block_splits(np.arange(200_000), SplitConfig(val_fraction=0.2, test_fraction=0.05))
    shares = np.bincount(codes, minlength=3) / len(codes)
    np.testing.assert_allclose(shares, [0.75, 0.2, 0.05], atol=0.005)
    everything = block_splits(np.arange(100), SplitConfig(val_fraction=0, test_fraction=0))
    assert (everything == 0).all()
    all_test = block_splits(np.arange(100), SplitConfig(val_fraction=0, test_fraction=1))
    assert (all_test == SPLITS.index("test")).all()


def _random_pieces(stream: np.ndarray, rng: np.random.Generator) -> list[np.ndarray]:
    cuts = np.sort(rng.choice(np.arange(1, len(stream)), size=40, replace=False))
    return np.split(stream, cuts)


def test_block_hash_puts_every_token_in_exactly_one_split() -> None:
    stream = np.arange(10_007, dtype=np.uint32)  # ids are offsets
    cfg = SplitConfig(block_tokens=100, val_fraction=0.3, test_fraction=0.3, seed=5)
    pieces = _random_pieces(stream, np.random.default_rng(0))
    seen = []
    for split in SPLITS:
        blocks = list(split_blocks(pieces, cfg, split))
        assert blocks, f"split {split} got no block"
        code = SPLITS.index(split)
        for start, ids in blocks:
            assert start % 100 == 0
            assert 1 <= len(ids) <= 100
            np.testing.assert_array_equal(ids, np.arange(start, start + len(ids)))
            assert block_splits(np.array([start // 100]), cfg)[0] == code
            seen.append(ids)
    np.testing.assert_array_equal(np.sort(np.concatenate(seen)), stream)


def test_blocks_do_not_depend_on_how_the_stream_is_cut() -> None:
    stream = np.random.default_rng(1).integers(0, 8, 5000).astype(np.uint8)
    cfg = SplitConfig(block_tokens=64)
    whole = list(split_blocks([stream], cfg, "val"))
    for seed in range(3):
        cut = list(split_blocks(_random_pieces(stream, np.random.default_rng(seed)), cfg, "val"))
        assert [start for start, _ in cut] == [start for start, _ in whole]
        for (_, a), (_, b) in zip(cut, whole, strict=True):
            np.testing.assert_array_equal(a, b)


def test_record_rule_sends_whole_records_and_cuts_split_streams() -> None:
    records = {"chr1": np.arange(0, 250), "chr2": np.arange(250, 400), "chr3": np.arange(400, 430)}
    pieces: list[Piece] = [
        (name, ids[i : i + 60]) for name, ids in records.items() for i in range(0, len(ids), 60)
    ]
    cfg = SplitConfig(block_tokens=100, val_records=("chr2",), test_records=("chr3",))
    val = list(split_blocks(pieces, cfg, "val"))
    # The val split's own stream starts at offset 0 and is cut every 100 tokens.
    assert [start for start, _ in val] == [0, 100]
    np.testing.assert_array_equal(np.concatenate([ids for _, ids in val]), records["chr2"])
    train = list(split_blocks(pieces, cfg, "train"))
    assert [len(ids) for _, ids in train] == [100, 100, 50]
    (test,) = split_blocks(pieces, cfg, "test")
    np.testing.assert_array_equal(test[1], records["chr3"])


def test_record_rule_needs_named_pieces() -> None:
    cfg = SplitConfig(val_records=("chr2",))
    with pytest.raises(ValueError, match="named pieces"):
        list(split_blocks([np.arange(10)], cfg, "train"))


def test_record_rule_warns_about_records_never_seen(caplog: pytest.LogCaptureFixture) -> None:
    cfg = SplitConfig(block_tokens=10, test_records=("chrZ",))
    with caplog.at_level(logging.WARNING, logger="genoenc.data.splits"):
        assert list(split_blocks([("chr1", np.arange(5))], cfg, "test")) == []
    assert "'chrZ'" in caplog.text


def test_split_blocks_reads_no_further_than_the_block_it_yields() -> None:
    pulled = 0

    def pieces() -> Iterator[np.ndarray]:
        nonlocal pulled
        for i in range(1000):
            pulled += 1
            yield np.arange(i * 50, (i + 1) * 50)

    blocks = split_blocks(
        pieces(), SplitConfig(block_tokens=100, val_fraction=0, test_fraction=0), "train"
    )
    start, ids = next(blocks)
    assert (start, len(ids)) == (0, 100)
    assert pulled == 2  # the block was complete after two pieces; no third was read
