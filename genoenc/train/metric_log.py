"""Metric logs users already read, beside ``RUN/log.jsonl``: CSV and TensorBoard.

``log.jsonl`` stays the run's own record (one JSON object per evaluation step); the
formats here mirror each record as it is written:

* ``csv``: ``RUN/log.csv``, one row per record, a header of every key seen (rewritten
  from ``log.jsonl`` when a record brings a new key, and on resume, so the file always
  matches the log);
* ``tensorboard``: event files in ``RUN/tensorboard/`` through TensorBoard's own
  ``SummaryWriter`` (``pip install 'genoenc[tensorboard]'``), every numeric value as a
  scalar at the record's ``step``; on resume, events past the checkpoint are purged.

Writing these never changes a run's results or its config hash.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Protocol

from genoenc.errors import ConfigError
from genoenc.rundir import atomic_write_bytes, read_log

__all__ = [
    "LOG_FORMATS",
    "CsvLog",
    "MetricLog",
    "MetricLogs",
    "TensorBoardLog",
    "open_metric_logs",
]

#: Formats ``--log`` accepts.
LOG_FORMATS: tuple[str, ...] = ("csv", "tensorboard")
CSV_FILE = "log.csv"
TENSORBOARD_DIR = "tensorboard"


class MetricLog(Protocol):
    """Receives every record appended to ``log.jsonl``."""

    def write(self, record: Mapping[str, Any]) -> None:
        """Mirror one record."""

    def close(self) -> None:
        """Flush and close."""


def _csv_text(records: Iterable[Mapping[str, Any]], columns: list[str]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for record in records:
        writer.writerow({key: record.get(key, "") for key in columns})
    return buffer.getvalue()


class CsvLog:
    """``RUN/log.csv``: the records of ``log.jsonl`` as rows."""

    def __init__(self, run: Path) -> None:
        self.run = run
        self.path = run / CSV_FILE
        self.columns: list[str] = []
        self._rewrite(read_log(run))  # a resumed run: the log up to its checkpoint

    def _rewrite(self, records: list[dict[str, Any]]) -> None:
        columns: list[str] = []
        for record in records:
            columns += [key for key in record if key not in columns]
        self.columns = columns
        if records:
            atomic_write_bytes(self.path, _csv_text(records, columns).encode())
        else:
            self.path.unlink(missing_ok=True)

    def write(self, record: Mapping[str, Any]) -> None:
        """Append a row; a record with a key the header lacks rewrites the file."""
        if not self.columns or any(key not in self.columns for key in record):
            self._rewrite(read_log(self.run))  # log.jsonl already holds ``record``
            return
        with open(self.path, "a", encoding="utf-8", newline="") as handle:
            csv.DictWriter(handle, fieldnames=self.columns, lineterminator="\n").writerow(
                {key: record.get(key, "") for key in self.columns}
            )

    def close(self) -> None:
        """Nothing is held open between records."""


class TensorBoardLog:
    """Scalars in ``RUN/tensorboard/`` at each record's ``step``."""

    def __init__(self, run: Path, resume_step: int) -> None:
        try:
            from torch.utils.tensorboard import SummaryWriter
        except ImportError:  # torch raises this when the tensorboard package is missing
            raise ConfigError(
                "--log tensorboard needs TensorBoard: pip install 'genoenc[tensorboard]'"
            ) from None
        # purge_step drops events a crashed run wrote after its last checkpoint.
        self._writer = SummaryWriter(
            log_dir=str(run / TENSORBOARD_DIR), purge_step=resume_step + 1 if resume_step else None
        )

    def write(self, record: Mapping[str, Any]) -> None:
        """Every finite number of the record as a scalar (``train/``, ``val/`` groups)."""
        step = int(record.get("step", 0))
        for key, value in record.items():
            if key == "step" or isinstance(value, bool) or not isinstance(value, int | float):
                continue
            if not math.isfinite(value):
                continue
            if key.startswith("val_"):
                tag = f"val/{key[4:]}"
            elif key.startswith("train_"):
                tag = f"train/{key[6:]}"
            else:
                tag = f"train/{key}"
            self._writer.add_scalar(tag, value, step)
        self._writer.flush()

    def close(self) -> None:
        """Flush the event file and close it."""
        self._writer.close()


class MetricLogs:
    """Several :class:`MetricLog` behind one ``write``/``close``."""

    def __init__(self, logs: list[MetricLog]) -> None:
        self.logs = logs

    def write(self, record: Mapping[str, Any]) -> None:
        """Mirror ``record`` into every log."""
        for log in self.logs:
            log.write(record)

    def close(self) -> None:
        """Close every log."""
        for log in self.logs:
            log.close()


def check_log_formats(formats: Iterable[str]) -> tuple[str, ...]:
    """The formats, deduplicated in order; unknown ones raise ConfigError.

    >>> check_log_formats(["csv", "csv", "tensorboard"])
    ('csv', 'tensorboard')
    """
    chosen: list[str] = []
    for name in formats:
        if name not in LOG_FORMATS:
            raise ConfigError(f"--log must be one of {', '.join(LOG_FORMATS)} (got {name!r})")
        if name not in chosen:
            chosen.append(name)
    return tuple(chosen)


def open_metric_logs(run: Path, formats: Iterable[str], resume_step: int = 0) -> MetricLogs:
    """Open the logs of ``formats`` in ``run`` (which holds the log up to ``resume_step``).

    Raises:
        ConfigError: An unknown format, or TensorBoard asked for and not installed.
    """
    logs: list[MetricLog] = []
    for name in check_log_formats(formats):
        logs.append(CsvLog(run) if name == "csv" else TensorBoardLog(run, resume_step))
    return MetricLogs(logs)
