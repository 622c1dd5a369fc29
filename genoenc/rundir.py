"""The run directory: atomic JSON files, the JSONL log, schema checks.

A run directory is data, never code: ``config.json``, ``metrics.json``,
``log.jsonl`` and ``checkpoint.pt``. Every JSON file is written to a temporary
name in the same folder and renamed, so a crash never leaves a half-written
result behind.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import json
import os
import platform
import shutil
import socket
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from genoenc import __version__
from genoenc.errors import RunDirError, naming_os_errors

__all__ = [
    "CONFIG_FILE",
    "LOCK_FILE",
    "LOG_FILE",
    "METRICS_FILE",
    "SCHEMA_VERSION",
    "RunDirClaim",
    "append_log",
    "atomic_write_bytes",
    "atomic_write_json",
    "claim_run_dir",
    "config_diff",
    "config_hash",
    "discard_untrained",
    "input_stem",
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
#: Held (``flock``) by the one process writing a run directory; names its pid and host.
LOCK_FILE = ".genoenc.lock"

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


#: Suffixes an input's name loses in dataset labels (repeatedly: ``.fna.gz``).
INPUT_SUFFIXES = (".gz", ".bgz", ".fa", ".fasta", ".fna", ".fq", ".fastq", ".txt", ".bam", ".cram")


def input_stem(path: str | Path) -> str:
    """An input file's name without its sequence and compression suffixes: the dataset
    label of sweeps and of ``compare`` (so the two name one input alike).

    >>> input_stem("/d/ecoli_k12_mg1655_GCF_000005845.2.fna.gz")
    'ecoli_k12_mg1655_GCF_000005845.2'
    >>> input_stem("reads.fq")
    'reads'
    """
    name = Path(str(path)).name
    while name.endswith(INPUT_SUFFIXES):
        name = name[: name.rindex(".")]
    return name or "data"


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


def discard_untrained(run: Path) -> bool:
    """Remove the config and log of a run that never saved a checkpoint; say if it did.

    A run killed (``kill -9``, power loss) before its first checkpoint leaves
    ``config.json`` and perhaps a log, but nothing to resume: its directory is reset so the
    same command (with or without ``--resume``, with the old or a corrected config) starts
    afresh instead of being refused. Call it only while holding :func:`claim_run_dir`, so
    no live process is writing there.
    """
    run = Path(run)
    if (run / "checkpoint.pt").exists() or (run / METRICS_FILE).exists():
        return False
    for name in (CONFIG_FILE, LOG_FILE):
        (run / name).unlink(missing_ok=True)
    return True


def config_diff(saved: Mapping[str, Any], current: Mapping[str, Any], limit: int = 3) -> str:
    """The first differing ``section.field`` keys of two resolved configs, for messages.

    >>> config_diff({"train": {"lr": 0.1, "seed": 0}}, {"train": {"lr": 0.2, "seed": 0}})
    'train.lr 0.1 -> 0.2'
    """
    changes = []
    for section in sorted(set(saved) | set(current)):
        old, new = saved.get(section), current.get(section)
        if isinstance(old, Mapping) and isinstance(new, Mapping):
            for key in sorted(set(old) | set(new)):
                if old.get(key) != new.get(key):
                    changes.append(f"{section}.{key} {old.get(key)!r} -> {new.get(key)!r}")
        elif old != new:
            changes.append(f"{section} {old!r} -> {new!r}")
    more = f" (+{len(changes) - limit} more)" if len(changes) > limit else ""
    return ", ".join(changes[:limit]) + more


class RunDirClaim:
    """This process's hold on a run directory (see :func:`claim_run_dir`).

    Attributes:
        path: The run directory.
        created: Directories this claim created, outermost first (the run directory and
            missing parents).
        started: Set by :meth:`mark_started` once the run took its first optimiser step;
            from then on a failure keeps the directory, so ``--resume`` can continue it.
    """

    def __init__(self, path: Path, created: list[Path], before: set[str]) -> None:
        self.path = path
        self.created = created
        self.started = False
        self._before = before

    def mark_started(self) -> None:
        """Record that the run has trained: its directory now holds work worth keeping."""
        self.started = True

    def watch(
        self, progress: Callable[[int, int, float], None] | None
    ) -> Callable[[int, int, float], None]:
        """Wrap a per-step progress callback so the first step marks the run started."""

        def on_step(step: int, total: int, loss: float) -> None:
            self.started = True
            if progress is not None:
                progress(step, total, loss)

        return on_step

    def _remove_new_entries(self) -> None:
        """Undo what a run that never trained wrote: new entries, then created folders."""
        if self.created:
            shutil.rmtree(self.created[0], ignore_errors=True)
            return
        with contextlib.suppress(OSError):
            for entry in self.path.iterdir():
                if entry.name not in self._before:
                    if entry.is_dir() and not entry.is_symlink():
                        shutil.rmtree(entry, ignore_errors=True)
                    else:
                        entry.unlink(missing_ok=True)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _holder(lock: Path) -> str:
    """Describe the process named in a lock file: ``pid 123 on host (since 10:02 UTC)``."""
    try:
        info = json.loads(lock.read_text() or "{}")
        pid, host = int(info["pid"]), str(info["host"])
    except (OSError, ValueError, KeyError, TypeError):
        return "another process (its lock file is being written)"
    since = info.get("since")
    when = f", since {since}" if since else ""
    return f"pid {pid} on {host}{when}"


def _lock(path: Path) -> int:
    """Take the run directory's lock and write our pid and host into it; return its fd.

    ``flock`` is released by the kernel when its process dies, so a lock file left by a
    killed run (a dead pid) is simply taken over: stale locks recover by themselves.
    """
    lock = path / LOCK_FILE
    while True:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o666 & ~_UMASK)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(fd)
            if exc.errno not in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                raise
            raise RunDirError(
                f"{path}: in use by {_holder(lock)}; wait for it to finish or use another "
                f"--out (lock {lock})"
            ) from None
        try:
            same = os.stat(lock).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            same = False
        if same:  # not a lock file its last holder unlinked while we were opening it
            break
        os.close(fd)
    stamp = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())
    info = {"pid": os.getpid(), "host": socket.gethostname(), "since": stamp}
    os.ftruncate(fd, 0)
    os.pwrite(fd, (json.dumps(info) + "\n").encode(), 0)
    return fd


@contextlib.contextmanager
def claim_run_dir(path: Path, *, enabled: bool = True) -> Iterator[RunDirClaim]:
    """Claim ``path`` for this process for the length of the ``with`` block.

    The directory is created (with missing parents) and locked before anything else is
    written, so a second writer is refused with the pid and host of the first. When the
    block fails before :meth:`RunDirClaim.mark_started`, everything the claim or the run
    added is removed again (the directories it created, or the new files in one that
    existed): a run refused or broken before its first step leaves nothing that would block
    the same command once the cause is fixed. The lock file is removed on exit.

    Args:
        path: The run directory.
        enabled: ``False`` yields a claim that does nothing (non-zero DDP ranks).

    Raises:
        RunDirError: Another live process holds the directory.
    """
    path = Path(path)
    if not enabled:
        yield RunDirClaim(path, [], set())
        return
    missing: list[Path] = []
    for folder in [path, *path.parents]:
        if folder.exists():
            break
        missing.append(folder)
    created: list[Path] = []  # outermost first; only folders this process made
    for folder in reversed(missing):
        try:
            folder.mkdir()
            created.append(folder)
        except FileExistsError:  # a racing claimant made it: not ours to remove
            pass
    if not path.is_dir():
        raise RunDirError(f"{path}: exists and is not a directory; use another --out")
    stale = (path / LOCK_FILE).exists()  # a release unlinks it: only a dead holder leaves it
    try:
        fd = _lock(path)
    except BaseException:
        if created:
            shutil.rmtree(created[0], ignore_errors=True)
        raise
    if stale and not (path / CONFIG_FILE).exists():
        # The last claimant died before writing config.json: what it left (a vocabulary,
        # temporary files) is an interrupted start's, and would make the folder look foreign.
        for entry in path.iterdir():
            if entry.name == LOCK_FILE:
                continue
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)
    before = {entry.name for entry in path.iterdir()}
    claim = RunDirClaim(path, created, before)
    try:
        yield claim
    except BaseException:
        if not claim.started:
            claim._remove_new_entries()
        raise
    finally:
        with contextlib.suppress(OSError):
            if (path / LOCK_FILE).exists():
                (path / LOCK_FILE).unlink()
        os.close(fd)
