"""The Nextflow pipeline's commands, run for real without Nextflow (``make test-workflows``).

Nextflow cannot be installed here, so ``main.nf`` itself never runs. What can be checked:
``nextflow.config``'s params mirror the Snakemake sample config; and every ``genoenc``
command line of the process scripts, filled in from those params, runs in the pipeline's
order and produces what the pipeline publishes. Each task runs in a work folder of its
own with its inputs staged as symlinks, as Nextflow stages them; the channel logic of the
workflow block is mirrored in :func:`pipeline` (that part is read, not executed).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from tests.workflows._checks import (
    GENOENC,
    NEXTFLOW,
    ROOT,
    check_comparison,
    check_report,
    check_runs,
    sample_config,
)

PROCESSES = ("TOKENIZE", "TRAIN_FULL", "TRAIN_ARM", "TRAIN_AE", "COMPARE", "REPORT")


# ------------------------------------------------------------------ reading the Nextflow files


def parse_groovy(text: str) -> Any:
    """A Groovy literal: 'string', "string", number, [list] or [key: value] map.

    >>> parse_groovy("[lambda: [fasta: 'a.fa'], n: [1, 2.5]]")
    {'lambda': {'fasta': 'a.fa'}, 'n': [1, 2.5]}
    """
    value, rest = _literal(text.strip())
    if rest.strip():
        raise ValueError(f"trailing text after a Groovy literal: {rest!r}")
    return value


def _literal(text: str) -> tuple[Any, str]:
    text = text.lstrip()
    if text[0] in "'\"":
        end = text.index(text[0], 1)
        return text[1:end], text[end + 1 :]
    if text[0] == "[":
        return _collection(text[1:])
    match = re.match(r"-?\d+(\.\d+)?|true|false", text)
    if match is None:
        raise ValueError(f"not a Groovy literal: {text[:30]!r}")
    word = match.group(0)
    value: Any = {"true": True, "false": False}.get(word)
    if value is None:
        value = float(word) if "." in word else int(word)
    return value, text[match.end() :]


def _collection(text: str) -> tuple[Any, str]:
    items: list[Any] = []
    entries: dict[str, Any] = {}
    text = text.lstrip()
    if text.startswith(":]"):
        return {}, text[2:]
    while not text.startswith("]"):
        key = re.match(r"(\w+)\s*:", text)
        if key:
            entries[key.group(1)], text = _literal(text[key.end() :])
        else:
            item, text = _literal(text)
            items.append(item)
        text = text.lstrip()
        if text.startswith(","):
            text = text[1:].lstrip()
    if entries and items:
        raise ValueError("a Groovy literal mixes list items and map entries")
    return (entries if entries else items), text[1:]


def nextflow_params() -> dict[str, Any]:
    """The ``params { ... }`` block of nextflow.config."""
    text = (NEXTFLOW / "nextflow.config").read_text()
    block = re.search(r"^params \{\n(.*?)^\}", text, re.S | re.M)
    assert block is not None
    params = {}
    for line in block.group(1).splitlines():
        line = line.strip()
        if not line or line.startswith("//"):
            continue
        name, _, value = line.partition("=")
        params[name.strip()] = parse_groovy(value)
    return params


def process_commands() -> dict[str, str]:
    """Process name -> its script's ``genoenc`` command line (one per process)."""
    text = (NEXTFLOW / "main.nf").read_text()
    commands = {}
    for match in re.finditer(r"^process (\w+) \{\n(.*?)^\}", text, re.S | re.M):
        script = re.search(r'script:\s*"""\n(.*?)"""', match.group(2), re.S)
        assert script is not None, f"process {match.group(1)} has no script"
        lines = [line.strip() for line in script.group(1).splitlines() if line.strip()]
        assert len(lines) == 1, f"process {match.group(1)}: one command per script"
        assert "${params.genoenc} " in lines[0]
        commands[match.group(1)] = lines[0]
    return commands


def fill(template: str, values: dict[str, Any]) -> str:
    """Replace ``${name}`` placeholders (``params.x``, ``task.cpus``, inputs)."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            raise KeyError(f"no value for ${{{name}}} in {template!r}")
        return str(values[name])

    return re.sub(r"\$\{([\w.]+)\}", value, template)


# ------------------------------------------------------------------ running the pipeline


class Tasks:
    """Runs filled command lines, each in a work folder with its inputs staged as symlinks."""

    def __init__(self, root: Path, commands: dict[str, str], params: dict[str, Any]) -> None:
        self.root = root
        self.commands = commands
        self.params = params
        self.count = 0
        self.ran: list[str] = []

    def run(self, process: str, staged: dict[str, Path], values: dict[str, Any]) -> Path:
        """Stage ``staged`` (name -> file), fill the command, run it; return the work folder."""
        self.count += 1
        work = self.root / "work" / f"{self.count:02d}-{process}"
        work.mkdir(parents=True)
        for name, target in staged.items():
            (work / name).symlink_to(target.resolve())
        filled = {
            **{f"params.{k}": v for k, v in self.params.items()},
            "task.cpus": self.params["threads"],
            **values,
        }
        line = fill(self.commands[process], filled)
        done = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", line],
            cwd=work,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert done.returncode == 0, f"{process}: {line}\n{done.stdout}\n{done.stderr}"
        self.ran.append(process)
        return work

    def parallel(self, jobs: list[Callable[[], Any]]) -> list[Any]:
        """Tasks of one stage run side by side, as Nextflow would (2 at a time here)."""
        with ThreadPoolExecutor(max_workers=2) as pool:
            return list(pool.map(lambda job: job(), jobs))


def tokenizers(params: dict[str, Any]) -> Iterator[tuple[str, int, int]]:
    for spec in params["tokenizers"]:
        k = int(spec["k"])
        stride = int(spec.get("stride") or k)
        yield f"k{k}s{stride}", k, stride


def pipeline(tasks: Tasks, params: dict[str, Any], out: Path) -> dict[str, Any]:
    """The workflow block of main.nf, step by step; returns what it publishes."""
    table = re.search(r"--source-table[ =](\S+)", params["train_args"])
    source_table = table.group(1) if table else "full"

    def needs_full(strategy: str) -> bool:
        return strategy.startswith("autoencoder") and source_table == "full"

    want_full = "full" in params["strategies"] or any(map(needs_full, params["strategies"]))
    arms = [(s, int(r)) for s in params["strategies"] if s != "full" for r in params["ratios"]]
    published: dict[tuple[str, str, int, int], Path] = {}

    def publish(work: Path, run: str, key: tuple[str, str, int, int]) -> Path:
        target = out / "runs" / run
        shutil.copytree(work / run, target)  # publishDir mode 'copy'
        published[key] = target
        return work / run

    # TOKENIZE: datasets x tokenizers
    stores = {}
    for name, spec in params["datasets"].items():
        ((option, source),) = spec.items()
        source_path = Path(source)
        for label, k, stride in tokenizers(params):
            work = tasks.run(
                "TOKENIZE",
                {source_path.name: source_path},
                {"option": option, "source": source_path.name, "k": k, "stride": stride},
            )
            stores[(name, label)] = (work / "store", k, stride)

    def train(
        process: str, cell: tuple[str, str, int], strategy: str, ratio: int, full_run: Path | None
    ) -> Callable[[], Path]:
        dataset, label, seed = cell
        store, k, stride = stores[(dataset, label)]
        arm = "full" if strategy == "full" else f"{strategy}-r{ratio}"
        run = f"{dataset}-{label}-{arm}-seed{seed}"
        values = {"k": k, "stride": stride, "store": "store", "seed": seed, "run": run}
        values |= {"strategy": strategy, "ratio": ratio}
        staged = {"store": store}
        if full_run is not None:  # staged under its own name, as Nextflow does
            staged[full_run.name] = full_run
            values["full_run"] = full_run.name
        key = (dataset, strategy, 1 if strategy == "full" else ratio, seed)
        return lambda: publish(tasks.run(process, staged, values), run, key)

    cells = [(d, label, int(seed)) for (d, label) in stores for seed in params["seeds"]]
    # TRAIN_FULL and TRAIN_ARM need nothing but a store: one stage
    full_jobs = [train("TRAIN_FULL", cell, "full", 1, None) for cell in cells if want_full]
    plain_jobs = [
        train("TRAIN_ARM", cell, strategy, ratio, None)
        for cell in cells
        for strategy, ratio in arms
        if not needs_full(strategy)
    ]
    results = tasks.parallel(full_jobs + plain_jobs)
    full_runs = dict(zip([c for c in cells if want_full], results, strict=False))
    # TRAIN_AE: joined with the full run of the same dataset, tokenizer and seed
    tasks.parallel(
        [
            train("TRAIN_AE", cell, strategy, ratio, full_runs[cell])
            for cell in cells
            for strategy, ratio in arms
            if needs_full(strategy)
        ]
    )
    # COMPARE and REPORT over all runs, staged side by side
    staged = {path.name: path for path in published.values()}
    runs = " ".join(sorted(staged))
    work = tasks.run("COMPARE", staged, {"runs": runs})
    for name in ("compare.json", "compare.txt"):
        shutil.copy(work / name, out / name)
    work = tasks.run("REPORT", {**staged, "compare.json": out / "compare.json"}, {"runs": runs})
    for produced in work.glob("report*"):
        shutil.copy(produced, out / produced.name)
    return {"runs": published, "work": tasks.root / "work"}


# ------------------------------------------------------------------ tests


def test_params_mirror_the_snakemake_config() -> None:
    params = nextflow_params()
    config = sample_config()
    assert set(params) == set(config)
    different = {k for k in config if params[k] != config[k]}
    assert different == {"out"}  # so that the two samples do not share a folder
    # the train options are one line in Groovy and a folded block in YAML: the same words
    assert params["train_args"].split() == config["train_args"].split()


def test_every_process_has_one_genoenc_command() -> None:
    commands = process_commands()
    assert tuple(commands) == PROCESSES
    workflow = (NEXTFLOW / "main.nf").read_text().split("\nworkflow {", 1)[1]
    for name in PROCESSES:
        assert f"{name}(" in workflow, f"{name} is never called"
    assert "--source-run ${full_run}" in commands["TRAIN_AE"]
    assert "--source-run" not in commands["TRAIN_ARM"]


@pytest.mark.workflows
def test_commands_run_in_pipeline_order(tmp_path: Path) -> None:
    params = nextflow_params()
    params["genoenc"] = GENOENC
    params["datasets"] = {
        name: {kind: str(ROOT / path) for kind, path in spec.items()}
        for name, spec in params["datasets"].items()
    }
    out = tmp_path / "out"
    (out / "runs").mkdir(parents=True)
    tasks = Tasks(tmp_path, process_commands(), params)
    published = pipeline(tasks, params, out)

    assert set(tasks.ran) == set(PROCESSES)
    assert tasks.ran[0] == "TOKENIZE"
    assert tasks.ran[-2:] == ["COMPARE", "REPORT"]
    first_ae = tasks.ran.index("TRAIN_AE")
    assert "TRAIN_FULL" not in tasks.ran[first_ae:]
    for run in published["runs"].values():
        assert sorted(p.name for p in run.iterdir()) == [
            "checkpoint.pt",
            "config.json",
            "log.jsonl",
            "metrics.json",
        ]
    # --source-run names the staged full run, which is published beside the autoencoder's
    check_runs(published["runs"], sample_config_with(params), base=out / "runs")
    check_comparison(out / "compare.json", params)
    check_report(out / "report.html")


def sample_config_with(params: dict[str, Any]) -> dict[str, Any]:
    """The grid of ``params`` in the Snakemake config's shape (the same keys)."""
    config = sample_config()
    config.update({k: params[k] for k in ("datasets", "strategies", "ratios", "seeds")})
    return config
