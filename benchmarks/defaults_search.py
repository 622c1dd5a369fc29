"""The small search behind `genoenc train`'s defaults: one table per data set.

Each variant is one `genoenc train` run (a real CLI process) on one of three inputs:

* ``ecoli``: the bundled E. coli sample (test figure beside the best Markov model);
* ``markov4``: an order-4 Markov DNA source (4 x 250 kb records; test figure beside its
  exact entropy rate);
* ``shakespeare``: tinyshakespeare with the ``char`` tokenizer (bits per character
  beside nanoGPT's documented CPU run: val loss 1.88 nats/char = 2.71 bits/char).

A variant is ``NAME:OPTION=VALUE,OPTION=VALUE`` with `genoenc train` options without
their dashes (``lr=1e-2,d-model=128``); an empty option list runs the defaults. Results
are appended to ``--jsonl`` (one line per run), so a search can be grown over several
invocations, and the table printed covers every line of that file for the data set.

    python benchmarks/defaults_search.py ecoli "default:" "lr1e-2:lr=1e-2" \\
        --jsonl docs/results/defaults-search/runs.jsonl --out /tmp/search
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "data" / "samples"
GENOENC = [sys.executable, "-m", "genoenc"]


def _markov4_fasta(folder: Path) -> tuple[Path, float]:
    from genoenc.sources import DNA_DEFAULT_CONCENTRATION, MarkovSource, write_fasta
    from genoenc.tokenize.vocab import N_BASES

    source = MarkovSource(N_BASES, 4, DNA_DEFAULT_CONCENTRATION, 0)
    path = folder / "markov4.fa"
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        write_fasta(path, source.sample_records(4, 250_000, seed=1))
    return path, source.entropy_rate()


def _inputs(dataset: str, folder: Path) -> tuple[list[str], str, float | None]:
    """The input options, the unit and the target figure (entropy rate) if known."""
    if dataset == "ecoli":
        return ["--fasta", str(SAMPLES / "ecoli_k12_mg1655_GCF_000005845.2.fna.gz")], "base", None
    if dataset == "markov4":
        path, entropy = _markov4_fasta(folder)
        return ["--fasta", str(path)], "base", entropy
    if dataset == "shakespeare":
        return ["--text", str(SAMPLES / "tinyshakespeare.txt"), "--tokenizer", "char"], "char", None
    raise SystemExit(f"unknown data set {dataset!r} (ecoli, markov4, shakespeare)")


def _options(spec: str) -> tuple[str, list[str]]:
    name, _, rest = spec.partition(":")
    argv: list[str] = []
    for item in filter(None, rest.split(",")):
        key, _, value = item.partition("=")
        argv += [f"--{key}"] + ([value] if value else [])
    return name, argv


def _run(dataset: str, spec: str, out: Path) -> dict[str, object]:
    inputs, unit, entropy = _inputs(dataset, out)
    name, options = _options(spec)
    run_dir = out / dataset / name
    started = time.perf_counter()
    load = os.getloadavg()[0]
    subprocess.run(
        [*GENOENC, "train", *inputs, *options, "--out", str(run_dir), "--resume"],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    wall = time.perf_counter() - started
    m = json.loads((run_dir / "metrics.json").read_text())
    log = [json.loads(line) for line in (run_dir / "log.jsonl").read_text().splitlines()]
    return {
        "dataset": dataset,
        "variant": name,
        "options": " ".join(options),
        "unit": unit,
        "test": m["test"][f"bits_per_{unit}"],
        "markov": m["reference"]["markov_bits"],
        "order0": m["reference"]["order0_bits"],
        "entropy_rate": entropy,
        "tokens": m["tokens_seen"],
        "params": m["params"]["task_model"] + m["params"]["encoding"],
        "wall_s": wall,
        "step_tokens_per_s": m.get("tokens_per_second"),
        "val_share": m.get("timing", {}).get("val_share"),
        "load_at_start": load,
        "curve": [(r["tokens_seen"], r.get(f"val_bits_per_{unit}")) for r in log],
    }


def _table(rows: list[dict[str, object]]) -> str:
    lines = [
        "| variant | options | tokens | params | wall s | test | best Markov | entropy rate | "
        "val share | load |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        entropy = r["entropy_rate"]
        share = r["val_share"]
        lines.append(
            f"| {r['variant']} | `{r['options'] or '(defaults)'}` | {r['tokens']:,} | "
            f"{r['params']:,} | {r['wall_s']:.0f} | {r['test']:.4f} | {r['markov']:.4f} | "
            f"{'' if entropy is None else f'{entropy:.4f}'} | "
            f"{'' if share is None else f'{share:.1%}'} | {r['load_at_start']:.1f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dataset", choices=["ecoli", "markov4", "shakespeare"])
    parser.add_argument("variants", nargs="*", help="NAME:OPTION=VALUE,... (see module doc)")
    parser.add_argument("--jsonl", type=Path, required=True, help="results file (appended)")
    parser.add_argument("--out", type=Path, default=Path("/tmp/genoenc-search"))
    args = parser.parse_args()
    args.jsonl.parent.mkdir(parents=True, exist_ok=True)
    for spec in args.variants:
        row = _run(args.dataset, spec, args.out)
        with args.jsonl.open("a") as fh:
            fh.write(json.dumps(row) + "\n")
        print(f"{row['variant']}: {row['test']:.4f} in {row['wall_s']:.0f} s", file=sys.stderr)
    rows = [json.loads(line) for line in args.jsonl.read_text().splitlines()]
    print(_table([r for r in rows if r["dataset"] == args.dataset]))


if __name__ == "__main__":
    main()
