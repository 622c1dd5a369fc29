"""Finding finished runs: run directories at any depth, and the sweep files naming them.

A sweep folder holds run directories at any depth and, optionally, ``sweep.json`` naming
each cell's dataset. :func:`load_runs` reads every run below the given paths with
:func:`genoenc.compare._runs.read_run`.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from genoenc.compare._runs import Problem, RunResult, message_without, read_run
from genoenc.errors import RunDirError
from genoenc.rundir import CONFIG_FILE, METRICS_FILE, read_json

__all__ = ["SWEEP_FILE", "find_run_dirs", "load_runs", "read_sweep_specs"]

logger = logging.getLogger(__name__)

SWEEP_FILE = "sweep.json"


def find_run_dirs(root: Path) -> list[Path]:
    """Run directories at or below ``root``: folders holding ``config.json`` or ``metrics.json``.

    A run directory is not searched further (its inner folders, such as an autoencoder
    arm's ``source_full`` run, are its own artefacts); hidden folders are skipped
    (temporary files of atomic writes). The order is sorted and stable.

    Args:
        root: a run directory or a folder holding some.

    Returns:
        Paths of the run directories, sorted.
    """
    if _is_run_dir(root):
        return [root]
    found: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(root):
        here = Path(dirpath)
        if here != root and (CONFIG_FILE in filenames or METRICS_FILE in filenames):
            found.append(here)
            dirnames.clear()
            continue
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
    return sorted(found)


def _is_run_dir(path: Path) -> bool:
    return (path / CONFIG_FILE).is_file() or (path / METRICS_FILE).is_file()


def read_sweep_specs(paths: Iterable[str | Path]) -> list[tuple[Path, dict[str, Any]]]:
    """Every readable ``sweep.json`` at or below ``paths`` (outside run directories).

    Returns:
        ``(folder, content)`` pairs, sorted by folder; unreadable files are left out
        (:func:`load_runs` reports them as problems).
    """
    specs = []
    for folder in _sweep_folders(paths):
        try:
            content = read_json(folder / SWEEP_FILE)
        except RunDirError:
            continue
        if isinstance(content, dict):
            specs.append((folder, content))
    return specs


def _sweep_folders(paths: Iterable[str | Path]) -> list[Path]:
    folders: set[Path] = set()
    for path in map(Path, paths):
        if not path.is_dir() or _is_run_dir(path):
            continue
        for dirpath, dirnames, filenames in os.walk(path):
            if SWEEP_FILE in filenames:
                folders.add(Path(dirpath))
            if CONFIG_FILE in filenames or METRICS_FILE in filenames:
                dirnames.clear()
            dirnames[:] = [d for d in dirnames if not d.startswith(".")]
    return sorted(folders)


def _dataset_names(paths: Iterable[str | Path], problems: list[Problem]) -> dict[Path, str]:
    """Map each sweep cell's resolved run path to its dataset name, from ``sweep.json``."""
    names: dict[Path, str] = {}
    for folder in _sweep_folders(paths):
        try:
            content = read_json(folder / SWEEP_FILE)
            cells = content["cells"]
            for cell in cells:
                names[(folder / cell["path"]).resolve()] = str(cell["dataset"])
        except RunDirError as exc:
            problems.append(
                Problem(str(folder / SWEEP_FILE), f"ignored ({message_without(exc, '')})")
            )
        except (KeyError, TypeError):
            problems.append(
                Problem(str(folder / SWEEP_FILE), "ignored: no cells with path and dataset")
            )
    return names


def load_runs(paths: Iterable[str | Path]) -> tuple[list[RunResult], list[Problem]]:
    """Read every finished run at or below ``paths`` (run directories or sweep folders).

    A run that cannot be used becomes a :class:`Problem`, never an exception and never
    silently dropped: unfinished (no ``metrics.json``), another ``schema_version``,
    unreadable JSON, a missing key, a non-finite test value.

    Args:
        paths: run directories and/or folders holding run directories.

    Returns:
        ``(runs, problems)``: runs sorted by path; problems in the order found.

    Raises:
        RunDirError: a path does not exist or is not a folder, or no finished run was
            found at all (the message says how many runs were unfinished or skipped).
    """
    folders = [Path(p) for p in paths]
    if not folders:
        raise RunDirError("no run directory or sweep folder given")
    problems: list[Problem] = []
    run_dirs: list[Path] = []
    for path in folders:
        if not path.exists():
            raise RunDirError(f"{path}: no such run directory or sweep folder")
        if not path.is_dir():
            raise RunDirError(f"{path}: not a folder (give a run directory or a sweep folder)")
        found = find_run_dirs(path)
        if not found:
            problems.append(Problem(str(path), "no run directory (no config.json) below it"))
        run_dirs.extend(found)
    datasets = _dataset_names(folders, problems)
    runs: list[RunResult] = []
    seen: set[Path] = set()
    for run_dir in run_dirs:
        resolved = run_dir.resolve()
        if resolved in seen:
            continue  # the same run reached through two of the given paths
        seen.add(resolved)
        result = read_run(run_dir, datasets.get(resolved), problems)
        if result is not None:
            runs.append(result)
    if not runs:
        where = ", ".join(str(p) for p in folders)
        counts = _problem_counts(problems)
        raise RunDirError(f"{where}: no finished run{counts}")
    runs.sort(key=lambda r: str(r.path))
    logger.debug("%d finished runs, %d problems", len(runs), len(problems))
    return runs, problems


def _problem_counts(problems: list[Problem]) -> str:
    unfinished = sum(p.message.startswith("unfinished") for p in problems)
    skipped = sum(p.message.startswith("skipped") for p in problems)
    parts = [f"{unfinished} unfinished"] if unfinished else []
    if skipped:
        parts.append(f"{skipped} skipped")
    return f" ({', '.join(parts)})" if parts else ""
