"""genoenc's vocabularies as Hugging Face ``tokenizers`` objects (``tokenizer.json``).

The ids are genoenc's store ids: DNA ``A=0, T=1, C=2, G=3, N=4`` then START, END, PAD
(``[START]``, ``[END]``, ``[PAD]``: BOS, EOS and PAD; N is the unknown token), k-mers
their base-4 numbers, text vocabularies their fitted ids with the three specials after
them. Nothing is added automatically: a sequence read from its start is
``[START]`` + its tokens, exactly as genoenc frames a record.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from typing import Any

from tokenizers import Regex, decoders, models, normalizers, pre_tokenizers
from tokenizers import Tokenizer as HfTokenizer

from genoenc.errors import ConfigError
from genoenc.tokenize import TextVocab, Tokenizer
from genoenc.tokenize.textvocab import _WORD_RE, UNK, _byte_level_table
from genoenc.tokenize.vocab import BASES, DNA_VOCAB, START, N

__all__ = ["MAX_EXPORT_K", "SPECIAL_TOKENS", "HfVocab", "build_hf_tokenizer"]

#: Names of START, END and PAD in every exported vocabulary (BOS, EOS, PAD).
SPECIAL_TOKENS: tuple[str, str, str] = ("[START]", "[END]", "[PAD]")
#: Largest k whose k-mer vocabulary (4**k + 4 strings) is written to tokenizer.json.
MAX_EXPORT_K = 8


@dataclass(frozen=True)
class HfVocab:
    """A ``tokenizers`` tokenizer and what ``tokenizer_config.json`` says about it.

    Attributes:
        tokenizer: The tokenizer (its ids are genoenc's store ids).
        unk_token: The unknown token, or ``None`` (byte, BPE).
        note: One line for the model card on how input text is read.
    """

    tokenizer: HfTokenizer
    unk_token: str | None
    note: str


def _dna_normalizer() -> normalizers.Normalizer:
    # genoenc's table: lowercase (soft-masked) bases keep their id, U reads as T, and
    # whitespace is not sequence. Every other character is unknown, i.e. N (genoenc maps
    # IUPAC codes to N too, and rejects other bytes where this reads them as N).
    steps: list[normalizers.Normalizer] = [normalizers.Replace(Regex(r"\s+"), "")]
    steps += [normalizers.Replace(chr(base + 32), chr(base)) for base in BASES]
    steps += [normalizers.Replace("U", "T"), normalizers.Replace("u", "T")]
    return normalizers.Sequence(steps)


def _dna(k: int, kmer_tokens: bool) -> HfVocab:
    if not kmer_tokens:
        vocab = {token: i for i, token in enumerate(DNA_VOCAB[:START])}
        model = models.WordLevel(vocab, unk_token=DNA_VOCAB[N])
        split = pre_tokenizers.Split(Regex("."), behavior="isolated")
        unk = DNA_VOCAB[N]
        note = "one token per base; any character other than ACGTU (either case) reads as N"
    else:
        if k > MAX_EXPORT_K:
            raise ConfigError(
                f"tokenizer.k is {k}: the export writes k-mer vocabularies up to "
                f"k={MAX_EXPORT_K} ({4**MAX_EXPORT_K + 4:,} tokens)"
            )
        letters = BASES.decode()
        vocab = {"".join(kmer): i for i, kmer in enumerate(itertools.product(letters, repeat=k))}
        unk = DNA_VOCAB[N] * k
        vocab[unk] = len(vocab)
        model = models.WordLevel(vocab, unk_token=unk)
        split = pre_tokenizers.Split(Regex(f".{{1,{k}}}"), behavior="isolated")
        note = (
            f"non-overlapping {k}-mers from the first base; a {k}-mer holding anything but "
            f"ACGT reads as {unk}; a trailing partial {k}-mer also reads as {unk} (genoenc "
            "drops it: trim sequences to a multiple of k)"
        )
    tokenizer = HfTokenizer(model)
    tokenizer.normalizer = _dna_normalizer()
    tokenizer.pre_tokenizer = split
    tokenizer.decoder = decoders.Fuse()
    return HfVocab(tokenizer, unk, note)


def _byte() -> HfVocab:
    chars = {byte: char for char, byte in _byte_level_table().items()}
    vocab = {chars[byte]: byte for byte in range(256)}
    tokenizer = HfTokenizer(models.BPE(vocab, [], fuse_unk=False))
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)
    tokenizer.decoder = decoders.ByteLevel()
    return HfVocab(tokenizer, None, "one token per UTF-8 byte")


def _char(vocab: TextVocab) -> HfVocab:
    ids = {token: i for i, token in enumerate(vocab.tokens)}
    # BPE without merges splits text into characters and looks each one up.
    tokenizer = HfTokenizer(models.BPE(ids, [], unk_token=UNK, fuse_unk=False))
    tokenizer.decoder = decoders.Fuse()
    return HfVocab(tokenizer, UNK, "one token per character of the train split; others <unk>")


def _word(vocab: TextVocab) -> HfVocab:
    ids = {token: i for i, token in enumerate(vocab.tokens)}
    tokenizer = HfTokenizer(models.WordLevel(ids, unk_token=UNK))
    tokenizer.pre_tokenizer = pre_tokenizers.Split(Regex(_WORD_RE.pattern), behavior="isolated")
    tokenizer.decoder = decoders.Fuse()
    return HfVocab(tokenizer, UNK, "words of the train split (genoenc's split_words); others <unk>")


def _bpe(vocab: TextVocab) -> HfVocab:
    assert vocab.bpe_json is not None  # BpeTokenizer checked it
    tokenizer = HfTokenizer.from_str(vocab.bpe_json)
    return HfVocab(tokenizer, None, "byte-level BPE trained on the train split")


def build_hf_tokenizer(tokenizer: Tokenizer) -> HfVocab:
    """The ``tokenizers`` twin of a genoenc tokenizer, with START, END and PAD added.

    Raises:
        ConfigError: The kind cannot be exported (``ids``: no text to tokenize), or k-mers
            longer than :data:`MAX_EXPORT_K`.
    """
    cfg = tokenizer.config
    if cfg.kind == "dna":
        kmer_tokens = cfg.k > 1 and cfg.step == cfg.k
        built = _dna(cfg.k, kmer_tokens)
    elif cfg.kind == "byte":
        built = _byte()
    elif cfg.kind in ("char", "word", "bpe"):
        vocab = getattr(tokenizer, "vocab", None)
        assert isinstance(vocab, TextVocab)
        built = {"char": _char, "word": _word, "bpe": _bpe}[cfg.kind](vocab)
    else:
        raise ConfigError(
            f"tokenizer.kind {cfg.kind!r} has no text form to export (synthetic symbol ids)"
        )
    if cfg.is_text and cfg.lowercase:
        built.tokenizer.normalizer = normalizers.Lowercase()
    hf = built.tokenizer
    added = hf.add_special_tokens(list(SPECIAL_TOKENS))
    got = [hf.token_to_id(token) for token in SPECIAL_TOKENS]
    want = [tokenizer.start_id, tokenizer.end_id, tokenizer.pad_id]
    if added != len(SPECIAL_TOKENS) or got != want:
        raise ConfigError(f"special tokens got ids {got}, genoenc uses {want}")
    return built


def tokenizer_config(built: HfVocab, context: int) -> dict[str, Any]:
    """The content of ``tokenizer_config.json`` for ``AutoTokenizer``."""
    start, end, pad = SPECIAL_TOKENS
    config: dict[str, Any] = {
        "tokenizer_class": "PreTrainedTokenizerFast",
        "bos_token": start,
        "eos_token": end,
        "pad_token": pad,
        "model_max_length": context,
        "padding_side": "right",
        "clean_up_tokenization_spaces": False,
    }
    if built.unk_token is not None:
        config["unk_token"] = built.unk_token
    return config


def special_tokens_map(built: HfVocab) -> dict[str, str]:
    """The content of ``special_tokens_map.json``."""
    start, end, pad = SPECIAL_TOKENS
    specials = {"bos_token": start, "eos_token": end, "pad_token": pad}
    if built.unk_token is not None:
        specials["unk_token"] = built.unk_token
    return specials


def tokenizer_json(built: HfVocab) -> str:
    """``tokenizer.json`` text (pretty-printed)."""
    return json.dumps(json.loads(built.tokenizer.to_str()), indent=2, ensure_ascii=False) + "\n"
