"""The run directory: atomic JSON files, the JSONL log, schema checks.

A run directory is data, never code: ``config.json``, ``metrics.json``,
``log.jsonl`` and ``checkpoint.pt``. Every JSON file is written to a temporary
name in the same folder and renamed, so a crash never leaves a half-written
result behind.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from genoenc import __version__
from genoenc.errors import RunDirError, naming_os_errors

__all__ = [
    "CONFIG_FILE",
    "LOG_FILE",
    "METRICS_FILE",
    "SCHEMA_VERSION",
    "append_log",
    "atomic_write_bytes",
    "atomic_write_json",
    "config_hash",
    "read_json",
    "read_log",
    "read_metrics",
    "truncate_log",
    "versions",
]

#: Version of the run-directory layout and of ``metrics.json``'s keys.
SCHEMA_VERSION = 1
CONFIG_FILE = "config.json"
METRICS_FILE = "metrics.json"
LOG_FILE = "log.jsonl"

_UMASK = os.umask(0)
os.umask(_UMASK)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, 0o666 & ~_UMASK)  # mkstemp makes 0600; results are for everyone to read
        # A full disk raises OSError without a file name: name the file (issue 13).
        with naming_os_errors(path), os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_json(path: Path, obj: Any) -> None:
    """Write ``obj`` as indented JSON (keys in insertion order) atomically."""
    atomic_write_bytes(path, (json.dumps(obj, indent=2, allow_nan=True) + "\n").encode())


def read_json(path: Path) -> Any:
    """Read a JSON file, turning an unreadable one into a one-line :class:`RunDirError`."""
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        raise RunDirError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RunDirError(f"{path}: not a readable JSON file ({exc})") from None


def config_hash(config: Mapping[str, Any]) -> str:
    """A short stable hash of a resolved config (keys sorted).

    >>> config_hash({"b": 1, "a": [1, 2]}) == config_hash({"a": [1, 2], "b": 1})
    True
    """
    text = json.dumps(config, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def versions() -> dict[str, str]:
    """Versions of genoenc, torch, numpy and Python, for provenance."""
    import numpy
    import torch

    return {
        "genoenc": __version__,
        "torch": torch.__version__,
        "numpy": numpy.__version__,
        "python": platform.python_version(),
    }


def read_metrics(run: Path) -> dict[str, Any]:
    """Read and validate ``RUN/metrics.json``.

    Raises:
        RunDirError: the run is unfinished (no metrics), unreadable, or of another schema.
    """
    path = Path(run) / METRICS_FILE
    if not path.exists():
        raise RunDirError(f"{run}: unfinished run (no {METRICS_FILE})")
    metrics = read_json(path)
    if not isinstance(metrics, dict):
        raise RunDirError(f"{path}: not a metrics object")
    found = metrics.get("schema_version")
    if found != SCHEMA_VERSION:
        raise RunDirError(f"{path}: schema_version {found!r}, this genoenc reads {SCHEMA_VERSION}")
    return metrics


def append_log(run: Path, record: Mapping[str, Any]) -> None:
    """Append one JSON object as a line to ``RUN/log.jsonl``."""
    path = Path(run) / LOG_FILE
    with naming_os_errors(path), open(path, "a") as handle:
        handle.write(json.dumps(record) + "\n")
        handle.flush()


def read_log(run: Path) -> list[dict[str, Any]]:
    """Read ``RUN/log.jsonl``; a torn last line (a crash mid-write) is ignored."""
    path = Path(run) / LOG_FILE
    if not path.exists():
        return []
    records = []
    for line in path.read_text().splitlines():
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError:
            break
    return records


def truncate_log(run: Path, max_step: int) -> None:
    """Keep only log lines up to ``max_step`` (used on resume so the log is not doubled)."""
    kept = [r for r in read_log(run) if int(r.get("step", 0)) <= max_step]
    atomic_write_bytes(Path(run) / LOG_FILE, "".join(json.dumps(r) + "\n" for r in kept).encode())
