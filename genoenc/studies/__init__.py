"""The seed-paper study presets: run a preset's sweep and write its report.

:func:`run_study` runs a preset of :data:`STUDIES` (``genoenc study NAME``) on synthetic
sources (:mod:`genoenc.sources`) or a genome and writes its report, the sweep report
extended with the study's sections. The runner and the report import torch and
matplotlib lazily.
"""

from genoenc.studies._data import prepare_data
from genoenc.studies._folder import read_study
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
from genoenc.studies.runner import StudyResult, run_study

__all__ = [
    "GENOME_SAMPLE",
    "SOURCE_KINDS",
    "STUDIES",
    "Budget",
    "SourceSpec",
    "StudyResult",
    "StudySpec",
    "get_study",
    "prepare_data",
    "read_study",
    "run_study",
    "study_grid_data",
]
