"""``TokenizerConfig``: which tokenizer turns sequence bytes (or symbol ids) into ids."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any

from genoenc.errors import ConfigError, is_int

__all__ = [
    "DEFAULT_BPE_VOCAB",
    "DEFAULT_WORD_VOCAB",
    "MAX_ID_VOCAB",
    "MAX_K",
    "MAX_TEXT_VOCAB",
    "MIN_WORD_VOCAB",
    "STORE_KINDS",
    "TEXT_KINDS",
    "TOKENIZER_KINDS",
    "VOCAB_KINDS",
    "TokenizerConfig",
    "tokenizer_label",
]

#: Tokenizer kinds :func:`genoenc.tokenize.build_tokenizer` knows.
TOKENIZER_KINDS: tuple[str, ...] = ("dna", "char", "byte", "word", "bpe", "ids")
#: The kinds that read text (UTF-8) and report bits per character.
TEXT_KINDS: tuple[str, ...] = ("char", "byte", "word", "bpe")
#: The text kinds whose vocabulary is fitted on the train split (saved as ``vocab.json``).
VOCAB_KINDS: tuple[str, ...] = ("char", "word", "bpe")
#: The kinds a token store is written with alone (no vocabulary fitted on a split first).
STORE_KINDS: tuple[str, ...] = ("dna", "byte")
#: Largest k-mer length: ``4**12 + 4`` ids still fit a uint32 store and a sane embedding.
MAX_K = 12
#: Word vocabularies hold 50 .. 50,000 words (vocabulary-scaling studies span this range).
MIN_WORD_VOCAB = 50
MAX_TEXT_VOCAB = 50_000
#: BPE vocabulary when none is given: byte alphabet plus about 3,800 merges.
DEFAULT_BPE_VOCAB = 4096
#: Word vocabulary when none is given: the 4,096 most frequent words of the train split
#: (every word if it holds fewer). Measured on tinyshakespeare (docs/defaults.md, section 4):
#: with every word (13,888) the default run stayed above the word count table; with 4,096
#: it beats it.
DEFAULT_WORD_VOCAB = 4096
#: Largest symbol alphabet of the ``ids`` kind: with START, END and PAD its ids stay
#: within the 2**16 ids the Markov references count.
MAX_ID_VOCAB = (1 << 16) - 3
# Byte-level BPE starts from the 256 byte tokens; below 257 it learns no merge at all.
_MIN_BPE_VOCAB = 257


@dataclass(frozen=True, kw_only=True)
class TokenizerConfig:
    """How sequence bytes become token ids.

    Attributes:
        kind: ``"dna"``: the fixed DNA vocabulary, single bases or k-mers. Text
            (UTF-8, bits per character): ``"char"`` (the characters of the train
            split plus ``<unk>``), ``"byte"`` (the 256 byte values), ``"word"`` (the
            ``vocab_size`` most frequent words of the train split plus ``<unk>``) and
            ``"bpe"`` (byte-level BPE trained on the train split). ``"ids"``:
            synthetic symbols ``0 .. vocab_size - 1`` read from a token store.
        k: Bases per token, 1..12 (``k=1`` is the single-base vocabulary); DNA only,
            1 for every other kind.
        stride: Step between consecutive k-mers: ``k`` (non-overlapping, predicts the
            next k-mer) or ``1`` (overlapping, predicts the next base). ``None`` means
            ``k``; after construction it always holds an int (1 for non-DNA kinds).
        vocab_size: Size of the fitted vocabulary, specials not counted: words (50 ..
            50,000; ``None``: the 4,096 most frequent words of the train split, or every
            word if it holds fewer),
            characters (``None``: all of them), BPE tokens (257 .. 50,000, default
            4,096) or ``ids`` symbols (required, 1 .. 65,533). Not used by ``dna`` and
            ``byte``.
        lowercase: Lowercase text before tokenizing (text kinds only).

    Raises:
        ConfigError: A field is out of range; the message names it, e.g.
            ``tokenizer.k must be in 1..12 (got 13)``.

    >>> TokenizerConfig(k=3)
    TokenizerConfig(kind='dna', k=3, stride=3, vocab_size=None, lowercase=False)
    >>> TokenizerConfig(k=3, stride=2)
    Traceback (most recent call last):
    ...
    genoenc.errors.ConfigError: tokenizer.stride must be 1 or k=3 (got 2)
    >>> TokenizerConfig(kind="word", vocab_size=10)
    Traceback (most recent call last):
    ...
    genoenc.errors.ConfigError: tokenizer.vocab_size must be in 50..50000 for kind 'word' (got 10)
    """

    kind: str = "dna"
    k: int = 1
    stride: int | None = None
    vocab_size: int | None = None
    lowercase: bool = False

    def __post_init__(self) -> None:
        if self.kind not in TOKENIZER_KINDS:
            known = ", ".join(TOKENIZER_KINDS)
            raise ConfigError(f"tokenizer.kind must be one of {known} (got {self.kind!r})")
        if self.kind == "dna":
            self._check_dna()
        else:
            self._check_other()
        if not isinstance(self.lowercase, bool):
            raise ConfigError(f"tokenizer.lowercase must be true or false (got {self.lowercase!r})")
        if self.lowercase and self.kind not in TEXT_KINDS:
            raise ConfigError(
                f"tokenizer.lowercase applies to text kinds only (kind {self.kind!r})"
            )

    def _check_dna(self) -> None:
        if not is_int(self.k) or not 1 <= self.k <= MAX_K:
            raise ConfigError(f"tokenizer.k must be in 1..{MAX_K} (got {self.k!r})")
        if self.stride is None:
            # Frozen dataclass: resolve the default once so equal configs compare equal.
            object.__setattr__(self, "stride", self.k)
        elif not is_int(self.stride) or self.stride not in (1, self.k):
            raise ConfigError(f"tokenizer.stride must be 1 or k={self.k} (got {self.stride!r})")
        if self.vocab_size is not None:
            raise ConfigError(
                "tokenizer.vocab_size does not apply to kind 'dna' (its vocabulary is fixed)"
            )

    def _check_other(self) -> None:
        if not is_int(self.k) or self.k != 1:
            raise ConfigError(
                f"tokenizer.k applies to kind 'dna' only (kind {self.kind!r}, got k={self.k!r})"
            )
        if self.stride is None:
            object.__setattr__(self, "stride", 1)
        elif self.stride != 1 or not is_int(self.stride):
            raise ConfigError(
                f"tokenizer.stride applies to kind 'dna' only (kind {self.kind!r}, "
                f"got stride={self.stride!r})"
            )
        size = self.vocab_size
        if size is not None and not is_int(size):
            raise ConfigError(f"tokenizer.vocab_size must be an integer (got {size!r})")
        if self.kind == "byte" and size is not None:
            raise ConfigError("tokenizer.vocab_size does not apply to kind 'byte' (256 bytes)")
        if self.kind == "ids":
            if size is None or not 1 <= size <= MAX_ID_VOCAB:
                raise ConfigError(
                    f"tokenizer.vocab_size must be in 1..{MAX_ID_VOCAB} for kind 'ids' "
                    f"(the number of symbols; got {size!r})"
                )
        elif self.kind == "word" and size is not None:
            _check_range(size, MIN_WORD_VOCAB, MAX_TEXT_VOCAB, self.kind)
        elif self.kind == "char" and size is not None:
            _check_range(size, 1, MAX_TEXT_VOCAB, self.kind)
        elif self.kind == "bpe":
            if size is None:
                object.__setattr__(self, "vocab_size", DEFAULT_BPE_VOCAB)
            else:
                _check_range(size, _MIN_BPE_VOCAB, MAX_TEXT_VOCAB, self.kind)

    @property
    def step(self) -> int:
        """The resolved stride as an int (``stride`` is never ``None`` after construction).

        >>> TokenizerConfig(k=4, stride=1).step
        1
        """
        assert self.stride is not None  # resolved in __post_init__
        return self.stride

    @property
    def is_text(self) -> bool:
        """Whether the kind reads text (bits per character).

        >>> TokenizerConfig(kind="byte").is_text, TokenizerConfig().is_text
        (True, False)
        """
        return self.kind in TEXT_KINDS

    @property
    def needs_vocab(self) -> bool:
        """Whether the kind's vocabulary is fitted on the train split (char, word, bpe).

        >>> TokenizerConfig(kind="word").needs_vocab, TokenizerConfig(kind="byte").needs_vocab
        (True, False)
        """
        return self.kind in VOCAB_KINDS

    def to_dict(self) -> dict[str, Any]:
        """The config as plain JSON-ready data (as stored in ``index.json`` and run dirs).

        ``vocab_size`` and ``lowercase`` appear only when set, so a DNA config reads as
        it did before text kinds existed.

        >>> TokenizerConfig(k=2).to_dict()
        {'kind': 'dna', 'k': 2, 'stride': 2}
        >>> TokenizerConfig(kind="word", vocab_size=4096).to_dict()
        {'kind': 'word', 'k': 1, 'stride': 1, 'vocab_size': 4096}
        """
        data = asdict(self)
        if data["vocab_size"] is None:
            del data["vocab_size"]
        if not data["lowercase"]:
            del data["lowercase"]
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TokenizerConfig:
        """Build a config from :meth:`to_dict` output, rejecting unknown keys.

        Keys left out take their defaults, so the index of a store written before
        ``vocab_size`` and ``lowercase`` existed still reads.

        Raises:
            ConfigError: An unknown key or an invalid value.

        >>> TokenizerConfig.from_dict({"k": 2, "stride": 1})
        TokenizerConfig(kind='dna', k=2, stride=1, vocab_size=None, lowercase=False)
        """
        known = {field.name for field in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ConfigError(f"tokenizer.{unknown[0]} is not a tokenizer option")
        return cls(**data)


def tokenizer_label(data: Mapping[str, Any]) -> str:
    """A short label of tokenizer settings (sweep folder names, comparison conditions).

    DNA: ``k{k}s{stride}``; other kinds: the kind, then ``-v{vocab_size}`` and ``-lc``
    when set.

    >>> tokenizer_label({"k": 6, "stride": 6}), tokenizer_label({"kind": "dna", "k": 3})
    ('k6s6', 'k3s3')
    >>> tokenizer_label({"kind": "word", "vocab_size": 4096, "lowercase": True})
    'word-v4096-lc'
    """
    kind = data.get("kind", "dna")
    if kind == "dna":
        k = int(data.get("k", 1))
        return f"k{k}s{int(data.get('stride') or k)}"
    label = str(kind)
    if data.get("vocab_size") is not None:
        label += f"-v{data['vocab_size']}"
    if data.get("lowercase"):
        label += "-lc"
    return label


def _check_range(size: int, low: int, high: int, kind: str) -> None:
    if not low <= size <= high:
        raise ConfigError(
            f"tokenizer.vocab_size must be in {low}..{high} for kind {kind!r} (got {size})"
        )
