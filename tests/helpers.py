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


def tiny_train_args(eval_tokens: int = 4096) -> list[str]:
    """`genoenc train` options for a fast run: lambda phage (48.5 kb) in 2,048-token blocks."""
    return [
        *("--fasta", str(sample_path("lambda_virus.fa"))),
        *("--block-tokens", "2048", "--context", "64", "--d-model", "32"),
        *("--batch-size", "16", "--eval-tokens", str(eval_tokens), "--device", "cpu"),
    ]
