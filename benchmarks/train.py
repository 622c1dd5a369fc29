"""Training-loop throughput: genoenc's data path versus a pre-built in-memory tensor.

Both arms run the same model and the same ``train_step``; the only difference is
where each batch comes from:

* ``genoenc data path``: FASTA streamed, tokenized, split, windowed, shuffled and
  turned into tensors as training goes (what ``genoenc train`` does);
* ``in-memory tensor``: the same number of batches prepared before the clock starts.

The data path's cost is the difference in step time. On CUDA the table adds model
FLOPs utilisation (6 x params x tokens per step, plus attention, over the device's
peak bf16 rate given with ``--peak-tflops``).

A second table times whole ``genoenc train`` runs (real CLI processes) at
``--run-budget`` tokens (default: ``genoenc train``'s own budget), one per feed: the
FASTA read and tokenized as training goes, and a token store written beforehand by
``genoenc tokenize``. For each it prints the step-only tokens/s (what
``metrics.json``'s ``tokens_per_second`` counts), the wall-clock tokens/s, validation's
share of wall time, and the test figure beside the best Markov model of the same blocks.
``--run-budget 0`` skips it.

    python benchmarks/train.py [--fasta FILE] [--steps 30] [--device auto] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from itertools import islice
from pathlib import Path
from typing import Any

import numpy as np
import torch

import genoenc
from genoenc.data import WindowConfig, WindowStream, batches
from genoenc.encoders import EncoderConfig, build_encoder
from genoenc.io import ReaderConfig
from genoenc.models import ModelConfig, build_model
from genoenc.tokenize import TokenizerConfig, build_tokenizer
from genoenc.train import RunConfig, pick_device
from genoenc.train.batches import Batch
from genoenc.train.config import TrainConfig
from genoenc.train.loop import make_optimizer, train_step
from genoenc.train.sources import open_piece_source

ROOT = Path(__file__).resolve().parent.parent
ECOLI = ROOT / "data" / "samples" / "ecoli_k12_mg1655_GCF_000005845.2.fna.gz"


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def _batch(tokenizer: Any, windows: np.ndarray, device: torch.device) -> Batch:
    """Store-id windows (B, L) -> the loop's batch on ``device``, as the loop makes it."""
    inputs, targets = tokenizer.inputs_targets(windows)
    return Batch.from_numpy(inputs, targets, tokenizer.scored(targets), device)


def run(args: argparse.Namespace) -> list[dict[str, object]]:
    device = pick_device(args.device)
    cfg = RunConfig(
        reader=ReaderConfig(fasta=(args.fasta,)),
        tokenizer=TokenizerConfig(k=args.k),
        window=WindowConfig(context=args.context),
        model=ModelConfig(d_model=args.d_model, n_layer=args.n_layer),
        encoder=EncoderConfig(strategy="learned", d_orig=64, ratio=4),
    )
    tokenizer = build_tokenizer(cfg.tokenizer)
    stream = WindowStream(
        open_piece_source(cfg, tokenizer), tokenizer, cfg.split, cfg.window, split="train", seed=0
    )

    def fresh() -> tuple[torch.nn.Module, torch.nn.Module, torch.optim.Optimizer]:
        torch.manual_seed(0)
        encoder = build_encoder(cfg.encoder, tokenizer.input_vocab_size).to(device)
        model = build_model(
            cfg.model, encoder.d_out, tokenizer.target_vocab_size, context=cfg.window.context
        ).to(device)
        return encoder, model, make_optimizer([encoder, model], cfg.train)

    total = args.warmup + args.steps
    tokens_per_step = args.batch_size * args.context
    rows = []

    # Arm 1: the real data path, batches produced inside the timed loop.
    encoder, model, optimizer = fresh()
    source = batches(stream, args.batch_size)
    for _ in range(args.warmup):
        train_step(
            encoder, model, optimizer, _batch(tokenizer, next(source), device), grad_clip=1.0
        )
    _sync(device)
    start = time.perf_counter()
    for _ in range(args.steps):
        train_step(
            encoder, model, optimizer, _batch(tokenizer, next(source), device), grad_clip=1.0
        )
    _sync(device)
    data_path_s = (time.perf_counter() - start) / args.steps

    # Arm 2: the same number of batches, prepared in memory before the clock starts.
    prepared = [
        _batch(tokenizer, b, device) for b in islice(batches(stream, args.batch_size), total)
    ]
    encoder, model, optimizer = fresh()
    for batch in prepared[: args.warmup]:
        train_step(encoder, model, optimizer, batch, grad_clip=1.0)
    _sync(device)
    start = time.perf_counter()
    for batch in prepared[args.warmup :]:
        train_step(encoder, model, optimizer, batch, grad_clip=1.0)
    _sync(device)
    memory_s = (time.perf_counter() - start) / args.steps

    # Data path alone (no model): what producing one batch costs.
    source = batches(stream, args.batch_size)
    start = time.perf_counter()
    for _ in range(args.steps):
        _batch(tokenizer, next(source), device)
    _sync(device)
    data_only_s = (time.perf_counter() - start) / args.steps

    n_params = sum(p.numel() for m in (encoder, model) for p in m.parameters())
    flops = (
        6 * n_params * tokens_per_step
        + 12 * args.n_layer * args.d_model * args.context * tokens_per_step
    )
    for name, seconds in (("genoenc data path", data_path_s), ("in-memory tensor", memory_s)):
        row: dict[str, object] = {
            "feed": name,
            "device": str(device),
            "ms_per_step": seconds * 1e3,
            "tokens_per_s": tokens_per_step / seconds,
            "batch_only_ms": data_only_s * 1e3 if name.startswith("genoenc") else 0.0,
            # What producing a batch costs, as a share of the data-path step.
            "data_share_pct": 100 * data_only_s / data_path_s
            if name.startswith("genoenc")
            else 0.0,
            # The measured step-time difference between the feeds (noisy on shared machines).
            "step_diff_pct": 100 * (data_path_s - memory_s) / data_path_s
            if name.startswith("genoenc")
            else 0.0,
        }
        if device.type == "cuda" and args.peak_tflops:
            row["mfu_pct"] = 100 * flops / seconds / (args.peak_tflops * 1e12)
        rows.append(row)
    return rows


def whole_runs(args: argparse.Namespace, folder: Path) -> list[dict[str, object]]:
    """One `genoenc train` process per feed at ``args.run_budget`` tokens; figures from
    its ``metrics.json``."""
    genoenc_cli = [sys.executable, "-m", "genoenc"]
    store = folder / "store"
    kmer = ["--k", str(args.k)]
    subprocess.run(
        [*genoenc_cli, "tokenize", "--fasta", args.fasta, *kmer, "-o", str(store)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    feeds = {
        "FASTA, tokenized live": ["--fasta", args.fasta],
        "token store": ["--tokens", str(store)],
    }
    rows = []
    for name, inputs in feeds.items():
        out = folder / name.split()[0].strip(",").lower()
        load = os.getloadavg()[0]
        subprocess.run(
            [
                *genoenc_cli,
                "train",
                *inputs,
                *kmer,
                "--device",
                args.device,
                "--strategy",
                "full",
                "--tokens-budget",
                str(args.run_budget),
                "--out",
                str(out),
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        m = json.loads((out / "metrics.json").read_text())
        rows.append(
            {
                "feed": name,
                "tokens": m["tokens_seen"],
                "wall_s": m["wall_seconds"],
                "step_tokens_per_s": m["tokens_per_second"],
                "wall_tokens_per_s": m["wall_tokens_per_second"],
                "val_share_pct": 100 * m["timing"]["val_share"],
                "test_bits": m["test"]["bits_per_base"],
                "markov_bits": m["reference"]["markov_bits"],
                "load_at_start": load,
            }
        )
    return rows


def _print_whole_runs(rows: list[dict[str, object]]) -> None:
    print(
        f"\n{'whole run (feed)':<24}{'tokens':>11}{'wall s':>8}{'step tok/s':>12}"
        f"{'wall tok/s':>12}{'val %':>7}{'test bits':>11}{'Markov':>8}{'load':>6}"
    )
    for r in rows:
        print(
            f"{r['feed']:<24}{r['tokens']:>11,}{r['wall_s']:>8.0f}{r['step_tokens_per_s']:>12,.0f}"
            f"{r['wall_tokens_per_s']:>12,.0f}{r['val_share_pct']:>7.1f}{r['test_bits']:>11.4f}"
            f"{r['markov_bits']:>8.4f}{r['load_at_start']:>6.1f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--fasta", default=str(ECOLI))
    parser.add_argument("--k", type=int, default=1)
    parser.add_argument("--context", type=int, default=256)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--d-model", type=int, default=64)
    parser.add_argument("--n-layer", type=int, default=2)
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--device", default="auto")
    parser.add_argument(
        "--peak-tflops",
        type=float,
        default=0.0,
        help="Device peak bf16 TFLOP/s for MFU (e.g. 989 for an H100 SXM).",
    )
    parser.add_argument(
        "--run-budget",
        type=int,
        default=TrainConfig().tokens_budget,
        help="Tokens per whole `genoenc train` run (0: skip) [genoenc train's default].",
    )
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    rows = run(args)
    print(
        f"# device {rows[0]['device']}, torch {torch.__version__}, genoenc {genoenc.__version__}, "
        f"python {platform.python_version()}, threads {torch.get_num_threads()}, "
        f"batch {args.batch_size}x{args.context}, d_model {args.d_model}, {args.n_layer} layers"
    )
    header = (
        f"{'feed':<20}{'ms/step':>10}{'tokens/s':>12}{'batch-only ms':>15}"
        f"{'data share %':>14}{'step diff %':>13}"
    )
    if "mfu_pct" in rows[0]:
        header += f"{'MFU %':>8}"
    print(header)
    for row in rows:
        line = (
            f"{row['feed']:<20}{row['ms_per_step']:>10.2f}{row['tokens_per_s']:>12,.0f}"
            f"{row['batch_only_ms']:>15.3f}{row['data_share_pct']:>14.2f}{row['step_diff_pct']:>13.2f}"
        )
        if "mfu_pct" in row:
            line += f"{row['mfu_pct']:>8.2f}"
        print(line)
    runs: list[dict[str, object]] = []
    if args.run_budget:
        with tempfile.TemporaryDirectory() as folder:
            runs = whole_runs(args, Path(folder))
        _print_whole_runs(runs)
    if args.json:
        args.json.write_text(json.dumps({"steps": rows, "runs": runs}, indent=2) + "\n")


if __name__ == "__main__":
    main()
