"""The metrics record: what ``RUN/metrics.json`` holds for a finished run.

Keys keep the order they have always had in the file (``metrics.json`` is written in
insertion order); DESIGN's run-directory section describes them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from genoenc.encoders import Encoder
from genoenc.models import TaskModel
from genoenc.rundir import SCHEMA_VERSION
from genoenc.tokenize import TokenizerConfig

from .config import RunConfig, TrainConfig
from .references import gap_closed, learned_nothing
from .sources import domain_of, source_descriptions

__all__ = ["Finished", "Timing", "metrics_record"]

#: How the eval samples are drawn, recorded beside their sizes.
EVAL_SAMPLE_RULE = (
    "whole blocks drawn uniformly (seed 0) among those starting in the "
    "first scan_tokens (bases for DNA), then their first windows up to the cap"
)


@dataclass(frozen=True, kw_only=True)
class Timing:
    """Seconds of a run: all of it, the loop, and the parts of the loop not spent in steps."""

    wall_seconds: float
    train_seconds: float
    val_seconds: float
    checkpoint_seconds: float
    test_seconds: float


@dataclass(frozen=True, kw_only=True)
class Finished:
    """A finished run as the record reads it: its modules, where the loop stopped, its scores.

    Attributes:
        steps: Optimiser steps taken; ``total_steps`` the schedule's length as the last
            one began (they differ only when an automatic budget stopped early).
        stop: :meth:`Schedule.summary <genoenc.train.schedule.Schedule.summary>`.
        stage1: The staged autoencoder's stage-1 record (empty for other arms).
        test: :func:`~genoenc.train.evaluate.evaluate` on the test sample.
        source_run: The ``full`` run whose table the arm compressed, or ``None``.
    """

    tokenizer: Any
    encoder: Encoder
    model: TaskModel
    steps: int
    total_steps: int
    tokens_per_step: int
    stop: dict[str, Any]
    stage1: dict[str, Any]
    test: dict[str, Any]
    reference: dict[str, Any]
    val_windows: int
    test_windows: int
    timing: Timing
    device: str
    source_run: Path | None
    world_size: int


def metrics_record(cfg: RunConfig, cfg_hash: str, run: Finished) -> dict[str, Any]:
    """The ``metrics.json`` of a finished run of ``cfg``."""
    task_tokens = run.total_steps * run.tokens_per_step
    bits = run.test[f"bits_per_{run.tokenizer.unit_name}"]
    stage_tokens: dict[str, Any] = {"task": task_tokens, **run.stage1}
    if run.source_run is not None:
        stage_tokens["source_full_run"] = str(run.source_run)
    return {
        "schema_version": SCHEMA_VERSION,
        "domain": domain_of(cfg),
        "sources": source_descriptions(cfg),
        "tokenizer": _tokenizer_record(cfg.tokenizer, run.tokenizer),
        "vocab_size": run.tokenizer.input_vocab_size,
        "target_vocab_size": run.tokenizer.target_vocab_size,
        "strategy": cfg.encoder.strategy,
        "ratio": 1 if cfg.encoder.strategy == "full" else cfg.encoder.ratio,
        "d_orig": cfg.encoder.d_orig,
        "d_c": run.encoder.d_out,
        "d_model": cfg.model.d_model,
        "arch": cfg.model.arch,
        "seed": cfg.train.seed,
        "tokens_seen": run.steps * run.tokens_per_step,
        "steps": run.steps,
        "stop": run.stop,
        "stage_tokens": stage_tokens,
        **_timing_record(run.timing, task_tokens),
        "device": run.device,
        # loss_nats, bits_per_token, bits_per_<unit> (base | char | symbol), perplexity,
        # accuracy, targets, <unit>_targets (+ <unit>s for characters and symbols).
        "test": dict(run.test),
        "eval_sample": _eval_sample_record(cfg.train, cfg.val_tokens, run),
        "reference": run.reference,
        "params": _params_record(run.encoder, run.model),
        "gap_closed": gap_closed(bits, run.reference),
        "learned_nothing": learned_nothing(bits, run.reference),
        "config_hash": cfg_hash,
        "world_size": run.world_size,
    }


def _tokenizer_record(tok_cfg: TokenizerConfig, tokenizer: Any) -> dict[str, Any]:
    """Kind, k and stride; text and ids kinds add their vocabulary size and case folding."""
    record: dict[str, Any] = {
        "kind": tok_cfg.kind,
        "k": tok_cfg.k,
        "stride": tokenizer.config.stride,
    }
    if tok_cfg.kind != "dna":
        record.update(vocab_size=tok_cfg.vocab_size, lowercase=tok_cfg.lowercase)
    return record


def _timing_record(timing: Timing, task_tokens: int) -> dict[str, Any]:
    """Seconds and throughput: tokens per second of optimiser steps alone, and of the
    loop's wall clock (validation and checkpoints included)."""
    steps_seconds = max(timing.train_seconds - timing.val_seconds - timing.checkpoint_seconds, 1e-9)
    return {
        "wall_seconds": timing.wall_seconds,
        "train_seconds": timing.train_seconds,
        "tokens_per_second": task_tokens / steps_seconds,
        "wall_tokens_per_second": task_tokens / max(timing.train_seconds, 1e-9),
        "timing": {
            "steps_seconds": steps_seconds,
            "val_seconds": timing.val_seconds,
            "checkpoint_seconds": timing.checkpoint_seconds,
            "test_seconds": timing.test_seconds,
            "val_share": timing.val_seconds / max(timing.wall_seconds, 1e-9),
        },
    }


def _eval_sample_record(train_cfg: TrainConfig, val_tokens: int, run: Finished) -> dict[str, Any]:
    """The eval samples' sizes, caps and the rule they were drawn by."""
    return {
        "test_windows": run.test_windows,
        "val_windows": run.val_windows,
        "eval_tokens_cap": train_cfg.eval_tokens,
        "val_tokens": val_tokens,
        "scan_tokens": train_cfg.eval_scan_tokens,
        "rule": EVAL_SAMPLE_RULE,
    }


def _params_record(encoder: Encoder, model: TaskModel) -> dict[str, Any]:
    """Parameters counted from the modules: encoding, training-only, task model, total."""
    counts = encoder.param_counts()
    task_model = model.param_count()
    return {
        "encoding": counts["encoding"],
        "training_only": counts["training_only"],
        "task_model": task_model,
        "total": counts["encoding"] + counts["training_only"] + task_model,
        "encoding_bytes": encoder.encoding_bytes(torch.float32),
    }
