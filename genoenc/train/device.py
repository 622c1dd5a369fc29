"""Device choice and autocast."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping

import torch

from genoenc.errors import ConfigError

__all__ = ["autocast", "cpu_threads", "pick_device", "pin_cpu_threads"]

#: Threads of every run in this process whose config gives none: set by a sweep worker
#: (:func:`pin_cpu_threads`), so that N workers on N cores do not each take every core.
_pinned_threads: int | None = None


def pin_cpu_threads(threads: int) -> None:
    """Make ``threads`` the default of every later run in this process (a sweep worker's
    share of the cores); a run's own ``train.threads`` still wins."""
    global _pinned_threads
    _pinned_threads = threads


def pick_device(name: str) -> torch.device:
    """Resolve ``auto`` to CUDA, then MPS, then CPU; otherwise use ``name`` as given.

    Raises:
        ConfigError: ``cuda`` or ``mps`` asked for where this torch cannot use it; checked
            here, before a run writes anything.
    """
    base = name.split(":")[0]
    if base == "cuda" and not torch.cuda.is_available():
        why = "this torch is built without CUDA" if torch.version.cuda is None else "no GPU seen"
        raise ConfigError(
            f"train.device {name!r}: CUDA is not available ({why}, torch "
            f"{torch.__version__}); use --device cpu or auto"
        )
    if base == "mps" and not torch.backends.mps.is_available():
        raise ConfigError(f"train.device {name!r}: MPS is not available; use --device cpu or auto")
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    return torch.device(name)


@contextlib.contextmanager
def autocast(device: torch.device) -> Iterator[None]:
    """bf16 autocast on CUDA; full precision elsewhere (CPU results stay bit-reproducible)."""
    if device.type == "cuda":
        with torch.autocast(device_type="cuda", dtype=torch.bfloat16):
            yield
    else:
        yield


def cpu_threads(requested: int | None, environ: Mapping[str, str] | None = None) -> int:
    """Threads for torch: ``requested``, else the process's pinned share
    (:func:`pin_cpu_threads`), else the cores this process may use shared among the
    processes ``torchrun`` started on this machine (``LOCAL_WORLD_SIZE``).

    >>> cpu_threads(3)
    3
    >>> cpu_threads(None, {"LOCAL_WORLD_SIZE": "10000"})
    1
    """
    if requested is not None:
        return requested
    if _pinned_threads is not None:
        return _pinned_threads
    env = os.environ if environ is None else environ
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, (cores or 1) // max(1, int(env.get("LOCAL_WORLD_SIZE", "1"))))
