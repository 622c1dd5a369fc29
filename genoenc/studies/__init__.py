"""Synthetic sources with known entropy rates, for the studies.

A model trained on a :class:`Source` sample can be measured against the source's exact
entropy rate; :func:`write_fasta` turns DNA-valued samples into FASTA inputs.
"""

from genoenc.studies.sources import (
    DNA_DEFAULT_CONCENTRATION,
    DNA_DEFAULT_ORDER,
    MarkovSource,
    SeedLike,
    Source,
    default_dna_source,
    tokens_to_dna,
    write_fasta,
)

__all__ = [
    "DNA_DEFAULT_CONCENTRATION",
    "DNA_DEFAULT_ORDER",
    "MarkovSource",
    "SeedLike",
    "Source",
    "default_dna_source",
    "tokens_to_dna",
    "write_fasta",
]
