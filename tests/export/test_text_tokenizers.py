"""Exported text vocabularies give genoenc's ids (``tokenizer.json`` through ``tokenizers``)."""

from __future__ import annotations

import pytest

from genoenc.errors import ConfigError
from genoenc.export import SPECIAL_TOKENS, build_hf_tokenizer
from genoenc.tokenize import TokenizerConfig, build_tokenizer, fit_vocab
from tests.helpers import sample_path

TEXT = sample_path("tinyshakespeare.txt").read_text(encoding="utf-8")
TRAIN, HELD_OUT = TEXT[:30_000], TEXT[200_000:206_000] + " ünïcödé\tdone\n\n  x"


@pytest.mark.parametrize(
    "config",
    [
        TokenizerConfig(kind="byte"),
        TokenizerConfig(kind="char"),
        TokenizerConfig(kind="char", lowercase=True),
        TokenizerConfig(kind="word", vocab_size=500),
        TokenizerConfig(kind="bpe", vocab_size=400),
    ],
    ids=lambda c: f"{c.kind}{'-lc' if c.lowercase else ''}",
)
def test_text_ids_match_genoenc(config: TokenizerConfig) -> None:
    vocab = (
        None
        if config.kind == "byte"
        else fit_vocab(config, [TRAIN.lower() if config.lowercase else TRAIN])
    )
    tokenizer = build_tokenizer(config, vocab)
    hf = build_hf_tokenizer(tokenizer).tokenizer
    want = tokenizer.encode(HELD_OUT.encode()).tolist()
    assert hf.encode(HELD_OUT).ids == want
    if config.kind in ("char", "word"):
        assert 0 in want  # the held-out text has unknown tokens, and both map them to <unk>
    specials = [hf.token_to_id(token) for token in SPECIAL_TOKENS]
    assert specials == [tokenizer.start_id, tokenizer.end_id, tokenizer.pad_id]
    assert hf.get_vocab_size() == tokenizer.store_vocab_size


@pytest.mark.parametrize(("k", "stride"), [(1, 1), (2, 2), (4, 4), (3, 1)])
def test_dna_ids_match_genoenc(k: int, stride: int) -> None:
    tokenizer = build_tokenizer(TokenizerConfig(k=k, stride=stride))
    hf = build_hf_tokenizer(tokenizer).tokenizer
    seq = "ACGTNacgtnUuRYKMSWBDHV-." * 5  # every accepted character
    seq = seq[: len(seq) - len(seq) % k]
    assert hf.encode(seq).ids == tokenizer.encode(seq.encode()).tolist()


def test_kmers_beyond_the_export_limit_are_refused() -> None:
    with pytest.raises(ConfigError, match="k-mer vocabularies up to k=8"):
        build_hf_tokenizer(build_tokenizer(TokenizerConfig(k=9)))
