"""Running a study: sample the data once, run the sweep, write the study report.

The folder's layout is :mod:`genoenc.studies._folder`'s. Running the same command again
finishes an interrupted study: the data are not sampled again, finished runs are skipped
and unfinished ones resume. A folder holding another study, or the same study in the
other mode, is refused, so a QUICK result can never be mistaken for a full one.
"""

from __future__ import annotations

import logging
import resource
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from genoenc.studies._data import describe_source, prepare_data
from genoenc.studies._folder import RUNS_DIR, STUDY_FILE, claim_folder, new_manifest
from genoenc.studies.presets import Budget, StudySpec, get_study, study_grid_data

if TYPE_CHECKING:
    from genoenc.train.sweep import SweepGrid

__all__ = ["StudyResult", "run_study"]

logger = logging.getLogger(__name__)


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


def _cpu_seconds() -> float:
    """CPU seconds (user + system) of this process and its finished workers."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _describe(
    spec: StudySpec,
    grid_data: Mapping[str, Any],
    seeds: tuple[int, ...],
    previous: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """The fields of ``study.json`` after its identity: the arms, data and floors."""
    from genoenc.rundir import versions

    sources = (previous or {}).get("sources") or [
        describe_source(s, int(grid_data["base"]["window"]["context"]))
        for s in spec.sources
        if s.synthetic
    ]
    return {
        "title": spec.title,
        "claim": spec.claim,
        "seeds": list(seeds),
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


def _prepare(
    spec: StudySpec,
    out: Path,
    manifest: dict[str, Any],
    budget: Budget,
    *,
    seeds: int | None,
    genome: str | Path | None,
) -> SweepGrid:
    """Claim the folder, sample the data, write ``study.json``; return the study's grid.

    ``manifest`` (from :func:`new_manifest`) is completed in place.
    """
    from genoenc.rundir import atomic_write_json
    from genoenc.train.sweep import load_grid

    previous = claim_folder(out, manifest)
    quick, data_seed = bool(manifest["quick"]), int(manifest["data_seed"])
    datasets = prepare_data(spec, out, budget, data_seed=data_seed, genome=genome)
    grid_data = study_grid_data(spec, datasets, quick=quick, seeds=seeds, budget=budget)
    grid = load_grid(grid_data)
    manifest.update(_describe(spec, grid_data, grid.seeds, previous))
    atomic_write_json(out / STUDY_FILE, manifest)
    return grid


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
        jobs: Worker processes of the sweep (``None``: one per available core); see
            :func:`genoenc.train.sweep.run_sweep`.
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
    from genoenc.rundir import atomic_write_json
    from genoenc.studies.report import write_study_report
    from genoenc.train.sweep import available_cores, cell_status, plan_sweep, run_sweep

    started, cpu_started = time.perf_counter(), _cpu_seconds()
    spec = get_study(study) if isinstance(study, str) else study
    out, chosen = Path(out), budget or spec.budget(quick)
    custom = budget is not None
    manifest = new_manifest(spec, chosen, quick=quick, custom_budget=custom, data_seed=data_seed)
    grid = _prepare(spec, out, manifest, chosen, seeds=seeds, genome=genome)
    runs = out / RUNS_DIR
    cells = plan_sweep(grid, runs)
    to_run = sum(cell_status(cell) != "done" for cell in cells)
    n_jobs = jobs or available_cores()
    run_sweep(grid, runs, progress=progress, on_cell=on_cell, jobs=n_jobs, threads=threads)
    session = {
        "cells": len(cells),
        "ran": to_run,
        "seconds": round(time.perf_counter() - started, 1),
        "cpu_seconds": round(_cpu_seconds() - cpu_started, 1),
        "seeds": len(grid.seeds),
        "jobs": n_jobs,
        "threads": threads,
        "cores": available_cores(),
    }
    manifest["sessions"].append(session)
    atomic_write_json(out / STUDY_FILE, manifest)

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
