"""Shared test helpers: ``sample_path`` resolves files under ``data/samples/``."""

from __future__ import annotations

import os
from pathlib import Path

SAMPLES = Path(__file__).resolve().parent.parent / "data" / "samples"

# torch.compile caches and similar must never land in the repository.
os.environ.setdefault("TORCHINDUCTOR_CACHE_DIR", "/tmp/genoenc-inductor-cache")


def sample_path(name: str) -> Path:
    """Return the path of a bundled sample file, failing clearly if it is missing."""
    path = SAMPLES / name
    if not path.exists():
        raise FileNotFoundError(f"sample {name!r} is not in {SAMPLES}")
    return path
