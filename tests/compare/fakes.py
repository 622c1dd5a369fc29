"""Fake run directories with numbers the tests choose (no training involved)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from genoenc.rundir import SCHEMA_VERSION

UNIFORM = 2.0
ORDER0 = 1.95
MARKOV = 1.90


def write_run(
    root: Path,
    *,
    strategy: str,
    ratio: int,
    seed: int,
    value: float,
    data: str = "ecoli",
    domain: str = "genome",
    k: int = 1,
    stride: int | None = None,
    order0: float = ORDER0,
    learned_nothing: bool = False,
    schema_version: int = SCHEMA_VERSION,
    finished: bool = True,
    d_orig: int = 64,
    lr: float = 0.003,
    log_points: int = 4,
    name: str | None = None,
) -> Path:
    """Write ``config.json``, ``log.jsonl`` and (when finished) ``metrics.json`` of one run.

    The run directory is ``root/<data>/k<k>s<stride>/<arm>/seed<seed>`` (the sweep's layout)
    unless ``name`` is given. Returns it.
    """
    stride = k if stride is None else stride
    ratio = 1 if strategy == "full" else ratio
    arm = "full" if strategy == "full" else f"{strategy}-r{ratio}"
    run = root / (name or f"{data}/k{k}s{stride}/{arm}/seed{seed}")
    run.mkdir(parents=True, exist_ok=True)
    unit = "bits_per_char" if domain == "text" else "bits_per_base"
    d_c = d_orig // ratio
    config: dict[str, Any] = {
        "reader": {
            "fasta": [f"/data/{data}.fna.gz"] if domain == "genome" else [],
            "text": [f"/data/{data}.txt"] if domain == "text" else [],
        },
        "tokens": None,
        "tokenizer": {"kind": "dna" if domain == "genome" else "bytes", "k": k, "stride": stride},
        "split": {"val_fraction": 0.1, "test_fraction": 0.1, "block_tokens": 2048, "seed": 0},
        "window": {"context": 64, "shuffle_buffer": 128},
        "encoder": {"strategy": strategy, "d_orig": d_orig, "ratio": ratio},
        "model": {"arch": "transformer", "d_model": 32},
        "train": {
            "tokens_budget": 40000,
            "lr": lr,
            "seed": seed,
            "device": "cpu",
            "source_run": None,
        },
    }
    (run / "config.json").write_text(
        json.dumps(
            {
                "schema_version": schema_version,
                "config_hash": f"h{seed}{strategy}{ratio}",
                "config": config,
                "versions": {"genoenc": "0.1.0"},
                "command": ["genoenc", "train"],
            }
        )
    )
    log = [
        {
            "step": i + 1,
            "tokens_seen": (i + 1) * 10000,
            "lr": lr,
            "train_loss_nats": 1.3,
            f"val_{unit}": value + 0.1 * (log_points - 1 - i),
            "val_loss_nats": 1.3,
        }
        for i in range(log_points)
    ]
    (run / "log.jsonl").write_text("".join(json.dumps(line) + "\n" for line in log))
    if not finished:
        return run
    metrics: dict[str, Any] = {
        "schema_version": schema_version,
        "domain": domain,
        "sources": [
            {"path": f"/data/{data}.fna.gz", "kind": "fasta", "bytes": 1000, "sha256": "0" * 64}
        ],
        "tokenizer": {"kind": config["tokenizer"]["kind"], "k": k, "stride": stride},
        "vocab_size": 4**k + 4,
        "strategy": strategy,
        "ratio": ratio,
        "d_orig": d_orig,
        "d_c": d_c,
        "d_model": 32,
        "arch": "transformer",
        "seed": seed,
        "tokens_seen": log_points * 10000,
        "wall_seconds": 1.0,
        "tokens_per_second": 40000.0,
        "test": {
            "loss_nats": value * 0.6931,
            "bits_per_token": value * k,
            unit: value,
            "perplexity": 2**value,
            "accuracy": 0.3,
            "targets": 4096,
        },
        "reference": {
            "uniform_bits": UNIFORM,
            "order0_bits": order0,
            "markov_order": 3,
            "markov_bits": MARKOV,
        },
        "params": {
            "encoding": 8 * d_c,
            "training_only": 0,
            "task_model": 10000,
            "total": 10000 + 8 * d_c,
            "encoding_bytes": 4 * 8 * d_c,
        },
        "learned_nothing": learned_nothing,
        "config_hash": f"h{seed}{strategy}{ratio}",
    }
    (run / "metrics.json").write_text(json.dumps(metrics))
    return run


def write_sweep(
    root: Path,
    arms: dict[tuple[str, int], list[float]],
    *,
    sweep_json: bool = True,
    **kwargs: Any,
) -> Path:
    """Write one run per (arm, seed): ``arms[(strategy, ratio)][seed] = value``."""
    cells = []
    for (strategy, ratio), values in arms.items():
        for seed, value in enumerate(values):
            run = write_run(root, strategy=strategy, ratio=ratio, seed=seed, value=value, **kwargs)
            cells.append(
                {
                    "name": str(run.relative_to(root)),
                    "path": str(run.relative_to(root)),
                    "strategy": strategy,
                    "ratio": ratio,
                    "seed": seed,
                    "dataset": kwargs.get("data", "ecoli"),
                }
            )
    if sweep_json:
        (root / "sweep.json").write_text(
            json.dumps(
                {
                    "grid": {
                        "base": {},
                        "datasets": {kwargs.get("data", "ecoli"): {}},
                        "tokenizers": [{"k": 1}],
                        "strategies": sorted({s for s, _ in arms}),
                        "ratios": sorted({r for s, r in arms if s != "full"}),
                        "seeds": 5,
                    },
                    "cells": cells,
                }
            )
        )
    return root
