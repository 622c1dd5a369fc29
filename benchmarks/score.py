"""``genoenc score`` throughput and peak memory against the length of what it scores.

Generates single-record genomes of each ``--mb`` size (random ACGT with soft-masked and
N runs, as ``benchmarks/io.py`` writes them), trains a tiny run on the bundled lambda
phage unless ``--run`` names one, then runs ``genoenc score RUN --fasta GENOME -o OUT``
for each size and output format in a fresh process, reading its peak RSS from the kernel
(``wait4``). Streaming means the peak RSS does not grow with the record's length.

    python benchmarks/score.py [--mb 1 10] [--run RUN] [--workdir DIR] [--json FILE]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run from a checkout without installing

GENOENC = [sys.executable, "-c", "from genoenc.cli import main; main()"]
TINY_RUN = [
    *("--fasta", str(ROOT / "data/samples/lambda_virus.fa")),
    *("--block-tokens", "2048", "--context", "64", "--d-model", "32", "--n-layer", "2"),
    *("--batch-size", "16", "--eval-tokens", "4096", "--tokens-budget", "40000"),
    *("--device", "cpu"),
]


def _write_fasta(path: Path, mb: float, seed: int) -> None:
    """benchmarks/io.py's generator (loaded by path: a module named ``io`` shadows stdlib)."""
    spec = importlib.util.spec_from_file_location("genoenc_bench_io", ROOT / "benchmarks/io.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.write_fasta(path, mb, records=1, seed=seed)


def _genoenc(args: list[str]) -> tuple[float, int]:
    """Run a genoenc command; return its wall seconds and peak RSS in KiB."""
    start = time.perf_counter()
    child = subprocess.Popen([*GENOENC, *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status):
        assert child.stderr is not None
        raise SystemExit(f"genoenc {' '.join(args)} failed: {child.stderr.read().decode()}")
    return seconds, usage.ru_maxrss


def run(args: argparse.Namespace, workdir: Path) -> list[dict[str, Any]]:
    run_dir = args.run
    if run_dir is None:
        run_dir = workdir / "tiny-run"
        if not (run_dir / "metrics.json").exists():
            print(f"training {run_dir} ...", file=sys.stderr, flush=True)
            _genoenc(["-q", "train", *TINY_RUN, "--out", str(run_dir)])
    rows = []
    for mb in args.mb:
        genome = workdir / f"genome_{mb:g}Mb.fa"
        if not genome.exists():
            _write_fasta(genome, mb, seed=2)
        for output in args.formats:
            # "bw0": bigWig without zoom levels (--bigwig-zooms 0)
            suffix = "bw" if output == "bw0" else output
            out = workdir / f"scores_{mb:g}Mb.{output}.{suffix}"
            print(f"scoring {genome.name} -> {out.name} ...", file=sys.stderr, flush=True)
            command = ["-q", "score", str(run_dir), "--fasta", str(genome), "-o", str(out)]
            command += ["--batch-size", str(args.batch_size), "--json", str(out) + ".json"]
            if output == "bw0":
                command += ["--bigwig-zooms", "0"]
            seconds, rss = _genoenc(command)
            result = json.loads(Path(str(out) + ".json").read_text())
            rows.append(
                {
                    "genome": f"{mb:g} Mb, 1 record",
                    "output": "bw, no zooms" if output == "bw0" else output,
                    "bases_scored": result["bases_scored"],
                    "seconds": seconds,
                    "bases_per_s": result["bases_scored"] / seconds,
                    "peak_rss_mib": rss / 1024,
                    "output_mib": out.stat().st_size / 2**20,
                }
            )
    return rows


def format_table(rows: list[dict[str, Any]]) -> str:
    header = ("genome", "output", "bases scored", "wall s", "bases/s", "peak RSS MiB", "out MiB")
    cells = [list(header)]
    for row in rows:
        cells.append(
            [
                row["genome"],
                row["output"],
                f"{row['bases_scored']:,}",
                f"{row['seconds']:,.1f}",
                f"{row['bases_per_s']:,.0f}",
                f"{row['peak_rss_mib']:,.0f}",
                f"{row['output_mib']:,.1f}",
            ]
        )
    widths = [max(len(line[i]) for line in cells) for i in range(len(header))]
    lines = []
    for number, line in enumerate(cells):
        lines.append(
            "  ".join(
                text.ljust(w) if i < 2 else text.rjust(w)
                for i, (text, w) in enumerate(zip(line, widths, strict=True))
            )
        )
        if number == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mb", type=float, nargs="+", default=[1, 10], help="genome sizes")
    parser.add_argument(
        "--formats", nargs="+", default=["bedGraph", "bw", "bw0"], help="bw0: bigWig, no zooms"
    )
    parser.add_argument("--run", type=Path, help="a finished DNA run [a tiny one is trained]")
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--workdir", type=Path, help="keep the generated files here")
    parser.add_argument("--json", type=Path, help="also write the rows to this JSON file")
    args = parser.parse_args(argv)
    load_before = os.getloadavg()
    if args.workdir is not None:
        args.workdir.mkdir(parents=True, exist_ok=True)
        rows = run(args, args.workdir)
    else:
        with tempfile.TemporaryDirectory(prefix="genoenc-bench-score-") as folder:
            rows = run(args, Path(folder))
    import torch

    import genoenc

    print(
        f"device: cpu ({os.cpu_count()} CPUs, {platform.machine()}) | torch {torch.__version__}"
        f" | genoenc {genoenc.__version__} | load average before {load_before}, "
        f"after {os.getloadavg()}"
    )
    print(format_table(rows))
    if args.json is not None:
        args.json.write_text(json.dumps(rows, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
