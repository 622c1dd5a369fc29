"""Seeded synthetic sources whose entropy rate is known (exactly, or tightly bounded).

A model trained on such a source should approach :meth:`Source.entropy_rate` bits per
token and no model can do better on average, which makes the sources the ground truth
of the studies (:mod:`genoenc.studies`). Every source follows the small :class:`Source`
protocol:

* :class:`MarkovSource` and :class:`ZipfMarkovSource`: Markov chains (exact rate);
* :class:`HMMSource`: a hidden Markov model of sticky states (rate estimated, with its
  standard error and bounds).

Ids ``0..3`` read as DNA bases through :func:`tokens_to_dna` and :func:`write_fasta`::

    source = default_dna_source()
    write_fasta("markov.fa", source.sample_records(4, 10_000, seed=1))
"""

from genoenc.sources._base import EntropyRate, SeedLike, Source, entropy_bits, token_dtype
from genoenc.sources._dna import tokens_to_dna, write_fasta
from genoenc.sources._hmm import HMMSource
from genoenc.sources._markov import (
    DNA_DEFAULT_CONCENTRATION,
    DNA_DEFAULT_ORDER,
    MarkovSource,
    ZipfMarkovSource,
    default_branching,
    default_dna_source,
)

__all__ = [
    "DNA_DEFAULT_CONCENTRATION",
    "DNA_DEFAULT_ORDER",
    "EntropyRate",
    "HMMSource",
    "MarkovSource",
    "SeedLike",
    "Source",
    "ZipfMarkovSource",
    "default_branching",
    "default_dna_source",
    "entropy_bits",
    "token_dtype",
    "tokens_to_dna",
    "write_fasta",
]
