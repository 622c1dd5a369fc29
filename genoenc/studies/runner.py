"""Running a study: sample the data once, run the sweep, write the study report.

A study folder holds::

    OUT/study.json        the study, its mode (full or QUICK), budget and sources
    OUT/data/NAME-seedS/  one token store per synthetic source and data seed
    OUT/runs/             the sweep (genoenc.train.sweep): one run directory per cell
    OUT/report.html       the report (and report.md with its PNG plots)

Running the same command again finishes an interrupted study: the data are not
sampled again, finished runs are skipped and unfinished ones resume. A folder holding
another study, or the same study in the other mode, is refused, so a QUICK result can
never be mistaken for a full one.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import multiprocessing
import os
import resource
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import numpy as np

from genoenc.errors import InputError, RunDirError
from genoenc.sources import Source
from genoenc.studies.presets import (
    IDS_KIND,
    Budget,
    SourceSpec,
    StudySpec,
    get_study,
    study_grid_data,
)

__all__ = [
    "DATA_DIR",
    "RUNS_DIR",
    "STUDY_FILE",
    "StudyResult",
    "describe_source",
    "prepare_data",
    "read_study",
    "resolve_genome",
    "run_study",
]

logger = logging.getLogger(__name__)

STUDY_FILE: Final = "study.json"
DATA_DIR: Final = "data"
RUNS_DIR: Final = "runs"
_FORMAT: Final = "genoenc-study"
_SCHEMA: Final = 1
# Fields of study.json that must match for a folder to be continued.
_IDENTITY: Final = ("study", "quick", "budget", "data_seed")


@dataclass(frozen=True, kw_only=True)
class StudyResult:
    """What :func:`run_study` did.

    Attributes:
        out: The study folder.
        report_html: The HTML report.
        report_markdown: Its Markdown twin.
        cells: Runs in the sweep.
        ran: Runs trained (or resumed) by this call; the others were already finished.
        seconds: Wall-clock seconds of this call.
        quick: Whether this was a ``--quick`` study.
    """

    out: Path
    report_html: Path
    report_markdown: Path
    cells: int
    ran: int
    seconds: float
    quick: bool


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


def available_cores() -> int:
    """CPU cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _cpu_seconds() -> float:
    """CPU seconds (user + system) of this process and its finished workers."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _set_threads(threads: int) -> None:
    import torch

    torch.set_num_threads(threads)


def _chains(grid_data: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One sub-grid per (dataset, tokenizer, seed): its runs must go in order (full first)."""
    seeds = grid_data["seeds"]
    seed_list = list(range(seeds)) if isinstance(seeds, int) else list(seeds)
    return [
        {**grid_data, "datasets": {name: entry}, "tokenizers": [tok], "seeds": [seed]}
        for name, entry in grid_data["datasets"].items()
        for tok in grid_data["tokenizers"]
        for seed in seed_list
    ]


def _run_chain(grid_data: dict[str, Any], runs: str, threads: int) -> int:
    """Worker: run one chain's cells in order; return how many."""
    from genoenc.train.sweep import load_grid, run_sweep

    _set_threads(threads)
    return len(run_sweep(load_grid(grid_data), Path(runs)))


def _run_parallel(chains: list[dict[str, Any]], runs: Path, jobs: int, threads: int) -> None:
    """Run the chains in ``jobs`` spawned worker processes of ``threads`` torch threads."""
    context = multiprocessing.get_context("spawn")  # no forked torch state
    logger.info("%d chains of runs on %d workers x %d thread(s)", len(chains), jobs, threads)
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
        futures = [pool.submit(_run_chain, chain, str(runs), threads) for chain in chains]
        for done, future in enumerate(as_completed(futures), start=1):
            cells = future.result()  # a failed chain fails the study (others finish first)
            logger.info("[%d/%d] chain of %d runs finished", done, len(chains), cells)


def read_study(out: str | Path) -> dict[str, Any]:
    """The ``study.json`` of a study folder.

    Raises:
        RunDirError: No readable study file.
    """
    from genoenc.rundir import read_json

    path = Path(out) / STUDY_FILE
    if not path.is_file():
        raise RunDirError(f"{out}: not a study folder (no {STUDY_FILE})")
    content = read_json(path)
    if not isinstance(content, dict) or content.get("format") != _FORMAT:
        raise RunDirError(f"{path}: not a genoenc study file")
    return content


def _identity(manifest: Mapping[str, Any]) -> dict[str, Any]:
    return {key: manifest.get(key) for key in _IDENTITY}


def _label(manifest: Mapping[str, Any]) -> str:
    return f"{'QUICK' if manifest.get('quick') else 'full'} study {manifest.get('study')!r}"


def run_study(
    study: str | StudySpec,
    out: str | Path,
    *,
    quick: bool = False,
    seeds: int | None = None,
    budget: Budget | None = None,
    data_seed: int = 0,
    genome: str | Path | None = None,
    jobs: int | None = 1,
    threads: int = 1,
    progress: Callable[[int, int, float], None] | None = None,
    on_cell: Callable[[int, int, Any, str], None] | None = None,
) -> StudyResult:
    """Run a study preset into ``out`` and write its report.

    Args:
        study: A preset name (see :data:`genoenc.studies.STUDIES`) or a spec.
        out: The study folder (created; continued when it holds the same study).
        quick: Few seeds and tokens, labelled QUICK everywhere.
        seeds: Training seeds ``0..seeds-1`` (default: the budget's).
        budget: Replaces the preset's budget (tests use a tiny one; labelled custom).
        data_seed: Seed of the sampled synthetic data.
        genome: The genome study's FASTA (default: the bundled E. coli sample).
        jobs: Worker processes (``None``: one per available core). With more than one,
            each (dataset, tokenizer, seed) chain of runs (``full`` first) goes to a
            worker; the small models here run several times faster as one-thread
            processes side by side than as one process on several threads.
        threads: Torch threads per worker. One is fastest for these small models: on a
            busy machine two threads ran them several times slower than one.
        progress: Called after every optimiser step (step, steps, loss).
        on_cell: Called before every cell (index, total, cell, status).

    Returns:
        A :class:`StudyResult`.

    Raises:
        RunDirError: ``out`` holds another study or the other mode.
        ConfigError: An unknown preset or bad option.
    """
    from genoenc.rundir import atomic_write_json, versions
    from genoenc.train.sweep import cell_status, load_grid, plan_sweep, run_sweep

    started = time.perf_counter()
    cpu_started = _cpu_seconds()
    spec = get_study(study) if isinstance(study, str) else study
    chosen = budget or spec.budget(quick)
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise RunDirError(f"{out}: exists and is not a folder")
    manifest: dict[str, Any] = {
        "format": _FORMAT,
        "schema_version": _SCHEMA,
        "study": spec.name,
        "quick": quick,
        "custom_budget": budget is not None,
        "budget": dataclasses.asdict(chosen),
        "data_seed": data_seed,
    }
    previous: dict[str, Any] | None = None
    if (out / STUDY_FILE).exists():
        previous = read_study(out)
        if _identity(previous) != _identity(manifest):
            raise RunDirError(
                f"{out}: holds the {_label(previous)} (budget {previous.get('budget')}); "
                f"this is the {_label(manifest)}: use another --out"
            )
    elif out.exists() and any(out.iterdir()):
        raise RunDirError(f"{out}: exists, is not empty and holds no {STUDY_FILE}")
    out.mkdir(parents=True, exist_ok=True)

    datasets = prepare_data(spec, out, chosen, data_seed=data_seed, genome=genome)
    grid_data = study_grid_data(spec, datasets, quick=quick, seeds=seeds, budget=chosen)
    grid = load_grid(grid_data)
    context = int(grid_data["base"]["window"]["context"])
    sources = (previous or {}).get("sources") or [
        describe_source(s, context) for s in spec.sources if s.synthetic
    ]
    manifest.update(
        {
            "title": spec.title,
            "claim": spec.claim,
            "seeds": list(grid.seeds),
            "strategies": list(spec.strategies),
            "ratios": list(spec.ratios),
            "d_orig": spec.d_orig,
            "tokenizers": [dict(t) for t in spec.tokenizers],
            "accuracy": spec.accuracy,
            "datasets": {
                s.name: {"label": s.label, "kind": s.kind, "vocab_size": s.vocab_size}
                for s in spec.sources
            },
            "sources": sources,
            "versions": versions(),
            "sessions": list((previous or {}).get("sessions", [])),
        }
    )
    atomic_write_json(out / STUDY_FILE, manifest)

    runs = out / RUNS_DIR
    cells = plan_sweep(grid, runs)
    to_run = sum(cell_status(cell) != "done" for cell in cells)
    n_jobs = jobs or available_cores()
    chains = _chains(grid_data)
    if n_jobs > 1 and len(chains) > 1:
        _run_parallel(chains, runs, min(n_jobs, len(chains)), threads)
    else:
        _set_threads(threads)
    # Runs every cell not yet finished (none after the parallel pass) and writes sweep.json.
    run_sweep(grid, runs, progress=progress, on_cell=on_cell)
    seconds = time.perf_counter() - started
    manifest["sessions"].append(
        {
            "cells": len(cells),
            "ran": to_run,
            "seconds": round(seconds, 1),
            "cpu_seconds": round(_cpu_seconds() - cpu_started, 1),
            "seeds": len(grid.seeds),
            "jobs": n_jobs,
            "threads": threads,
            "cores": available_cores(),
        }
    )
    atomic_write_json(out / STUDY_FILE, manifest)

    from genoenc.studies.report import write_study_report

    files = write_study_report(out)
    return StudyResult(
        out=out,
        report_html=files.html,
        report_markdown=files.markdown,
        cells=len(cells),
        ran=to_run,
        seconds=time.perf_counter() - started,
        quick=quick,
    )
