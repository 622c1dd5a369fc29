"""Sweeps: a grid of runs (datasets x tokenizers x strategies x ratios x seeds) in one folder.

Each cell is one run directory; finished cells are never redone and unfinished
ones resume from their checkpoint, so a sweep interrupted by SIGINT or SIGKILL
finishes when the same command is run again. Within a (dataset, tokenizer,
seed) the ``full`` arm runs first, because the autoencoder arms compress its
trained table. All arms of one seed read the same windows in the same order.

With ``jobs`` above one, each (dataset, tokenizer, seed) chain of cells goes to one of
``jobs`` spawned worker processes of one torch thread each: the small models of a sweep
run several times faster side by side than as one process on several threads.

A grid file (YAML or JSON) looks like::

    base:            # config sections, as for `genoenc train --config`
      train: {tokens_budget: 1000000}
    datasets:        # optional; default: the inputs given on the command line
      ecoli: {reader: {fasta: [data/samples/ecoli_k12_mg1655_GCF_000005845.2.fna.gz]}}
      wiki:            # a dataset may list its own tokenizers (replacing `tokenizers`)
        reader: {text: [data/samples/wikitext2_valid.txt]}
        tokenizers: [{kind: word, vocab_size: 4096}]
    tokenizers: [{k: 1}, {k: 6, stride: 6}]
    strategies: [full, learned, autoencoder]
    ratios: [2, 4, 8]
    seeds: 3         # or a list of seeds
"""

from __future__ import annotations

import copy
import dataclasses
import logging
import multiprocessing
import os
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from genoenc.encoders import EncoderConfig, needs_source_table
from genoenc.errors import ConfigError, RunDirError
from genoenc.rundir import CONFIG_FILE, METRICS_FILE, atomic_write_json, read_metrics
from genoenc.tokenize import tokenizer_label

from .config import RunConfig, merge_config
from .loop import ProgressFn, train

__all__ = [
    "SWEEP_FILE",
    "SweepCell",
    "SweepGrid",
    "available_cores",
    "cell_status",
    "load_grid",
    "plan_sweep",
    "run_sweep",
    "sweep_chains",
]

logger = logging.getLogger(__name__)

#: The sweep's grid and cells, written before the first run.
SWEEP_FILE = "sweep.json"


@dataclass(frozen=True, kw_only=True)
class SweepGrid:
    """The axes of a sweep; ``base`` and each dataset are config-section overrides."""

    base: Mapping[str, Any] = field(default_factory=dict)
    datasets: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    tokenizers: tuple[Mapping[str, Any], ...] = ({"k": 1},)
    strategies: tuple[str, ...] = ("full", "learned", "autoencoder")
    ratios: tuple[int, ...] = (2, 4, 8)
    seeds: tuple[int, ...] = (0, 1, 2)

    def __post_init__(self) -> None:
        if not self.datasets:
            raise ConfigError("sweep: no input (give --fasta/--text/... or `datasets` in the grid)")
        if not self.strategies:
            raise ConfigError("sweep.strategies must name at least one strategy")
        if not self.seeds:
            raise ConfigError("sweep.seeds must hold at least one seed")
        if any(not isinstance(r, int) or r < 1 for r in self.ratios):
            raise ConfigError(f"sweep.ratios must be positive integers (got {list(self.ratios)})")


@dataclass(frozen=True)
class SweepCell:
    """One run of the grid: where it lives and the overrides that make its config."""

    name: str
    path: Path
    overrides: dict[str, Any]
    dataset: str
    strategy: str
    ratio: int
    seed: int


def _seeds(value: Any) -> tuple[int, ...]:
    if isinstance(value, int):
        if value < 1:
            raise ConfigError(f"sweep.seeds must be at least 1 (got {value})")
        return tuple(range(value))
    return tuple(int(v) for v in value)


def load_grid(data: Mapping[str, Any], cli_base: Mapping[str, Any] | None = None) -> SweepGrid:
    """Build a :class:`SweepGrid` from a grid file's mapping plus command-line overrides.

    Command-line inputs (``reader``/``tokens``) become the single dataset ``data`` when the
    grid names no datasets; other command-line sections override the grid's ``base``.
    """
    known = {"base", "datasets", "tokenizers", "strategies", "ratios", "seeds"}
    unknown = set(data) - known
    if unknown:
        raise ConfigError(f"unknown sweep grid key {sorted(unknown)[0]!r} (known: {sorted(known)})")
    base = copy.deepcopy(dict(data.get("base", {})))
    cli = dict(cli_base or {})
    inputs = {k: cli.pop(k) for k in ("reader", "tokens") if k in cli}
    for section, values in cli.items():
        base.setdefault(section, {}).update(values)
    datasets = dict(data.get("datasets") or {})
    if not datasets and inputs:
        datasets = {"data": inputs}
    kwargs: dict[str, Any] = {"base": base, "datasets": datasets}
    if "tokenizers" in data:
        kwargs["tokenizers"] = tuple(dict(t) for t in data["tokenizers"])
    if "strategies" in data:
        kwargs["strategies"] = tuple(data["strategies"])
    if "ratios" in data:
        kwargs["ratios"] = tuple(data["ratios"])
    if "seeds" in data:
        kwargs["seeds"] = _seeds(data["seeds"])
    return SweepGrid(**kwargs)


def _deep_merge(a: Mapping[str, Any], b: Mapping[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(dict(a))
    for key, value in b.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _needs_full_table(strategy: str, overrides: Mapping[str, Any]) -> bool:
    """Whether ``strategy`` with the cell's encoder settings compresses the ``full`` arm's
    trained table (the encoders' own rule, :func:`~genoenc.encoders.needs_source_table`)."""
    section = {**overrides.get("encoder", {}), "strategy": strategy}
    return needs_source_table(EncoderConfig(**section))


def plan_sweep(grid: SweepGrid, out: Path) -> list[SweepCell]:
    """List the cells in run order: per dataset, tokenizer and seed, ``full`` first.

    A ``full`` cell is added as a source when an autoencoder arm compresses the full
    table and ``full`` is not among the strategies.
    """
    cells: list[SweepCell] = []
    for dataset, entry in grid.datasets.items():
        # A dataset may bring its own tokenizers (text beside a genome in one grid).
        data_overrides = {key: value for key, value in entry.items() if key != "tokenizers"}
        for tok in entry.get("tokenizers") or grid.tokenizers:
            tok_label = tokenizer_label(tok)
            for seed in grid.seeds:
                base = _deep_merge(grid.base, data_overrides)
                base = _deep_merge(base, {"tokenizer": dict(tok), "train": {"seed": seed}})
                full_path = out / dataset / tok_label / "full" / f"seed{seed}"
                wanted = list(grid.strategies)
                if "full" not in wanted and any(_needs_full_table(s, base) for s in wanted):
                    wanted.insert(0, "full")
                wanted.sort(key=lambda s: s != "full")  # stable: full first
                for strategy in wanted:
                    ratios = (1,) if strategy == "full" else grid.ratios
                    for ratio in ratios:
                        arm = "full" if strategy == "full" else f"{strategy}-r{ratio}"
                        path = out / dataset / tok_label / arm / f"seed{seed}"
                        encoder: dict[str, Any] = {"strategy": strategy}
                        if strategy != "full":
                            encoder["ratio"] = ratio
                        overrides = _deep_merge(base, {"encoder": encoder})
                        if _needs_full_table(strategy, overrides):
                            overrides = _deep_merge(
                                overrides, {"train": {"source_run": str(full_path)}}
                            )
                        cells.append(
                            SweepCell(
                                name=f"{dataset}/{tok_label}/{arm}/seed{seed}",
                                path=path,
                                overrides=overrides,
                                dataset=dataset,
                                strategy=strategy,
                                ratio=ratio,
                                seed=seed,
                            )
                        )
    return cells


def _paired_budget(cell: SweepCell, cfg: RunConfig) -> RunConfig:
    """Under ``budget: auto`` only a seed's ``full`` arm decides when to stop; every other
    arm of that seed replays its schedule (``decay_at``), so paired arms train on the same
    tokens with the same learning rates."""
    if cfg.train.budget != "auto" or cell.strategy == "full":
        return cfg
    full = cell.path.parent.parent / "full" / cell.path.name
    try:
        stop = read_metrics(full)["stop"]
    except (RunDirError, KeyError):
        raise ConfigError(
            f"{cell.name}: budget auto needs the seed's finished full arm ({full}); "
            "add full to --strategies"
        ) from None
    train_cfg = dataclasses.replace(cfg.train, budget="fixed", decay_at=stop["decay_at"])
    return dataclasses.replace(cfg, train=train_cfg)


def cell_status(cell: SweepCell) -> str:
    """``done``, ``partial`` (started, resumable) or ``todo``."""
    if (cell.path / METRICS_FILE).exists():
        return "done"
    if (cell.path / CONFIG_FILE).exists():
        return "partial"
    return "todo"


def sweep_chains(grid: SweepGrid) -> list[SweepGrid]:
    """One sub-grid per (dataset, tokenizer, seed): its cells must run in order (full first).

    Together the chains plan exactly the grid's cells, each once.
    """
    chains = []
    for name, entry in grid.datasets.items():
        data = {key: value for key, value in entry.items() if key != "tokenizers"}
        for tok in entry.get("tokenizers") or grid.tokenizers:
            for seed in grid.seeds:
                chains.append(
                    dataclasses.replace(
                        grid, datasets={name: data}, tokenizers=(tok,), seeds=(seed,)
                    )
                )
    return chains


def available_cores() -> int:
    """CPU cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def run_sweep(
    grid: SweepGrid,
    out: Path,
    *,
    base_cfg: RunConfig | None = None,
    progress: ProgressFn | None = None,
    on_cell: Callable[[int, int, SweepCell, str], None] | None = None,
    jobs: int = 1,
    threads: int | None = None,
) -> list[SweepCell]:
    """Run every cell not yet finished; return the cells.

    ``sweep.json`` (the grid and its cells) is written first, so a report can show the
    sweep's config even while it runs.

    Args:
        grid: The sweep's axes.
        out: The sweep folder.
        base_cfg: The config the cells' overrides apply to (default: the defaults).
        progress: Called after every optimiser step of a run in this process.
        on_cell: Called before every cell (index, total, cell, status), in this process.
        jobs: Worker processes. With more than one, the chains of :func:`sweep_chains`
            run in spawned workers first; this process then runs what is left (nothing,
            unless a worker failed) and calls ``on_cell`` for every cell.
        threads: Torch threads of each worker, and of this process when given
            (None: this process keeps its setting, each worker uses one).
    """
    out = Path(out)
    cells = plan_sweep(grid, out)
    # Resolve every config before the first run: a bad cell fails now, not an hour in.
    configs = [merge_config(base_cfg or RunConfig(), cell.overrides) for cell in cells]
    _write_sweep_file(out, grid, cells)
    if threads is not None:
        _set_threads(threads)
    chains = sweep_chains(grid)
    if jobs > 1 and len(chains) > 1:
        _run_parallel(chains, out, min(jobs, len(chains)), threads or 1, base_cfg)
    _run_cells(cells, configs, out, progress=progress, on_cell=on_cell)
    return cells


def _write_sweep_file(out: Path, grid: SweepGrid, cells: Sequence[SweepCell]) -> None:
    atomic_write_json(
        out / SWEEP_FILE,
        {
            "grid": {
                "base": grid.base,
                "datasets": grid.datasets,
                "tokenizers": list(grid.tokenizers),
                "strategies": list(grid.strategies),
                "ratios": list(grid.ratios),
                "seeds": list(grid.seeds),
            },
            "cells": [
                {
                    "name": c.name,
                    "path": str(c.path.relative_to(out)),
                    "strategy": c.strategy,
                    "ratio": c.ratio,
                    "seed": c.seed,
                    "dataset": c.dataset,
                }
                for c in cells
            ],
        },
    )


def _run_cells(
    cells: Sequence[SweepCell],
    configs: Sequence[RunConfig],
    out: Path,
    *,
    progress: ProgressFn | None = None,
    on_cell: Callable[[int, int, SweepCell, str], None] | None = None,
) -> None:
    """Train (or resume) each cell not yet finished, in order."""
    for index, (cell, cfg) in enumerate(zip(cells, configs, strict=True)):
        status = cell_status(cell)
        if on_cell is not None:
            on_cell(index + 1, len(cells), cell, status)
        if status == "done":
            continue
        cfg = _paired_budget(cell, cfg)
        train(
            cfg,
            cell.path,
            resume=status == "partial",
            progress=progress,
            reference_cache=out / ".references",
        )


def _set_threads(threads: int) -> None:
    """This process's torch threads, also for the runs it trains next (a run's config
    would otherwise reset them to every core)."""
    import torch

    from .device import pin_cpu_threads

    pin_cpu_threads(threads)
    torch.set_num_threads(threads)


def _run_chain(chain: SweepGrid, out: Path, threads: int, base_cfg: RunConfig | None) -> int:
    """Worker: run one chain's cells in order; return how many."""
    _set_threads(threads)
    cells = plan_sweep(chain, out)
    configs = [merge_config(base_cfg or RunConfig(), cell.overrides) for cell in cells]
    _run_cells(cells, configs, out)
    return len(cells)


def _run_parallel(
    chains: Sequence[SweepGrid],
    out: Path,
    jobs: int,
    threads: int,
    base_cfg: RunConfig | None,
) -> None:
    """Run the chains in ``jobs`` spawned worker processes of ``threads`` torch threads."""
    context = multiprocessing.get_context("spawn")  # no forked torch state
    logger.info("%d chains of runs on %d workers x %d thread(s)", len(chains), jobs, threads)
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
        futures = [pool.submit(_run_chain, chain, out, threads, base_cfg) for chain in chains]
        for done, future in enumerate(as_completed(futures), start=1):
            cells = future.result()  # a failed chain fails the sweep (others finish first)
            logger.info("[%d/%d] chain of %d runs finished", done, len(chains), cells)
