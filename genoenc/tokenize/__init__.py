"""Tokenizers: sequence bytes in, integer id arrays out (numpy, vectorised).

The DNA vocabulary is fixed (:mod:`genoenc.tokenize.vocab`); :func:`build_tokenizer`
turns a :class:`TokenizerConfig` into a :class:`Tokenizer`.
"""

from genoenc.tokenize.base import Tokenizer, build_tokenizer
from genoenc.tokenize.config import MAX_K, TOKENIZER_KINDS, TokenizerConfig
from genoenc.tokenize.dna import KmerTokenizer
from genoenc.tokenize.kmer import (
    kmer_bases,
    kmer_ids,
    kmer_vocab_size,
    reverse_complement_kmer_ids,
    smallest_uint_dtype,
    special_kmer_id,
)

__all__ = [
    "MAX_K",
    "TOKENIZER_KINDS",
    "KmerTokenizer",
    "Tokenizer",
    "TokenizerConfig",
    "build_tokenizer",
    "kmer_bases",
    "kmer_ids",
    "kmer_vocab_size",
    "reverse_complement_kmer_ids",
    "smallest_uint_dtype",
    "special_kmer_id",
]
