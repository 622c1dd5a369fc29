"""A study's data: each synthetic source sampled once into a token store, or a genome."""

from __future__ import annotations

import hashlib
import logging
import time
from pathlib import Path
from typing import Any

import numpy as np

from genoenc.errors import InputError
from genoenc.sources import Source
from genoenc.studies._folder import DATA_DIR
from genoenc.studies.presets import IDS_KIND, Budget, SourceSpec, StudySpec

__all__ = ["describe_source", "prepare_data", "resolve_genome"]

logger = logging.getLogger(__name__)


def resolve_genome(path: str | Path) -> Path:
    """Find a genome path: as given (absolute or from the working directory), else from
    the repository root the package was installed from.

    Raises:
        InputError: Neither exists.
    """
    given = Path(path)
    if given.exists():
        return given.resolve()
    repo = Path(__file__).resolve().parents[2] / given
    if not given.is_absolute() and repo.exists():
        return repo
    raise InputError(str(path), "no such genome file (pass --genome PATH)")


def describe_source(spec: SourceSpec, context: int) -> dict[str, Any]:
    """The floor and references of one synthetic dataset, JSON-ready.

    Keys: ``name, kind, label, vocab_size, entropy`` (:class:`EntropyRate` fields),
    ``context_bits`` (best loss with ``context`` tokens of window), ``unigram_bits``,
    ``log2_vocab``, ``ln_vocab``, ``chance_accuracy``, ``optimal_accuracy``, ``source``
    (the source's own description).
    """
    source: Source = spec.build()
    vocab = source.vocab_size
    return {
        "name": spec.name,
        "kind": spec.kind,
        "label": spec.label,
        "vocab_size": vocab,
        "entropy": source.entropy_rate_detail().to_dict(),
        "context": context,
        "context_bits": source.context_entropy(context),
        "unigram_bits": source.unigram_entropy(),
        "log2_vocab": float(np.log2(vocab)),
        "ln_vocab": float(np.log(vocab)),
        "chance_accuracy": 1.0 / vocab,
        "optimal_accuracy": source.optimal_accuracy(),
        "source": source.describe(),
    }


def _write_id_store(path: Path, records: np.ndarray, vocab: int, provenance: str) -> None:
    """A token store of ``records`` (one row per record) under the ``ids`` tokenizer."""
    from genoenc.store import write_store
    from genoenc.tokenize import TokenizerConfig, build_tokenizer
    from genoenc.tokenize.ids import id_chunks

    tokenizer = build_tokenizer(TokenizerConfig(kind=IDS_KIND, vocab_size=vocab))
    names = [f"r{i}" for i in range(len(records))]
    digest = _sha256(records)
    sources = [{"path": provenance, "kind": "synthetic", "bytes": records.nbytes, "sha256": digest}]
    write_store(path, id_chunks(records, names=names, path=provenance), tokenizer, sources)


def _sha256(array: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(array).tobytes()).hexdigest()


def prepare_data(
    spec: StudySpec,
    out: Path,
    budget: Budget,
    *,
    data_seed: int = 0,
    genome: str | Path | None = None,
) -> dict[str, dict[str, Any]]:
    """Write each synthetic source's sample once as a token store; name the genome input.

    A store that already exists is reused (the sample is a pure function of the source,
    the budget and ``data_seed``).

    Returns:
        Dataset name -> the config overrides of its runs (``tokens`` and ``tokenizer``
        for synthetic data, ``reader`` for a FASTA file).
    """
    datasets: dict[str, dict[str, Any]] = {}
    for source_spec in spec.sources:
        if not source_spec.synthetic:
            path = resolve_genome(genome or source_spec.params["path"])
            datasets[source_spec.name] = {"reader": {"fasta": [str(path)]}}
            continue
        store = (out / DATA_DIR / f"{source_spec.name}-seed{data_seed}").resolve()
        vocab = source_spec.vocab_size
        assert vocab is not None  # synthetic
        if not (store / "index.json").exists():
            started = time.perf_counter()
            records = source_spec.build().sample_records(
                budget.n_records, budget.record_length, seed=data_seed
            )
            _write_id_store(store, records, vocab, f"synthetic:{source_spec.name}:seed{data_seed}")
            logger.info(
                "%s: sampled %d x %d tokens in %.1f s",
                store,
                budget.n_records,
                budget.record_length,
                time.perf_counter() - started,
            )
        datasets[source_spec.name] = {
            "tokens": str(store),
            "tokenizer": {"kind": IDS_KIND, "vocab_size": vocab},
        }
    return datasets
