"""``genoenc train --log csv|tensorboard``: the log beside log.jsonl, in formats users read."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from genoenc.errors import ConfigError
from genoenc.rundir import append_log, read_log
from genoenc.train.metric_log import CsvLog, check_log_formats, open_metric_logs
from tests.trained_runs import tiny_run


def _csv_rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


def test_train_writes_csv_and_tensorboard(tmp_path_factory: pytest.TempPathFactory) -> None:
    event_accumulator = pytest.importorskip(
        "tensorboard.backend.event_processing.event_accumulator"
    )  # the `tensorboard` extra; make test installs it
    run = tiny_run("learned-logs", tmp_path_factory.getbasetemp())
    records = read_log(run)
    assert len(records) >= 2
    rows = _csv_rows(run / "log.csv")
    assert [int(r["step"]) for r in rows] == [r["step"] for r in records]
    assert float(rows[-1]["val_bits_per_base"]) == pytest.approx(records[-1]["val_bits_per_base"])
    events = event_accumulator.EventAccumulator(str(run / "tensorboard"))
    events.Reload()
    scalars = events.Tags()["scalars"]
    assert {"train/loss_nats", "val/bits_per_base", "train/lr"} <= set(scalars)
    points = events.Scalars("val/bits_per_base")
    assert [p.step for p in points] == [r["step"] for r in records]
    assert points[-1].value == pytest.approx(records[-1]["val_bits_per_base"], rel=1e-6)
    # The formats are outputs, not options of the run: the config does not mention them.
    assert "tensorboard" not in json.dumps(json.loads((run / "config.json").read_text())["config"])


def test_csv_follows_the_jsonl_log_and_new_keys(tmp_path: Path) -> None:
    append_log(tmp_path, {"step": 1, "lr": 0.1, "train_loss_nats": 2.0})
    log = CsvLog(tmp_path)  # a resumed run: rows of the log so far
    assert [r["step"] for r in _csv_rows(tmp_path / "log.csv")] == ["1"]
    record = {"step": 2, "lr": 0.05, "train_loss_nats": 1.5}
    append_log(tmp_path, record)
    log.write(record)
    wider = {"step": 3, "lr": 0.01, "train_loss_nats": 1.2, "val_bits_per_base": 1.9}
    append_log(tmp_path, wider)
    log.write(wider)
    rows = _csv_rows(tmp_path / "log.csv")
    assert [r["step"] for r in rows] == ["1", "2", "3"]
    assert rows[0]["val_bits_per_base"] == ""
    assert rows[2]["val_bits_per_base"] == "1.9"


def test_unknown_format_is_a_config_error(tmp_path: Path) -> None:
    assert check_log_formats(["tensorboard", "csv", "csv"]) == ("tensorboard", "csv")
    with pytest.raises(ConfigError, match="--log must be one of csv, tensorboard"):
        open_metric_logs(tmp_path, ["wandb"])
