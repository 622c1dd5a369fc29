"""Text vocabularies fitted on the train split: characters, words and byte-level BPE.

A :class:`TextVocab` is data (it is saved as ``RUN/vocab.json`` and reloaded by
``genoenc eval``): the token strings in id order, or for BPE the Hugging Face
``tokenizers`` model as its JSON text. :func:`fit_vocab` builds one from the texts of
the train split; choosing those texts is the trainer's business (the split rule lives
in the data layer), so nothing here knows about splits.

Words (:func:`split_words`) are lossless: a word or punctuation character carries the
single space or tab before it (`` the``), a newline is a token of its own and other
whitespace runs are tokens too, so joining the words of a text gives the text back and
every character of it belongs to exactly one token.
"""

from __future__ import annotations

import json
import logging
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from genoenc.errors import ConfigError, FileFormatError, naming_os_errors
from genoenc.tokenize.config import DEFAULT_WORD_VOCAB, MAX_TEXT_VOCAB, TokenizerConfig

__all__ = [
    "UNK",
    "VOCAB_FILE",
    "TextVocab",
    "byte_level_bytes",
    "fit_vocab",
    "lead_bytes",
    "split_words",
]

logger = logging.getLogger(__name__)

#: The unknown-token string of the char and word vocabularies (always id 0).
UNK = "<unk>"
#: The file a run directory keeps its fitted vocabulary in.
VOCAB_FILE = "vocab.json"
_FORMAT = "genoenc-vocab"
_SCHEMA_VERSION = 1

# A newline; a word (letters, digits, _) or one punctuation character, each with the
# single space/tab before it; any other run of non-newline whitespace, less its last
# character when a word follows (that one belongs to the word, as in GPT-2).
_WORD_RE = re.compile(r"\n|[^\S\n]?\w+|[^\S\n]?[^\w\s]|[^\S\n]+(?!\S)|[^\S\n]+")


def split_words(text: str) -> list[str]:
    """Split text into words, punctuation and whitespace, losing nothing.

    >>> split_words("Hi, you.\\n  ok")
    ['Hi', ',', ' you', '.', '\\n', ' ', ' ok']
    >>> "".join(split_words(" = Valkyria = \\n")) == " = Valkyria = \\n"
    True
    """
    return _WORD_RE.findall(text)


@cache
def _byte_level_table() -> dict[str, int]:
    """The GPT-2 byte-level alphabet: the printable character standing for each byte."""
    printable = [
        *range(ord("!"), ord("~") + 1),
        *range(ord("¡"), ord("¬") + 1),
        *range(ord("®"), ord("ÿ") + 1),
    ]
    chars = list(printable)
    extra = 0
    for byte in range(256):
        if byte not in printable:
            printable.append(byte)
            chars.append(256 + extra)
            extra += 1
    return {chr(char): byte for byte, char in zip(printable, chars, strict=True)}


def byte_level_bytes(token: str) -> bytes:
    """The bytes a byte-level BPE token stands for.

    >>> byte_level_bytes("Ġthe"), byte_level_bytes("Ċ")
    (b' the', b'\\n')
    """
    table = _byte_level_table()
    return bytes(table[char] for char in token)


@dataclass(frozen=True, kw_only=True)
class TextVocab:
    """A vocabulary fitted on the train split.

    Attributes:
        kind: ``"char"``, ``"word"`` or ``"bpe"``.
        tokens: The token strings in id order. For char and word, ``tokens[0]`` is
            :data:`UNK`; for BPE they are byte-level strings (see :func:`byte_level_bytes`).
        unk_units: Characters an ``<unk>`` target counts for bits per character: 1 for
            char; for word the mean length of the train split's out-of-vocabulary words
            (their true lengths are not kept in the ids); 0 for BPE (never unknown).
        bpe_json: The Hugging Face ``tokenizers`` model (BPE only), as JSON text.
        lowercase: Whether texts were lowercased before fitting.
        stats: How it was fitted: train characters and distinct types seen.
    """

    kind: str
    tokens: tuple[str, ...]
    unk_units: float = 1.0
    bpe_json: str | None = None
    lowercase: bool = False
    stats: Mapping[str, int] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.tokens)

    def to_json(self) -> dict[str, Any]:
        """Plain JSON-ready data (the content of ``vocab.json``)."""
        return {
            "format": _FORMAT,
            "schema_version": _SCHEMA_VERSION,
            "kind": self.kind,
            "lowercase": self.lowercase,
            "size": len(self.tokens),
            "unk_units": self.unk_units,
            "stats": dict(self.stats),
            "tokens": list(self.tokens),
            "bpe": json.loads(self.bpe_json) if self.bpe_json is not None else None,
        }

    @classmethod
    def from_json(cls, data: Any, where: str = VOCAB_FILE) -> TextVocab:
        """Rebuild a vocabulary from :meth:`to_json` output.

        Raises:
            FileFormatError: ``data`` is not a genoenc vocabulary of this schema version.
        """
        if not isinstance(data, dict) or data.get("format") != _FORMAT:
            raise FileFormatError(where, f"not a genoenc vocabulary (no format {_FORMAT!r})")
        if data.get("schema_version") != _SCHEMA_VERSION:
            raise FileFormatError(
                where,
                f"vocabulary schema_version {data.get('schema_version')!r}, "
                f"this genoenc reads {_SCHEMA_VERSION}",
            )
        try:
            tokens = tuple(str(token) for token in data["tokens"])
            bpe = data.get("bpe")
            return cls(
                kind=str(data["kind"]),
                tokens=tokens,
                unk_units=float(data["unk_units"]),
                bpe_json=json.dumps(bpe) if bpe is not None else None,
                lowercase=bool(data["lowercase"]),
                stats={str(k): int(v) for k, v in data.get("stats", {}).items()},
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise FileFormatError(where, f"malformed vocabulary ({exc})") from None

    def save(self, path: str | Path) -> None:
        """Write :meth:`to_json` to ``path`` (a temporary name, then renamed)."""
        path = Path(path)
        temp = path.with_name(f".{path.name}.tmp")
        try:
            with naming_os_errors(path):  # a full disk names no file by itself
                temp.write_text(
                    json.dumps(self.to_json(), ensure_ascii=False) + "\n", encoding="utf-8"
                )
                temp.replace(path)
        except BaseException:
            temp.unlink(missing_ok=True)
            raise

    @classmethod
    def load(cls, path: str | Path) -> TextVocab:
        """Read a vocabulary written by :meth:`save`.

        Raises:
            FileFormatError: The file is missing, not JSON, or not a vocabulary.
        """
        path = Path(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise FileFormatError(path, f"cannot read the vocabulary ({exc.strerror})") from None
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise FileFormatError(path, f"not valid JSON ({exc})") from None
        return cls.from_json(data, str(path))

    def check(self, cfg: TokenizerConfig) -> None:
        """Raise ConfigError if the vocabulary was not fitted for ``cfg``'s kind and case."""
        if self.kind != cfg.kind or self.lowercase != cfg.lowercase:
            raise ConfigError(
                f"the vocabulary was fitted for kind {self.kind!r} (lowercase "
                f"{self.lowercase}), the tokenizer is kind {cfg.kind!r} (lowercase {cfg.lowercase})"
            )


def fit_vocab(cfg: TokenizerConfig, texts: Iterable[str], *, where: str = "text") -> TextVocab:
    """Fit the vocabulary of a char, word or BPE tokenizer on the train split's texts.

    Args:
        cfg: The tokenizer config (``kind``, ``vocab_size``, ``lowercase``).
        texts: The train split's texts, already lowercased if ``cfg.lowercase``.
        where: The inputs, named in error messages.

    Returns:
        The vocabulary. Char: the characters (the ``vocab_size`` most frequent, or all),
        ordered by code point, after ``<unk>``. Word: the ``vocab_size`` most frequent
        words (ties by string) after ``<unk>``; ``None`` takes the 4,096 most frequent
        (every word if there are fewer). BPE: byte-level BPE of at most ``vocab_size`` tokens.

    Raises:
        ConfigError: ``vocab_size`` is larger than the distinct characters or words of
            the train split, or the train split holds no text.
    """
    if cfg.kind == "bpe":
        return _fit_bpe(cfg, texts, where)
    counts: Counter[str] = Counter()
    n_chars = 0
    for text in texts:
        n_chars += len(text)
        counts.update(text if cfg.kind == "char" else split_words(text))
    if not counts:
        raise ConfigError(f"{where}: the train split holds no text to fit the vocabulary on")
    unit = "characters" if cfg.kind == "char" else "words"
    size = cfg.vocab_size
    if size is not None and size > len(counts):
        raise ConfigError(
            f"tokenizer.vocab_size {size:,} is larger than the {len(counts):,} distinct {unit} "
            f"of the train split of {where}; lower --vocab-size"
        )
    if size is None:
        size = min(len(counts), MAX_TEXT_VOCAB if cfg.kind == "char" else DEFAULT_WORD_VOCAB)
        if size < len(counts):
            logger.info(
                "%s: keeping the %s most frequent of %s %s (--vocab-size sets how many)",
                where,
                f"{size:,}",
                f"{len(counts):,}",
                unit,
            )
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    kept = [token for token, _ in ranked[:size]]
    dropped = ranked[size:]
    oov_tokens = sum(count for _, count in dropped)
    if cfg.kind == "char":
        kept.sort()
        unk_units = 1.0
    else:
        oov_chars = sum(len(token) * count for token, count in dropped)
        unk_units = oov_chars / oov_tokens if oov_tokens else 1.0
    return TextVocab(
        kind=cfg.kind,
        tokens=(UNK, *kept),
        unk_units=float(unk_units),
        lowercase=cfg.lowercase,
        stats={"train_chars": n_chars, "distinct": len(counts), "train_oov_tokens": oov_tokens},
    )


def _fit_bpe(cfg: TokenizerConfig, texts: Iterable[str], where: str) -> TextVocab:
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    assert cfg.vocab_size is not None  # resolved by TokenizerConfig
    kept: list[str] = []
    n_chars = 0
    for text in texts:
        kept.append(text)
        n_chars += len(text)
    if not n_chars:
        raise ConfigError(f"{where}: the train split holds no text to fit the vocabulary on")
    hf = Tokenizer(models.BPE())
    hf.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    hf.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=cfg.vocab_size,
        min_frequency=2,
        show_progress=False,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        special_tokens=[],
    )
    hf.train_from_iterator(kept, trainer=trainer)
    vocab = hf.get_vocab()
    tokens = [""] * len(vocab)
    for token, index in vocab.items():
        tokens[index] = token
    if len(tokens) < cfg.vocab_size:
        logger.info(
            "%s: BPE learned %d tokens (asked for %d): no pair is frequent enough for more",
            where,
            len(tokens),
            cfg.vocab_size,
        )
    return TextVocab(
        kind="bpe",
        tokens=tuple(tokens),
        unk_units=0.0,
        bpe_json=json.dumps(json.loads(hf.to_str())),  # the form to_json/from_json keep
        lowercase=cfg.lowercase,
        stats={"train_chars": n_chars, "distinct": len(tokens), "train_oov_tokens": 0},
    )


def lead_bytes(data: bytes) -> int:
    """Characters that start in ``data``: bytes that are not UTF-8 continuation bytes.

    >>> lead_bytes("é".encode()), lead_bytes("é".encode()[1:]), lead_bytes(b"ab")
    (1, 0, 2)
    """
    array = np.frombuffer(data, dtype=np.uint8)
    return int(np.count_nonzero((array & 0xC0) != 0x80))
