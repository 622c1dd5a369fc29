"""Time to the first optimiser step, and peak memory, of `genoenc train` on a large FASTA.

Generates a FASTA of ``--gb`` gigabytes (default 3: the size of hg38; 60-column lines,
a few chromosome-sized records, random ACGT with N runs and soft-masked stretches), then
runs ``genoenc train --fasta BIG`` as a subprocess and samples its resident memory every
50 ms. Nothing may read the whole input before training: the first step must come within
seconds and memory must stay flat while the stream advances.

    python benchmarks/first_step.py [--gb 3] [--workdir DIR] [--keep] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

import genoenc


def write_fasta(path: Path, gigabytes: float, records: int = 8, seed: int = 0) -> int:
    """Write about ``gigabytes`` of FASTA; returns the file size in bytes."""
    rng = np.random.default_rng(seed)
    block_bases = 60 * (1 << 16)  # ~3.9 MB of sequence per generated block
    alphabet = np.frombuffer(b"ACGTacgt", dtype=np.uint8)
    blocks = []
    for i in range(4):  # a few distinct blocks, reused: generation must not dominate
        seq = alphabet[rng.integers(0, 4, block_bases) + (4 if i == 1 else 0)].copy()
        if i == 2:
            seq[: 60 * 1000] = ord("N")  # an N run
        lines = seq.reshape(-1, 60)
        blocks.append(np.hstack([lines, np.full((len(lines), 1), ord("\n"), np.uint8)]).tobytes())
    target = int(gigabytes * 1e9)
    per_record = target // records
    written = 0
    with open(path, "wb") as handle:
        for r in range(records):
            handle.write(f">chr{r + 1} synthetic\n".encode())
            size = 0
            k = r
            while size < per_record:
                block = blocks[k % len(blocks)]
                handle.write(block)
                size += len(block)
                k += 1
            written += size
    return path.stat().st_size


def rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--gb", type=float, default=3.0)
    parser.add_argument("--workdir", type=Path)
    parser.add_argument("--tokens-budget", type=int, default=400_000)
    parser.add_argument("--keep", action="store_true", help="Keep the generated FASTA.")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="genoenc-first-step-"))
    workdir.mkdir(parents=True, exist_ok=True)
    fasta = workdir / "big.fa"
    started = time.perf_counter()
    size = fasta.stat().st_size if fasta.exists() else write_fasta(fasta, args.gb)
    generate_s = time.perf_counter() - started

    out = workdir / "run"
    shutil.rmtree(out, ignore_errors=True)
    command = [
        sys.executable,
        "-m",
        "genoenc",
        "train",
        "--fasta",
        str(fasta),
        "--device",
        "cpu",
        "--tokens-budget",
        str(args.tokens_budget),
        "--out",
        str(out),
    ]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env
    )
    first_step: list[float] = []
    last_step: list[float] = []
    lines: list[str] = []

    def watch() -> None:  # the first "step 1/N" progress line marks the first optimiser step
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line)
            if not first_step and re.search(r"step 1/\d+", line):
                first_step.append(time.perf_counter() - t0)
            last = re.search(r"step (\d+)/(\d+)", line)
            if last and last.group(1) == last.group(2):
                last_step.append(time.perf_counter() - t0)

    reader = threading.Thread(target=watch, daemon=True)
    reader.start()
    samples: list[tuple[float, float]] = []
    while proc.poll() is None:
        samples.append((time.perf_counter() - t0, rss_mb(proc.pid)))
        time.sleep(0.05)
    reader.join()
    buffer = "".join(lines)
    first_step_s = first_step[0] if first_step else float("nan")
    total_s = time.perf_counter() - t0
    if proc.returncode != 0:
        print(buffer, file=sys.stderr)
        raise SystemExit(f"genoenc train failed with exit code {proc.returncode}")
    peak = max(rss for _, rss in samples)
    # Memory while training (first to last optimiser step): must stay flat.
    end = last_step[0] if last_step else total_s
    during = [rss for t, rss in samples if first_step_s <= t <= end] or [0.0]
    fifth = max(1, len(during) // 5)
    early, late = during[:fifth], during[-fifth:]
    row = {
        "fasta_gb": size / 1e9,
        "generate_s": generate_s,
        "first_step_s": first_step_s,
        "run_s": total_s,
        "last_step_s": end,
        "peak_rss_mb": peak,
        "training_peak_rss_mb": max(during),
        "rss_first_fifth_mb": float(np.mean(early)),
        "rss_last_fifth_mb": float(np.mean(late)),
    }
    print(
        f"# {platform.node()} python {platform.python_version()} genoenc {genoenc.__version__}, "
        f"budget {args.tokens_budget:,} tokens"
    )
    print(
        f"{'FASTA GB':>9}{'first step s':>14}{'last step s':>13}{'run s':>8}"
        f"{'train RSS early MB':>20}{'train RSS late MB':>19}{'peak RSS MB':>13}"
    )
    print(
        f"{row['fasta_gb']:>9.2f}{row['first_step_s']:>14.2f}{row['last_step_s']:>13.1f}"
        f"{row['run_s']:>8.1f}{row['rss_first_fifth_mb']:>20.0f}{row['rss_last_fifth_mb']:>19.0f}"
        f"{row['peak_rss_mb']:>13.0f}"
    )
    print(
        "(peak RSS includes the Markov references fitted after training on at most "
        "train.ref_train_tokens tokens: bounded by the cap, not by the genome)"
    )
    if args.json:
        args.json.write_text(json.dumps(row, indent=2) + "\n")
    if not args.keep and args.workdir is None:
        shutil.rmtree(workdir)


if __name__ == "__main__":
    main()
