"""What a finished sample sweep must hold, whichever engine ran it."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
SNAKEMAKE = ROOT / "workflows" / "snakemake"
NEXTFLOW = ROOT / "workflows" / "nextflow"

#: The genoenc of this environment, whatever PATH holds.
GENOENC = f"{sys.executable} -m genoenc"


def sample_config() -> dict[str, Any]:
    """The Snakemake sample config (the Nextflow params mirror it)."""
    config: dict[str, Any] = yaml.safe_load((SNAKEMAKE / "config.yaml").read_text())
    return config


def expected_cells(config: dict[str, Any]) -> set[tuple[str, str, int, int]]:
    """(dataset, strategy, ratio, seed) of every run of the grid (full has ratio 1)."""
    cells: set[tuple[str, str, int, int]] = set()
    for dataset in config["datasets"]:
        for seed in config["seeds"]:
            for strategy in config["strategies"]:
                ratios = [1] if strategy == "full" else config["ratios"]
                cells.update((dataset, strategy, int(r), int(seed)) for r in ratios)
    return cells


def check_runs(
    runs: dict[tuple[str, str, int, int], Path], config: dict[str, Any], base: Path
) -> None:
    """Every cell finished, with the metrics of its strategy, ratio and seed.

    ``runs`` maps (dataset, strategy, ratio, seed) to the run directory; relative paths
    recorded in the runs are relative to ``base`` (where the engine ran the commands).
    """
    assert set(runs) == expected_cells(config)
    for (_, strategy, ratio, seed), run in runs.items():
        metrics = json.loads((run / "metrics.json").read_text())
        assert (metrics["strategy"], metrics["ratio"], metrics["seed"]) == (strategy, ratio, seed)
        assert metrics["test"]["bits_per_base"] > 0
        saved = json.loads((run / "config.json").read_text())["config"]
        assert saved["tokens"], "trained on the token store"
        if strategy.startswith("autoencoder"):
            # the autoencoder compressed the full arm of the same dataset, tokenizer and seed
            source = base / saved["train"]["source_run"]
            full_metrics = json.loads((source / "metrics.json").read_text())
            assert (full_metrics["strategy"], full_metrics["seed"]) == ("full", seed)


def check_comparison(compare_json: Path, config: dict[str, Any]) -> None:
    """Rows pairing every two arms of a ratio over all seeds."""
    rows = json.loads(compare_json.read_text())
    arms = set(config["strategies"])  # compare names an arm by its strategy
    pairs = {frozenset((row["arm_a"], row["arm_b"])) for row in rows}
    assert pairs == {frozenset((a, b)) for a in arms for b in arms if a != b}
    for row in rows:
        assert row["n_pairs"] == len(config["seeds"])
        assert row["verdict"] in ("equivalent", "better", "worse", "inconclusive")


def check_report(html: Path) -> None:
    """A self-contained HTML report with its Markdown twin."""
    text = html.read_text()
    assert text.lstrip().lower().startswith("<!doctype html")
    assert "<img" in text
    assert "data:image/png;base64," in text
    assert html.with_suffix(".md").exists()
