"""Checkpoints: model, optimiser, RNG and data position, loaded with ``weights_only=True``."""

from __future__ import annotations

import io
import pickle
import zipfile
from pathlib import Path
from typing import Any

import torch

from genoenc.errors import CheckpointError
from genoenc.rundir import SCHEMA_VERSION, atomic_write_bytes

__all__ = ["CHECKPOINT_FILE", "load_checkpoint", "rng_state", "save_checkpoint", "set_rng_state"]

CHECKPOINT_FILE = "checkpoint.pt"


def save_checkpoint(run: Path, state: dict[str, Any]) -> None:
    """Serialise ``state`` (tensors, numbers, strings, lists, dicts) atomically.

    The state must hold only what ``torch.load(weights_only=True)`` accepts: a run
    directory is data, never code.
    """
    buffer = io.BytesIO()
    torch.save({"schema_version": SCHEMA_VERSION, **state}, buffer)
    atomic_write_bytes(Path(run) / CHECKPOINT_FILE, buffer.getvalue())


def load_checkpoint(run: Path) -> dict[str, Any]:
    """Load ``RUN/checkpoint.pt`` safely.

    Raises:
        CheckpointError: missing, truncated, corrupted, or of another schema version.
    """
    path = Path(run) / CHECKPOINT_FILE
    if not path.exists():
        raise CheckpointError(f"{path}: no checkpoint to resume from")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except (
        RuntimeError,
        EOFError,
        OSError,
        ValueError,
        pickle.UnpicklingError,
        zipfile.BadZipFile,
    ) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise CheckpointError(f"{path}: corrupted or not a genoenc checkpoint ({first})") from None
    if not isinstance(state, dict) or state.get("schema_version") != SCHEMA_VERSION:
        found = state.get("schema_version") if isinstance(state, dict) else None
        raise CheckpointError(
            f"{path}: checkpoint schema_version {found!r}, this genoenc reads {SCHEMA_VERSION}"
        )
    return state


def rng_state() -> dict[str, Any]:
    """torch's global RNG state (and CUDA's), as a checkpoint stores it."""
    state: dict[str, Any] = {"torch": torch.get_rng_state()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict[str, Any]) -> None:
    """Restore what :func:`rng_state` returned."""
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])
