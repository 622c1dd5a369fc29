"""Tokenizers: sequence bytes in, integer id arrays out (numpy, vectorised).

The DNA vocabulary is fixed (:mod:`genoenc.tokenize.vocab`); text vocabularies are
fitted on the train split (:func:`fit_vocab`); :func:`build_tokenizer` turns a
:class:`TokenizerConfig` (and, for char/word/bpe, a :class:`TextVocab`) into a
:class:`Tokenizer`.
"""

from genoenc.tokenize._textblocks import TextBlock, decode_utf8, text_blocks
from genoenc.tokenize.base import Tokenizer, build_tokenizer
from genoenc.tokenize.config import (
    MAX_K,
    TEXT_KINDS,
    TOKENIZER_KINDS,
    VOCAB_KINDS,
    TokenizerConfig,
    tokenizer_label,
)
from genoenc.tokenize.dna import KmerTokenizer
from genoenc.tokenize.ids import IdTokenizer, id_chunks
from genoenc.tokenize.kmer import (
    kmer_bases,
    kmer_ids,
    kmer_vocab_size,
    reverse_complement_kmer_ids,
    smallest_uint_dtype,
    special_kmer_id,
)
from genoenc.tokenize.text import (
    BpeTokenizer,
    ByteTokenizer,
    CharTokenizer,
    WordTokenizer,
    build_text_tokenizer,
)
from genoenc.tokenize.textvocab import UNK, VOCAB_FILE, TextVocab, fit_vocab, split_words

__all__ = [
    "MAX_K",
    "TEXT_KINDS",
    "TOKENIZER_KINDS",
    "UNK",
    "VOCAB_FILE",
    "VOCAB_KINDS",
    "BpeTokenizer",
    "ByteTokenizer",
    "CharTokenizer",
    "IdTokenizer",
    "KmerTokenizer",
    "TextBlock",
    "TextVocab",
    "Tokenizer",
    "TokenizerConfig",
    "WordTokenizer",
    "build_text_tokenizer",
    "build_tokenizer",
    "decode_utf8",
    "fit_vocab",
    "id_chunks",
    "kmer_bases",
    "kmer_ids",
    "kmer_vocab_size",
    "reverse_complement_kmer_ids",
    "smallest_uint_dtype",
    "special_kmer_id",
    "split_words",
    "text_blocks",
    "tokenizer_label",
]
