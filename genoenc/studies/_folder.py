"""The study folder's format: ``study.json`` and where the data and the runs live.

A study folder holds::

    OUT/study.json        the study, its mode (full or QUICK), budget and sources
    OUT/data/NAME-seedS/  one token store per synthetic source and data seed
    OUT/runs/             the sweep (genoenc.train.sweep): one run directory per cell
    OUT/report.html       the report (and report.md with its PNG plots, summary.json)

Both the runner and the report read it; neither imports the other for it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

from genoenc.errors import RunDirError
from genoenc.rundir import read_json
from genoenc.studies.presets import Budget, StudySpec

__all__ = ["DATA_DIR", "RUNS_DIR", "STUDY_FILE", "claim_folder", "new_manifest", "read_study"]

STUDY_FILE: Final = "study.json"
DATA_DIR: Final = "data"
RUNS_DIR: Final = "runs"
_FORMAT: Final = "genoenc-study"
_SCHEMA: Final = 1
# Fields of study.json that must match for a folder to be continued.
_IDENTITY: Final = ("study", "quick", "budget", "data_seed")


def read_study(out: str | Path) -> dict[str, Any]:
    """The ``study.json`` of a study folder.

    Raises:
        RunDirError: No readable study file.
    """
    path = Path(out) / STUDY_FILE
    if not path.is_file():
        raise RunDirError(f"{out}: not a study folder (no {STUDY_FILE})")
    content = read_json(path)
    if not isinstance(content, dict) or content.get("format") != _FORMAT:
        raise RunDirError(f"{path}: not a genoenc study file")
    return content


def new_manifest(
    spec: StudySpec, budget: Budget, *, quick: bool, custom_budget: bool, data_seed: int
) -> dict[str, Any]:
    """The first fields of ``study.json``: format, and what identifies the study."""
    return {
        "format": _FORMAT,
        "schema_version": _SCHEMA,
        "study": spec.name,
        "quick": quick,
        "custom_budget": custom_budget,
        "budget": dataclasses.asdict(budget),
        "data_seed": data_seed,
    }


def claim_folder(out: Path, manifest: Mapping[str, Any]) -> dict[str, Any] | None:
    """Create ``out``, or check that it holds the same study in the same mode.

    Returns:
        The ``study.json`` found (None for a new folder).

    Raises:
        RunDirError: ``out`` is a file, holds another study or mode, or holds other files.
    """
    if out.exists() and not out.is_dir():
        raise RunDirError(f"{out}: exists and is not a folder")
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
    return previous


def _identity(manifest: Mapping[str, Any]) -> dict[str, Any]:
    return {key: manifest.get(key) for key in _IDENTITY}


def _label(manifest: Mapping[str, Any]) -> str:
    return f"{'QUICK' if manifest.get('quick') else 'full'} study {manifest.get('study')!r}"
