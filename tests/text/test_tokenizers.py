"""Text tokenizers: round trips, units, vocabularies fitted on given texts only, <unk>."""

from __future__ import annotations

import io
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from genoenc.errors import ConfigError
from genoenc.io import read_text
from genoenc.tokenize import (
    UNK,
    BpeTokenizer,
    ByteTokenizer,
    CharTokenizer,
    TextVocab,
    Tokenizer,
    TokenizerConfig,
    WordTokenizer,
    build_tokenizer,
    fit_vocab,
    split_words,
    text_blocks,
)
from genoenc.tokenize.config import DEFAULT_WORD_VOCAB
from tests.helpers import sample_path

SHAKESPEARE = sample_path("tinyshakespeare.txt").read_text(encoding="utf-8")
TRAIN = SHAKESPEARE[:200_000]
MIXED = "Fée noël — naïve «café» 😀 tab\there\n  two spaces\n\nend"


def tokenizer(kind: str, texts: list[str], **kwargs: object) -> Tokenizer:
    """A tokenizer fitted on ``texts``; a word tokenizer keeps every word (no ``<unk>``)."""
    if kind == "word" and "vocab_size" not in kwargs:
        kwargs["vocab_size"] = len({word for text in texts for word in split_words(text)})
    cfg = TokenizerConfig(kind=kind, **kwargs)  # type: ignore[arg-type]
    vocab = fit_vocab(cfg, texts) if cfg.needs_vocab else None
    return build_tokenizer(cfg, vocab)


def test_every_text_tokenizer_meets_the_protocol() -> None:
    for kind in ("char", "byte", "word", "bpe"):
        tok = tokenizer(kind, [TRAIN[:20_000]])
        assert isinstance(tok, Tokenizer)
        assert tok.unit_name == "char"
        assert (tok.start_id, tok.end_id, tok.pad_id) == tuple(
            tok.store_vocab_size - 3 + i for i in range(3)
        )
        assert tok.input_vocab_size == tok.target_vocab_size == tok.store_vocab_size
        assert tok.history == 0
        with pytest.raises(ConfigError, match="rc_aug is for DNA only"):
            tok.reverse_complement(np.zeros((1, 4), dtype=np.int64))


@pytest.mark.parametrize("kind", ["char", "word", "bpe"])
def test_round_trip_of_known_text(kind: str) -> None:
    tok = tokenizer(kind, [TRAIN])
    text = TRAIN[1000:5000].encode()
    assert tok.decode(tok.encode(text)) == text


@pytest.mark.parametrize("kind", ["byte", "bpe"])
def test_byte_level_round_trips_anything(kind: str) -> None:
    tok = tokenizer(kind, [TRAIN])
    assert tok.decode(tok.encode(MIXED.encode())) == MIXED.encode()


@pytest.mark.parametrize("kind", ["char", "byte", "word", "bpe"])
def test_units_sum_to_the_characters(kind: str) -> None:
    """Without <unk>, the units of a text's tokens are its characters (END adds one)."""
    tok = tokenizer(kind, [TRAIN, MIXED])
    for text in (TRAIN[: TRAIN.index("\n", 2000) + 1], MIXED):  # whole words only
        ids = tok.encode(text.encode())
        assert tok.units(ids).sum() == len(text)
        framed = np.concatenate([[tok.start_id], ids, [tok.end_id], [tok.pad_id] * 3])
        assert tok.counted(framed).sum() == len(ids) + 1  # END counts, START/PAD never
        assert tok.units(framed)[tok.counted(framed)].sum() == len(text) + 1


def test_char_vocabulary_and_unk() -> None:
    cfg = TokenizerConfig(kind="char")
    vocab = fit_vocab(cfg, ["banana", "cab"])
    assert vocab.tokens == (UNK, "a", "b", "c", "n")  # code point order after <unk>
    tok = build_tokenizer(cfg, vocab)
    assert isinstance(tok, CharTokenizer)
    assert tok.encode(b"cabz").tolist() == [3, 1, 2, 0]  # z was never seen: <unk>
    assert tok.units(np.array([0, 1])).tolist() == [1.0, 1.0]
    top2 = fit_vocab(TokenizerConfig(kind="char", vocab_size=2), ["banana", "cab"])
    assert top2.tokens == (UNK, "a", "b")  # the most frequent (b, n tie: by string)


def test_word_vocabulary_is_the_most_frequent_of_the_given_texts() -> None:
    train = ["the cat saw the dog. the cat ran", "a dog"]
    cfg = TokenizerConfig(kind="word", vocab_size=50)
    with pytest.raises(ConfigError) as info:
        fit_vocab(cfg, train, where="x.txt")
    message = str(info.value)
    assert "tokenizer.vocab_size 50 is larger than the 8 distinct words" in message
    assert "x.txt" in message
    assert "--vocab-size" in message
    words = [word for text in train for word in split_words(text)]
    vocab = fit_vocab(TokenizerConfig(kind="word", vocab_size=50), [SHAKESPEARE[:50_000]])
    assert len(vocab) == 51
    assert vocab.tokens[0] == UNK
    counts = Counter(split_words(SHAKESPEARE[:50_000]))
    ranked = sorted(counts, key=lambda word: (-counts[word], word))
    assert vocab.tokens[1:] == tuple(ranked[:50])  # by frequency, ties by string
    full = fit_vocab(TokenizerConfig(kind="word"), train)
    assert set(full.tokens[1:]) == set(words)
    assert full.tokens[1:4] == (" cat", " dog", " the")  # twice each: ties by string


def test_default_word_vocabulary_keeps_the_most_frequent_4096() -> None:
    counts = Counter(split_words(SHAKESPEARE))
    assert len(counts) > DEFAULT_WORD_VOCAB == 4096  # the text has more words than the cap
    ranked = sorted(counts, key=lambda word: (-counts[word], word))
    vocab = fit_vocab(TokenizerConfig(kind="word"), [SHAKESPEARE])
    assert vocab.tokens[1:] == tuple(ranked[:DEFAULT_WORD_VOCAB])
    assert vocab.stats["train_oov_tokens"] == sum(counts[w] for w in ranked[DEFAULT_WORD_VOCAB:])
    # an explicit size above the default is kept
    assert len(fit_vocab(TokenizerConfig(kind="word", vocab_size=6000), [SHAKESPEARE])) == 6001


def test_word_unk_counts_the_mean_unknown_length() -> None:
    texts = ["aa aa aa bbb cccc"]  # aa x3, then ' aa' x2, ' bbb', ' cccc'
    vocab = fit_vocab(TokenizerConfig(kind="word", vocab_size=50), [SHAKESPEARE[:40_000]])
    tok = build_tokenizer(TokenizerConfig(kind="word", vocab_size=50), vocab)
    assert isinstance(tok, WordTokenizer)
    oov = [w for w in split_words(SHAKESPEARE[:40_000]) if w not in set(vocab.tokens)]
    assert tok.units(np.array([0]))[0] == pytest.approx(np.mean([len(w) for w in oov]))
    ids = tok.encode(b" zzzzqx,")
    assert ids.tolist() == [0, vocab.tokens.index(",")]
    assert split_words(texts[0]) == ["aa", " aa", " aa", " bbb", " cccc"]


def test_split_words_is_lossless() -> None:
    for text in (SHAKESPEARE[:30_000], MIXED, "  \n\t x  ", ""):
        assert "".join(split_words(text)) == text


def test_bpe_is_fitted_locally_and_deterministic() -> None:
    cfg = TokenizerConfig(kind="bpe", vocab_size=400)
    one = fit_vocab(cfg, [TRAIN])
    two = fit_vocab(cfg, [TRAIN])
    assert one == two
    assert len(one) == 400
    tok = build_tokenizer(cfg, one)
    assert isinstance(tok, BpeTokenizer)
    ids = tok.encode(TRAIN[:3000].encode())
    assert len(ids) < 3000 * 0.6  # merges shorten the text
    # A token holding only the tail of a multi-byte character covers 0 characters.
    byte_tok = build_tokenizer(TokenizerConfig(kind="byte"))
    assert isinstance(byte_tok, ByteTokenizer)
    assert byte_tok.units(byte_tok.encode("é".encode())).tolist() == [1.0, 0.0]


def test_vocab_save_load_and_mismatch(tmp_path: Path) -> None:
    for kind in ("char", "word", "bpe"):
        cfg = TokenizerConfig(kind=kind)
        vocab = fit_vocab(cfg, [TRAIN[:30_000]])
        vocab.save(tmp_path / f"{kind}.json")
        loaded = TextVocab.load(tmp_path / f"{kind}.json")
        assert loaded == vocab
        again = build_tokenizer(cfg, loaded)
        assert (
            again.encode(b"To be").tolist() == build_tokenizer(cfg, vocab).encode(b"To be").tolist()
        )
    with pytest.raises(ConfigError, match="needs a vocabulary fitted on the train split"):
        build_tokenizer(TokenizerConfig(kind="word"))
    char_vocab = fit_vocab(TokenizerConfig(kind="char"), ["abc"])
    with pytest.raises(ConfigError, match="fitted for kind 'char'"):
        build_tokenizer(TokenizerConfig(kind="word"), char_vocab)


@pytest.mark.parametrize("kind", ["char", "byte", "word", "bpe"])
def test_chunked_reading_gives_the_same_ids(kind: str) -> None:
    tok = tokenizer(kind, [TRAIN])
    data = (SHAKESPEARE[:20_000] + MIXED).encode()
    whole = tok.encode(data)
    for chunk_size in (7, 1000):
        pieces = [
            ids for _, ids in tok.encode_chunks(read_text(io.BytesIO(data), chunk_size=chunk_size))
        ]
        joined = np.concatenate(pieces)
        assert joined[0] == tok.start_id
        assert joined[-1] == tok.end_id
        assert joined[1:-1].tolist() == whole.tolist()


def test_text_blocks_and_encode_blocks() -> None:
    data = SHAKESPEARE[:5000].encode()
    blocks = list(text_blocks(read_text(io.BytesIO(data), chunk_size=333), 200))
    assert "".join(b.text for b in blocks).encode() == data
    assert all(len(b.text.encode()) <= 200 for b in blocks)
    assert [b.first for b in blocks] == [True] + [False] * (len(blocks) - 1)
    assert [b.last for b in blocks] == [False] * (len(blocks) - 1) + [True]
    # Cut before a whitespace run: no block but the last ends inside a word.
    assert all(
        not b.text[-1].isspace() and blocks[i + 1].text[0].isspace()
        for i, b in enumerate(blocks[:-1])
        if not b.text[-1].isspace()
    )
    for kind in ("char", "word"):
        tok = tokenizer(kind, [TRAIN])
        pieces = list(tok.encode_blocks(read_text(io.BytesIO(data)), 202))  # type: ignore[attr-defined]
        assert len(pieces) == len(blocks)
        assert all(len(ids) == 202 for _, ids in pieces)
        assert pieces[0][1][0] == tok.start_id
        last = pieces[-1][1]
        assert tok.end_id in last.tolist()
        assert (last[last.tolist().index(tok.end_id) + 1 :] == tok.pad_id).all()


def test_config_checks_name_the_field() -> None:
    cases = [
        ({"kind": "word", "k": 3}, "tokenizer.k applies to kind 'dna' only"),
        ({"kind": "char", "stride": 2}, "tokenizer.stride applies to kind 'dna' only"),
        ({"kind": "word", "vocab_size": 60_000}, "tokenizer.vocab_size must be in 50..50000"),
        ({"kind": "byte", "vocab_size": 300}, "does not apply to kind 'byte'"),
        ({"kind": "dna", "vocab_size": 300}, "does not apply to kind 'dna'"),
        ({"kind": "ids"}, "tokenizer.vocab_size must be in 1..65533 for kind 'ids'"),
        ({"kind": "dna", "lowercase": True}, "tokenizer.lowercase applies to text kinds only"),
        ({"kind": "bpe", "vocab_size": 100}, "tokenizer.vocab_size must be in 257..50000"),
    ]
    for kwargs, message in cases:
        with pytest.raises(ConfigError, match=message):
            TokenizerConfig(**kwargs)  # type: ignore[arg-type]
    bpe = TokenizerConfig(kind="bpe")
    assert bpe.vocab_size == 4096
    assert bpe.stride == 1
    for cfg in (bpe, TokenizerConfig(kind="word", vocab_size=100, lowercase=True)):
        assert TokenizerConfig.from_dict(cfg.to_dict()) == cfg


def test_lowercase_folds_case() -> None:
    cfg = TokenizerConfig(kind="char", lowercase=True)
    tok = build_tokenizer(cfg, fit_vocab(cfg, ["abc"]))
    assert tok.encode(b"ABC").tolist() == [1, 2, 3]
