"""The ids tokenizer (synthetic symbols) and write_id_store."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from genoenc.errors import ConfigError, InputError
from genoenc.store import TokenStore, write_id_store
from genoenc.tokenize import IdTokenizer, Tokenizer, TokenizerConfig, build_tokenizer, id_chunks


def test_id_layout_and_protocol() -> None:
    tok = build_tokenizer(TokenizerConfig(kind="ids", vocab_size=300))
    assert isinstance(tok, IdTokenizer)
    assert isinstance(tok, Tokenizer)
    assert (tok.start_id, tok.end_id, tok.pad_id) == (300, 301, 302)
    assert tok.store_vocab_size == tok.input_vocab_size == tok.target_vocab_size == 303
    assert str(tok.store_dtype) == "uint16"
    assert tok.unit_name == "symbol"
    targets = np.array([0, 299, 300, 301, 302])
    assert tok.scored(targets).tolist() == [True, True, False, True, False]
    assert tok.counted(targets).tolist() == [True, True, False, False, False]
    assert tok.units(targets).tolist() == [1.0, 1.0, 0.0, 0.0, 0.0]
    inputs, out = tok.inputs_targets(np.array([[300, 5, 6, 301]]))
    assert inputs.tolist() == [[300, 5, 6]]
    assert out.tolist() == [[5, 6, 301]]
    with pytest.raises(ConfigError, match="rc_aug is for DNA only"):
        tok.reverse_complement(np.zeros((1, 3), dtype=np.int64))


def test_chunks_are_framed_and_checked() -> None:
    tok = IdTokenizer(TokenizerConfig(kind="ids", vocab_size=4))
    records = [np.array([0, 1, 2, 3, 3]), np.array([2])]
    pieces = [ids.tolist() for _, ids in tok.encode_chunks(id_chunks(records, chunk_ids=2))]
    assert pieces == [[4, 0, 1], [2, 3], [3, 5], [4, 2, 5]]
    assert np.frombuffer(tok.decode(np.array([4, 0, 1, 5])), dtype="<u4").tolist() == [0, 1]
    with pytest.raises(InputError, match=r"record seq1, position 2: symbol id 4 is not below"):
        list(tok.encode_chunks(id_chunks([np.array([1]), np.array([0, 1, 4])])))
    with pytest.raises(InputError, match="non-empty 1-D integer array"):
        list(id_chunks([np.array([], dtype=np.int64)]))


def test_write_id_store_round_trip(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    records = [rng.integers(0, 7, size=n) for n in (10, 1, 500)]
    store = write_id_store(tmp_path / "s", records, 7, names=["a", "b", "c"])
    again = TokenStore.open(tmp_path / "s")
    assert again.tokenizer_config == TokenizerConfig(kind="ids", vocab_size=7)
    assert [r.name for r in again.records] == ["a", "b", "c"]
    for record, ids in zip(store.records, records, strict=True):
        stored = again.tokens[record.offset : record.end]
        assert stored[0] == 7
        assert stored[-1] == 8
        assert stored[1:-1].tolist() == ids.tolist()
    with pytest.raises(InputError, match="symbol id 7"):
        write_id_store(tmp_path / "bad", [np.array([7])], 7)
    assert not (tmp_path / "bad").exists()
