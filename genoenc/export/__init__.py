"""Trained runs outside genoenc: a Hugging Face folder (``genoenc export``).

``export_run(run, out)`` writes safetensors weights, a ``config.json``, the modelling
code (``trust_remote_code``), a ``tokenizers`` tokenizer and a model card; the folder
loads with ``transformers`` where genoenc is not installed.
"""

from genoenc.export._export import CODE_FILES, TOLERANCE, export_run, verify_export
from genoenc.export._run import TrainedRun, load_trained_run
from genoenc.export._tokenizer import MAX_EXPORT_K, SPECIAL_TOKENS, build_hf_tokenizer

__all__ = [
    "CODE_FILES",
    "MAX_EXPORT_K",
    "SPECIAL_TOKENS",
    "TOLERANCE",
    "TrainedRun",
    "build_hf_tokenizer",
    "export_run",
    "load_trained_run",
    "verify_export",
]
