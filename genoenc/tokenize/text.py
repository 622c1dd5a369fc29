"""Text tokenizers: characters, bytes, words and byte-level BPE, all in bits per character.

Every text tokenizer has the same id layout: the vocabulary's tokens ``0 .. n-1``
(``<unk>`` is id 0 for char and word), then ``START = n``, ``END = n + 1``,
``PAD = n + 2``. A record (one input file) is framed ``START ... END``; PAD fills a
block and is never a target. Store, input and target ids are one id space.

Bits per character is one formula for every tokenizer:
``sum(bits over scored targets) / sum(units)``, where a target's units are the
characters it covers: 1 for a character, the length of a word (its leading space
included), the characters that *start* in a byte or BPE token (a token that holds only
the tail of a multi-byte character covers 0 but its bits still count), and 1 for END
(it stands for the end of the document, as a final newline would). An ``<unk>`` word
counts the mean length of the train split's unknown words (the ids do not keep its
true length); an ``<unk>`` character counts 1. START and PAD are never targets.

Tokens depend only on the text of a block (see :func:`genoenc.tokenize.text_blocks`),
so the train/val/test split of text is the same for every tokenizer.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

from genoenc.errors import ConfigError, FileFormatError
from genoenc.tokenize._textblocks import decode_utf8, text_blocks
from genoenc.tokenize.config import TokenizerConfig
from genoenc.tokenize.kmer import next_token_pairs, smallest_uint_dtype
from genoenc.tokenize.textvocab import (
    UNK,
    TextVocab,
    byte_level_bytes,
    lead_bytes,
    split_words,
)

if TYPE_CHECKING:
    from genoenc.io import Chunk

__all__ = [
    "BpeTokenizer",
    "ByteTokenizer",
    "CharTokenizer",
    "WordTokenizer",
    "build_text_tokenizer",
]

_SPECIALS = 3  # START, END, PAD
VOCAB_LABEL = "vocab.json"
# Carry text from the start of its last whitespace run into the next chunk, so no word
# is cut where a reader cut the record; without any such run, cut anyway past this size.
_LAST_SPACE = re.compile(r"\s\S*\Z")
_MAX_CARRY = 1 << 20


def _last_run_start(text: str) -> int:
    """Where the last whitespace run that follows a non-space character starts; 0 if none.

    >>> _last_run_start("to be  or"), _last_run_start("to be \\n"), _last_run_start("  x")
    (5, 5, 0)
    """
    stripped = text.rstrip()
    if len(stripped) < len(text):  # ends in whitespace
        return len(stripped)
    match = _LAST_SPACE.search(text)
    if match is None:
        return 0
    start = match.start()
    while start > 0 and text[start - 1].isspace():
        start -= 1
    return start


class _TextTokenizer:
    """What every text tokenizer shares; subclasses define the vocabulary."""

    unit_name = "char"
    history = 0
    #: Text is checked as UTF-8 by the reader; every byte may occur.
    alphabet: bytes = bytes(range(256))
    #: Whether tokens span several characters (words, BPE): chunks then carry a tail.
    _carry_words = True

    def __init__(self, config: TokenizerConfig, units: np.ndarray, unk_text: bytes) -> None:
        """Set the id layout from the per-token units (``units[i]`` for token ``i``)."""
        self.config = config
        self.n_tokens = len(units)
        self.start_id = self.n_tokens
        self.end_id = self.n_tokens + 1
        self.pad_id = self.n_tokens + 2
        self.store_vocab_size = self.n_tokens + _SPECIALS
        self.input_vocab_size = self.store_vocab_size
        self.target_vocab_size = self.store_vocab_size
        self.store_dtype: np.dtype[Any] = smallest_uint_dtype(self.store_vocab_size)
        # units of START, END, PAD: END stands for the end of the document (1 character).
        self._units = np.concatenate([np.asarray(units, dtype=np.float64), [0.0, 1.0, 0.0]])
        self._units.setflags(write=False)
        self._unk_text = unk_text

    def _encode_text(self, text: str) -> np.ndarray:
        """Token ids (int64, unframed) of normalised text."""
        raise NotImplementedError

    def _token_bytes(self, token_id: int) -> bytes:
        """The UTF-8 bytes a vocabulary token stands for."""
        raise NotImplementedError

    # -- bytes to store ids ---------------------------------------------------------

    def encode(self, seq: bytes) -> np.ndarray:
        """Unframed store ids of one text.

        Args:
            seq: UTF-8 bytes.

        Returns:
            ``store_dtype`` ids, shape ``(n,)``.

        Raises:
            FileFormatError: ``seq`` is not valid UTF-8 (the message gives the offset).
        """
        text = decode_utf8(seq, path="<text>", record=None, offset=0)
        return self._encode_text(self._normalise(text)).astype(self.store_dtype)

    def encode_chunks(self, chunks: Iterable[Chunk]) -> Iterator[tuple[Chunk, np.ndarray]]:
        """Framed store ids of a stream of record chunks, one array per chunk.

        START precedes a record's first chunk and END follows its last. The text from
        the start of a chunk's last whitespace run is carried into the next chunk, so
        the ids never depend on where the reader cut a record.

        Raises:
            FileFormatError: A chunk is not valid UTF-8 (names file and byte offset).
            ValueError: The chunks are not framed ``first`` ... ``last``.
        """
        record: str | None = None
        carry = ""
        for chunk in chunks:
            if chunk.first:
                if record is not None:
                    raise ValueError(f"record {record!r} ended without a last chunk")
                record, carry = chunk.name, ""
            elif record is None:
                raise ValueError(f"record {chunk.name!r}: chunk without a first chunk")
            text = carry + self._normalise(
                decode_utf8(chunk.seq, path=chunk.path, record=None, offset=chunk.start)
            )
            carry = ""
            if self._carry_words and not chunk.last:
                cut = _last_run_start(text)
                if not cut and len(text) >= _MAX_CARRY:  # no whitespace at all: cut anyway
                    cut = len(text)
                text, carry = text[:cut], text[cut:]
            body = self._encode_text(text)
            length = body.size + int(chunk.first) + int(chunk.last)
            yield chunk, self._framed(body, chunk.first, chunk.last, length)
            if chunk.last:
                record = None
        if record is not None:
            raise ValueError(f"record {record!r}: the chunks ended without its last chunk")

    def encode_blocks(
        self, chunks: Iterable[Chunk], block_tokens: int
    ) -> Iterator[tuple[str, np.ndarray]]:
        """Framed store ids of text blocks, each exactly ``block_tokens`` ids long.

        The records are cut into blocks of at most ``block_tokens - 2`` bytes
        (:func:`~genoenc.tokenize.text_blocks`); each block's ids are its tokens, with
        START before a record's first block and END after its last, then PAD up to
        ``block_tokens``. Block ``i`` is therefore the data layer's block ``i`` (with
        ``split.block_tokens == block_tokens``), whatever the tokenizer.

        Args:
            chunks: Chunks of text records in reader order.
            block_tokens: The data layer's ``split.block_tokens`` (>= 6).

        Yields:
            ``(record name, ids)``: ``store_dtype`` ids, shape ``(block_tokens,)``.
        """
        for block in text_blocks(chunks, block_tokens - 2, lowercase=self.config.lowercase):
            body = self._encode_text(block.text)
            if body.size + block.first + block.last > block_tokens:  # more tokens than bytes
                raise FileFormatError(
                    block.path,
                    f"a block of {len(block.text.encode()):,} bytes made {body.size:,} tokens, "
                    f"more than split.block_tokens ({block_tokens:,}); raise --block-tokens",
                    offset=block.offset,
                )
            yield block.name, self._framed(body, block.first, block.last, block_tokens)

    def _framed(self, body: np.ndarray, first: bool, last: bool, length: int) -> np.ndarray:
        """``[START] body [END]`` then PAD, ``length`` ids in all."""
        ids = np.full(length, self.pad_id, dtype=self.store_dtype)
        lead = int(first)
        ids[lead : lead + body.size] = body
        if first:
            ids[0] = self.start_id
        if last:
            ids[lead + body.size] = self.end_id
        return ids

    def _normalise(self, text: str) -> str:
        return text.lower() if self.config.lowercase else text

    def decode(self, ids: np.ndarray) -> bytes:
        """UTF-8 text of store ids (START, END and PAD dropped; ``<unk>`` as a marker).

        The inverse of :meth:`encode` for text whose tokens are all in the vocabulary.
        """
        ids = np.asarray(ids)
        return b"".join(self._token_bytes(int(i)) for i in ids[ids < self.n_tokens])

    # -- windows to model inputs and targets ---------------------------------------

    def inputs_targets(self, windows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``inputs = w[..., :-1]``, ``targets = w[..., 1:]`` (int64, ``(..., T)``)."""
        return next_token_pairs(windows)

    def scored(self, targets: np.ndarray) -> np.ndarray:
        """Targets that count in the loss: all but START and PAD (``<unk>`` and END count)."""
        targets = np.asarray(targets)
        return (targets != self.start_id) & (targets != self.pad_id)

    def counted(self, targets: np.ndarray) -> np.ndarray:
        """Targets whose bits count towards bits per character: every scored target."""
        return self.scored(targets)

    def units(self, targets: np.ndarray) -> np.ndarray:
        """Characters each target covers (float64; see the module docstring)."""
        return self._units[np.asarray(targets)]

    def reverse_complement(self, windows: np.ndarray) -> np.ndarray:
        """Not defined for text: reverse-complement augmentation is DNA-only.

        Raises:
            ConfigError: Always.
        """
        raise ConfigError(
            f"train.rc_aug is for DNA only (tokenizer.kind {self.config.kind!r} reads text)"
        )


class ByteTokenizer(_TextTokenizer):
    """The 256 byte values of UTF-8 text; no vocabulary to fit.

    >>> tok = ByteTokenizer(TokenizerConfig(kind="byte"))
    >>> tok.encode("aé".encode()).tolist(), tok.units(np.array([97, 195, 169, 257])).tolist()
    ([97, 195, 169], [1.0, 1.0, 0.0, 1.0])
    """

    _carry_words = False

    def __init__(self, config: TokenizerConfig) -> None:
        lead = (np.arange(256) & 0xC0) != 0x80  # bytes that start a character
        super().__init__(config, lead.astype(np.float64), b"")

    def __repr__(self) -> str:
        return "ByteTokenizer()"

    def _encode_text(self, text: str) -> np.ndarray:
        return np.frombuffer(text.encode(), dtype=np.uint8).astype(np.int64)

    def _token_bytes(self, token_id: int) -> bytes:
        return bytes([token_id])

    def decode(self, ids: np.ndarray) -> bytes:
        """The bytes of store ids (specials dropped)."""
        ids = np.asarray(ids)
        return ids[ids < self.n_tokens].astype(np.uint8).tobytes()


class CharTokenizer(_TextTokenizer):
    """Characters (Unicode code points) of the train split, plus ``<unk>`` (id 0).

    >>> from genoenc.tokenize.textvocab import fit_vocab
    >>> cfg = TokenizerConfig(kind="char")
    >>> tok = CharTokenizer(cfg, fit_vocab(cfg, ["abba"]))
    >>> tok.encode(b"abc").tolist()   # c was not in the train split
    [1, 2, 0]
    """

    _carry_words = False

    def __init__(self, config: TokenizerConfig, vocab: TextVocab) -> None:
        self.vocab = vocab
        chars = vocab.tokens[1:]
        self._codepoints = np.array([ord(char) for char in chars], dtype=np.int64)
        if np.any(np.diff(self._codepoints) <= 0) or any(len(c) != 1 for c in chars):
            raise FileFormatError(VOCAB_LABEL, "char vocabulary is not sorted single characters")
        super().__init__(config, np.ones(len(vocab.tokens)), "\ufffd".encode())

    def __repr__(self) -> str:
        return f"CharTokenizer(vocab={len(self.vocab)})"

    def _encode_text(self, text: str) -> np.ndarray:
        points = np.frombuffer(text.encode("utf-32-le"), dtype="<u4").astype(np.int64)
        if not self._codepoints.size:
            return np.zeros(points.size, dtype=np.int64)
        index = np.minimum(np.searchsorted(self._codepoints, points), self._codepoints.size - 1)
        found = self._codepoints[index] == points
        return np.where(found, index + 1, 0)

    def _token_bytes(self, token_id: int) -> bytes:
        return self._unk_text if token_id == 0 else self.vocab.tokens[token_id].encode()


class WordTokenizer(_TextTokenizer):
    """The most frequent words of the train split (see ``split_words``), plus ``<unk>``.

    >>> from genoenc.tokenize.textvocab import TextVocab
    >>> vocab = TextVocab(kind="word", tokens=("<unk>", "a", " b"), unk_units=4.0)
    >>> tok = WordTokenizer(TokenizerConfig(kind="word"), vocab)
    >>> ids = tok.encode(b"a b c")
    >>> ids.tolist(), tok.units(ids).tolist()   # ' c' is unknown
    ([1, 2, 0], [1.0, 2.0, 4.0])
    """

    def __init__(self, config: TokenizerConfig, vocab: TextVocab) -> None:
        self.vocab = vocab
        self._index = {token: i for i, token in enumerate(vocab.tokens)}
        units = [vocab.unk_units, *(len(token) for token in vocab.tokens[1:])]
        super().__init__(config, np.asarray(units, dtype=np.float64), UNK.encode())

    def __repr__(self) -> str:
        return f"WordTokenizer(vocab={len(self.vocab)})"

    def _encode_text(self, text: str) -> np.ndarray:
        words = split_words(text)
        get = self._index.get
        return np.fromiter((get(word, 0) for word in words), dtype=np.int64, count=len(words))

    def _token_bytes(self, token_id: int) -> bytes:
        return self._unk_text if token_id == 0 else self.vocab.tokens[token_id].encode()


class BpeTokenizer(_TextTokenizer):
    """Byte-level BPE (Hugging Face ``tokenizers``) trained on the train split; no ``<unk>``."""

    def __init__(self, config: TokenizerConfig, vocab: TextVocab) -> None:
        from tokenizers import Tokenizer as HfTokenizer

        if vocab.bpe_json is None:
            raise FileFormatError(VOCAB_LABEL, "BPE vocabulary without its model")
        self.vocab = vocab
        self._hf = HfTokenizer.from_str(vocab.bpe_json)
        self._bytes = [byte_level_bytes(token) for token in vocab.tokens]
        units = [lead_bytes(data) for data in self._bytes]
        super().__init__(config, np.asarray(units, dtype=np.float64), b"")

    def __repr__(self) -> str:
        return f"BpeTokenizer(vocab={len(self.vocab)})"

    def _encode_text(self, text: str) -> np.ndarray:
        return np.asarray(self._hf.encode(text).ids, dtype=np.int64)

    def _token_bytes(self, token_id: int) -> bytes:
        return self._bytes[token_id]


def build_text_tokenizer(cfg: TokenizerConfig, vocab: TextVocab | None) -> _TextTokenizer:
    """The text tokenizer of ``cfg`` (``byte`` needs no vocabulary, the others do).

    Raises:
        ConfigError: A vocabulary is needed and not given, or was fitted for another kind.
    """
    if cfg.kind == "byte":
        return ByteTokenizer(cfg)
    if vocab is None:
        raise ConfigError(
            f"tokenizer.kind {cfg.kind!r} needs a vocabulary fitted on the train split "
            "(a run fits one and keeps it as vocab.json)"
        )
    vocab.check(cfg)
    if cfg.kind == "char":
        return CharTokenizer(cfg, vocab)
    if cfg.kind == "word":
        return WordTokenizer(cfg, vocab)
    if cfg.kind == "bpe":
        return BpeTokenizer(cfg, vocab)
    raise ConfigError(f"tokenizer.kind {cfg.kind!r} is not a text kind")
