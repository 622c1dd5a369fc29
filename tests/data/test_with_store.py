"""The data layer with the real tokenizers, FASTA reader and token store."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

from genoenc.data import (
    SPLITS,
    OpenPieces,
    Piece,
    SplitConfig,
    WindowConfig,
    WindowStream,
    collect_windows,
    iter_windows,
    store_pieces,
)
from genoenc.io import read_fasta
from genoenc.store import TokenStore, write_store
from genoenc.tokenize import Tokenizer, TokenizerConfig, build_tokenizer
from tests.helpers import sample_path

DMEL = sample_path("dmel_1pct_7contigs.fa.gz")  # 7 contigs, 1.4 Mb
WINDOWS = WindowConfig(context=128, shuffle_buffer=256)
TOKENIZERS = {
    "k1": TokenizerConfig(k=1),
    "k3-stride3": TokenizerConfig(k=3),
    "k3-stride1": TokenizerConfig(k=3, stride=1),
}
SPLIT_RULES = {
    "hash": SplitConfig(block_tokens=8192, seed=11),
    "record": SplitConfig(block_tokens=8192, val_records=("4", "Y"), test_records=("X",)),
}


@pytest.fixture(scope="module", params=list(TOKENIZERS))
def stored(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[TokenStore, Tokenizer]:
    tokenizer = build_tokenizer(TOKENIZERS[request.param])
    path = tmp_path_factory.mktemp("store") / "dmel"
    write_store(path, read_fasta(DMEL, chunk_size=50_000), tokenizer, sources=[])
    return TokenStore.open(path), tokenizer


def _fasta_pieces(tokenizer: Tokenizer) -> OpenPieces:
    """The piece stream straight from the FASTA file (no store), named."""

    def open_pieces() -> Iterator[Piece]:
        for chunk, ids in tokenizer.encode_chunks(read_fasta(DMEL, chunk_size=30_000)):
            yield chunk.name, ids

    return open_pieces


@pytest.mark.parametrize("rule", list(SPLIT_RULES))
def test_store_and_fasta_stream_give_the_same_windows(
    stored: tuple[TokenStore, Tokenizer], rule: str
) -> None:
    store, tokenizer = stored
    split_cfg = SPLIT_RULES[rule]
    for split in ("train", "test"):
        from_store = WindowStream(
            store_pieces(store, named=True), tokenizer, split_cfg, WINDOWS, split, seed=5, epoch=1
        )
        mapped = np.stack(list(from_store))
        streamed = np.stack(
            list(
                WindowStream(
                    _fasta_pieces(tokenizer), tokenizer, split_cfg, WINDOWS, split, seed=5, epoch=1
                )
            )
        )
        np.testing.assert_array_equal(mapped, streamed)
        assert mapped.dtype == tokenizer.store_dtype


def test_windows_feed_the_tokenizer_and_score_every_target_once(
    stored: tuple[TokenStore, Tokenizer],
) -> None:
    store, tokenizer = stored
    split_cfg = SPLIT_RULES["hash"]
    block, history = split_cfg.block_tokens, tokenizer.history
    scored_targets = 0
    for split in SPLITS:
        windows = np.stack(
            list(iter_windows(store_pieces(store), split_cfg, WINDOWS, tokenizer, split))
        )
        inputs, targets = tokenizer.inputs_targets(windows)
        assert inputs.shape == targets.shape == (len(windows), WINDOWS.context)
        np.testing.assert_array_equal(targets, windows[:, history + 1 :])
        scored = tokenizer.scored(targets)
        assert scored.any(axis=1).all()  # every kept window teaches something
        assert not (targets[scored] == tokenizer.pad_id).any()
        scored_targets += int(scored.sum())
    # Each scored id of the store is a target exactly once, except at block starts.
    tokens = np.asarray(store.tokens)
    never_targets = np.arange(len(tokens)) % block <= history
    assert scored_targets == int(tokenizer.scored(tokens[~never_targets]).sum())


def test_rc_aug_with_the_real_tokenizer(stored: tuple[TokenStore, Tokenizer]) -> None:
    store, tokenizer = stored
    split_cfg = SPLIT_RULES["hash"]
    plain = np.stack(
        list(WindowStream(store_pieces(store, named=True), tokenizer, split_cfg, WINDOWS, seed=1))
    )
    augmented = np.stack(
        list(
            WindowStream(
                store_pieces(store, named=True), tokenizer, split_cfg, WINDOWS, seed=1, rc_aug=True
            )
        )
    )
    flipped = ~(plain == augmented).all(axis=1)
    assert 0.4 < flipped.mean() < 0.6
    np.testing.assert_array_equal(augmented[flipped], tokenizer.reverse_complement(plain[flipped]))
    assert not (plain[flipped] == tokenizer.pad_id).any()


def test_collect_windows_reads_a_fasta_only_as_far_as_needed() -> None:
    tokenizer = build_tokenizer(TokenizerConfig(k=1))
    pulled: list[str] = []

    def open_pieces() -> Iterator[Piece]:
        for chunk, ids in tokenizer.encode_chunks(read_fasta(DMEL, chunk_size=10_000)):
            pulled.append(chunk.name)
            yield ids

    split_cfg = SplitConfig(block_tokens=4096)
    sample = collect_windows(open_pieces, split_cfg, WINDOWS, tokenizer, "val", 5000)
    assert sample.shape == (40, WINDOWS.context + 1)  # ceil(5000 / 128)
    assert len(pulled) < 20  # of about 140 chunks in the file
    assert set(pulled) == {"2L"}
