"""Synthetic sources with known entropy rates, and the seed-paper study presets.

A model trained on a :class:`Source` sample can be measured against the source's
entropy rate; :func:`write_fasta` turns DNA-valued samples into FASTA inputs.
:func:`run_study` runs a preset of :data:`STUDIES` (``genoenc study NAME``) and writes
its report. The runner and the report import torch and matplotlib lazily.
"""

from genoenc.studies.hmm import HMMSource
from genoenc.studies.presets import (
    GENOME_SAMPLE,
    SOURCE_KINDS,
    STUDIES,
    Budget,
    SourceSpec,
    StudySpec,
    get_study,
    study_grid_data,
)
from genoenc.studies.runner import StudyResult, prepare_data, read_study, run_study
from genoenc.studies.sources import (
    DNA_DEFAULT_CONCENTRATION,
    DNA_DEFAULT_ORDER,
    EntropyRate,
    MarkovSource,
    SeedLike,
    Source,
    ZipfMarkovSource,
    default_branching,
    default_dna_source,
    entropy_bits,
    tokens_to_dna,
    write_fasta,
)

__all__ = [
    "DNA_DEFAULT_CONCENTRATION",
    "DNA_DEFAULT_ORDER",
    "GENOME_SAMPLE",
    "SOURCE_KINDS",
    "STUDIES",
    "Budget",
    "EntropyRate",
    "HMMSource",
    "MarkovSource",
    "SeedLike",
    "Source",
    "SourceSpec",
    "StudyResult",
    "StudySpec",
    "ZipfMarkovSource",
    "default_branching",
    "default_dna_source",
    "entropy_bits",
    "get_study",
    "prepare_data",
    "read_study",
    "run_study",
    "study_grid_data",
    "tokens_to_dna",
    "write_fasta",
]
