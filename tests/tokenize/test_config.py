from __future__ import annotations

import pytest

from genoenc.errors import ConfigError
from genoenc.tokenize import KmerTokenizer, Tokenizer, TokenizerConfig, build_tokenizer


def test_stride_defaults_to_k_and_configs_compare_equal() -> None:
    assert TokenizerConfig(k=4).stride == 4
    assert TokenizerConfig(k=4) == TokenizerConfig(k=4, stride=4)
    assert TokenizerConfig(k=4).step == 4
    assert TokenizerConfig(k=4, stride=1).step == 1


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"k": 13}, "tokenizer.k must be in 1..12 (got 13)"),
        ({"k": 0}, "tokenizer.k must be in 1..12 (got 0)"),
        ({"k": True}, "tokenizer.k must be in 1..12 (got True)"),
        ({"k": 2.0}, "tokenizer.k must be in 1..12 (got 2.0)"),
        ({"k": 3, "stride": 2}, "tokenizer.stride must be 1 or k=3 (got 2)"),
        ({"k": 3, "stride": 0}, "tokenizer.stride must be 1 or k=3 (got 0)"),
        (
            {"kind": "protein"},
            "tokenizer.kind must be one of dna, char, byte, word, bpe, ids (got 'protein')",
        ),
    ],
)
def test_bad_fields_name_the_field(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError) as info:
        TokenizerConfig(**kwargs)  # type: ignore[arg-type]
    assert str(info.value) == message


def test_dict_round_trip_and_unknown_key() -> None:
    cfg = TokenizerConfig(k=5, stride=1)
    assert TokenizerConfig.from_dict(cfg.to_dict()) == cfg
    with pytest.raises(ConfigError, match=r"tokenizer\.size is not a tokenizer option"):
        TokenizerConfig.from_dict({"k": 2, "size": 3})


@pytest.mark.parametrize(
    ("k", "stride", "store", "dtype", "target", "history", "per_target"),
    [
        (1, 1, 8, "uint8", 8, 0, 1),
        (3, 3, 68, "uint8", 68, 0, 3),
        (4, 4, 260, "uint16", 260, 0, 4),
        (7, 7, 16388, "uint16", 16388, 0, 7),
        (8, 8, 65540, "uint32", 65540, 0, 8),
        (6, 1, 8, "uint8", 8, 5, 1),
        (12, 1, 8, "uint8", 8, 11, 1),
    ],
)
def test_vocabulary_sizes(
    k: int, stride: int, store: int, dtype: str, target: int, history: int, per_target: int
) -> None:
    tok = build_tokenizer(TokenizerConfig(k=k, stride=stride))
    assert isinstance(tok, KmerTokenizer)
    assert isinstance(tok, Tokenizer)
    assert tok.store_vocab_size == store
    assert str(tok.store_dtype) == dtype
    assert tok.input_vocab_size == 4**k + 4
    assert tok.target_vocab_size == target
    assert tok.history == history
    assert tok.bases_per_target == per_target
    specials = [tok.n_id, tok.start_id, tok.end_id, tok.pad_id]
    assert specials == list(range(store - 4, store))


def test_single_base_vocabulary_is_the_design_order() -> None:
    tok = build_tokenizer(TokenizerConfig())
    assert isinstance(tok, KmerTokenizer)
    assert tok.encode(b"ATCGN").tolist() == [0, 1, 2, 3, 4]
    assert (tok.n_id, tok.start_id, tok.end_id, tok.pad_id) == (4, 5, 6, 7)
