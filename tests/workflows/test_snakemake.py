"""The Snakemake workflow, run for real on the sample config (``make test-workflows``).

One end-to-end run with ``--cores 2``; then a second invocation must find everything up
to date and touch nothing; then losing one run's ``metrics.json`` reruns that cell alone
(resumed from its checkpoint) and the comparison and report after it.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.workflows._checks import (
    GENOENC,
    ROOT,
    SNAKEMAKE,
    check_comparison,
    check_report,
    check_runs,
    sample_config,
)

pytestmark = pytest.mark.workflows


def snakemake(workdir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "snakemake", "-s", str(SNAKEMAKE / "Snakefile"), *args],
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=600,
    )


def job_counts(output: str) -> dict[str, int]:
    """The 'Job stats' table of a snakemake run: rule -> jobs."""
    table = output.split("Job stats:", 1)[1]
    rows = re.finditer(r"^(\w+)\s+(\d+)$", table, re.M)
    return {m[1]: int(m[2]) for m in rows if m[1] != "total"}


def snapshot(folder: Path) -> dict[str, int]:
    return {str(p.relative_to(folder)): p.stat().st_mtime_ns for p in folder.rglob("*")}


@pytest.fixture(scope="module")
def sweep(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The sample config as shipped, with absolute inputs, this genoenc and a temp output."""
    workdir = tmp_path_factory.mktemp("snakemake")
    config = sample_config()
    config["datasets"] = {
        name: {kind: str(ROOT / path) for kind, path in spec.items()}
        for name, spec in config["datasets"].items()
    }
    config["genoenc"] = GENOENC
    config["out"] = "out"
    config_file = workdir / "config.yaml"
    config_file.write_text(yaml.safe_dump(config))
    first = snakemake(workdir, "--configfile", str(config_file), "--cores", "2")
    return {"workdir": workdir, "config": config, "config_file": config_file, "first": first}


def test_end_to_end(sweep: dict[str, Any]) -> None:
    first = sweep["first"]
    assert first.returncode == 0, first.stdout + first.stderr
    config, out = sweep["config"], sweep["workdir"] / "out"
    counts = job_counts(first.stdout + first.stderr)
    n_runs = len(config["seeds"]) * (1 + 2 * len(config["ratios"]))
    assert counts == {
        "all": 1,
        "compare": 1,
        "report": 1,
        "tokenize": 1,
        "train_full": len(config["seeds"]),
        "train_arm": n_runs - len(config["seeds"]),
    }
    runs = {}
    for metrics in (out / "runs").glob("*/*/*/seed*/metrics.json"):
        dataset, _, arm, seed = metrics.parent.relative_to(out / "runs").parts
        strategy, _, ratio = arm.partition("-r")
        runs[(dataset, strategy, int(ratio or 1), int(seed[4:]))] = metrics.parent
    check_runs(runs, config, base=sweep["workdir"])
    check_comparison(out / "compare.json", config)
    assert "verdict" in (out / "compare.txt").read_text()
    check_report(out / "report.html")


def test_second_invocation_does_nothing(sweep: dict[str, Any]) -> None:
    assert sweep["first"].returncode == 0
    workdir = sweep["workdir"]
    before = snapshot(workdir / "out")
    again = snakemake(workdir, "--configfile", str(sweep["config_file"]), "--cores", "2")
    assert again.returncode == 0, again.stderr
    text = again.stdout + again.stderr
    assert "Nothing to be done (all requested files are present and up to date)" in text
    assert snapshot(workdir / "out") == before


def test_interrupted_sweep_finishes(sweep: dict[str, Any]) -> None:
    """As if a cell had been killed after its last checkpoint: rerun it alone, then the rest."""
    assert sweep["first"].returncode == 0
    workdir, out = sweep["workdir"], sweep["workdir"] / "out"
    cell = next((out / "runs").glob("*/*/learned-r*/seed0"))
    finished = json.loads((cell / "metrics.json").read_text())
    for lost in (cell / "metrics.json", out / "compare.json", out / "report.html"):
        lost.unlink()
    args = ["--configfile", str(sweep["config_file"]), "--cores", "2"]
    rerun = snakemake(workdir, *args)
    assert rerun.returncode == 0, rerun.stderr
    counts = job_counts(rerun.stdout + rerun.stderr)
    assert counts == {"train_arm": 1, "compare": 1, "report": 1, "all": 1}
    dataset, tokenizer, arm = cell.parts[-4:-1]
    log = out / "logs" / "train" / f"{dataset}-{tokenizer}-{arm}-seed0.log"
    assert "resuming at step" in log.read_text()  # from its checkpoint, not from scratch
    assert json.loads((cell / "metrics.json").read_text())["test"] == finished["test"]
    last = snakemake(workdir, *args)
    assert "Nothing to be done" in last.stdout + last.stderr


def test_slurm_profile_resolves(sweep: dict[str, Any]) -> None:
    """The SLURM profile's settings apply (the slurm executor itself needs its plugin)."""
    planned = snakemake(
        sweep["workdir"],
        "--configfile",
        str(sweep["config_file"]),
        "--profile",
        str(SNAKEMAKE / "profiles" / "slurm"),
        "--executor",
        "dryrun",
        "--forceall",
        "--config",
        "out=planned",
    )
    assert planned.returncode == 0, planned.stderr
    text = planned.stdout + planned.stderr
    train_jobs = re.findall(r"rule train_\w+:.*?resources: ([^\n]*)", text, re.S)
    assert train_jobs
    assert all("mem_mb=4000" in r and "slurm_partition=cpu" in r for r in train_jobs)
