"""The training loop: ``train(cfg, out) -> metrics``.

Order of one step, kept visible as in nanoGPT: set the learning rate, maybe
evaluate and checkpoint, forward, backward, clip, step, log. The data position
(epoch, windows consumed) is part of every checkpoint, and the window stream is
a deterministic replay, so a resumed run sees exactly the batches an
uninterrupted one would.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from genoenc.data import WindowStream, batches, collect_windows, sample_windows
from genoenc.encoders import Encoder, build_encoder
from genoenc.errors import InputError, RunDirError
from genoenc.models import build_model
from genoenc.rundir import (
    CONFIG_FILE,
    LOCK_FILE,
    METRICS_FILE,
    SCHEMA_VERSION,
    append_log,
    atomic_write_json,
    claim_run_dir,
    config_diff,
    config_hash,
    discard_untrained,
    read_json,
    read_metrics,
    truncate_log,
    versions,
)

from .checkpoint import load_checkpoint, save_checkpoint
from .config import RunConfig, config_to_dict
from .device import autocast, cpu_threads
from .distributed import Distributed, per_rank_batch, setup_distributed
from .evaluate import evaluate, masked_mean
from .metric_log import open_metric_logs
from .references import cached, gap_closed, learned_nothing, reference_bits
from .schedule import Schedule, cosine_lr
from .sources import domain_of, open_piece_source, reference_key, source_descriptions
from .vocab import run_tokenizer, save_vocab

__all__ = ["ProgressFn", "batch_tensors", "get_lr", "make_optimizer", "train", "train_step"]

logger = logging.getLogger(__name__)

#: Called after every optimiser step with (step, total_steps, last_loss).
ProgressFn = Callable[[int, int, float], None]


#: The cosine schedule (kept under its old name).
get_lr = cosine_lr


def batch_tensors(
    tokenizer: Any, windows: np.ndarray, device: torch.device
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Store-id windows (B, L) -> input ids, target ids and the scored mask, on ``device``."""
    inputs, targets = tokenizer.inputs_targets(windows)
    scored = tokenizer.scored(targets)
    return (
        torch.from_numpy(inputs).to(device),
        torch.from_numpy(targets).to(device),
        torch.from_numpy(scored).to(device),
    )


def train_step(
    encoder: Encoder,
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    x: torch.Tensor,
    y: torch.Tensor,
    scored: torch.Tensor,
    grad_clip: float,
    device: torch.device,
    *,
    net: nn.Module | None = None,
    loss_weight: float = 1.0,
) -> float:
    """One optimiser step: forward, masked loss (+ the encoder's auxiliary loss), clip, step.

    Args:
        net: The module to run (``encoder`` then ``model``); under DDP their wrapper, whose
            backward averages the gradients over ranks. Default: the two modules as they are.
        loss_weight: Factor on the batch's mean loss. Under DDP ``world_size * n_rank /
            n_global`` (scored targets of this rank's batch and of the global batch), so the
            averaged gradient is that of the mean over the global batch.

    Returns:
        The weighted loss (under DDP its mean over ranks is the global batch's loss).
    """
    with autocast(device):
        nats = net(x, y) if net is not None else model(encoder(x), y)  # (B, T)
    loss = masked_mean(nats, scored)
    if loss_weight != 1.0:
        loss = loss * loss_weight
    aux = encoder.aux_loss()
    total = loss if aux is None else loss + aux
    optimizer.zero_grad(set_to_none=True)
    total.backward()
    params = [p for m in (encoder, model) for p in m.parameters() if p.requires_grad]
    torch.nn.utils.clip_grad_norm_(params, grad_clip)
    optimizer.step()
    return float(loss.detach())


def _rng_state() -> dict[str, Any]:
    state: dict[str, Any] = {"torch": torch.get_rng_state()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def _set_rng_state(state: dict[str, Any]) -> None:
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def make_optimizer(modules: list[nn.Module], cfg: Any) -> torch.optim.AdamW:
    """AdamW with weight decay on matrices only (embeddings, linear weights)."""
    decay: list[nn.Parameter] = []
    no_decay: list[nn.Parameter] = []
    for module in modules:
        for param in module.parameters():
            if param.requires_grad:
                (decay if param.dim() >= 2 else no_decay).append(param)
    groups = [
        {"params": decay, "weight_decay": cfg.weight_decay},
        {"params": no_decay, "weight_decay": 0.0},
    ]
    return torch.optim.AdamW(groups, lr=cfg.lr, betas=(0.9, 0.95))


def _prepare_run_dir(out: Path, cfg_dict: dict[str, Any], resume: bool) -> dict[str, Any] | None:
    """Check ``out`` against the config; return finished metrics if the run is already done."""
    config_path = out / CONFIG_FILE
    if not config_path.exists():
        if out.exists() and any(e.name != LOCK_FILE for e in out.iterdir()):
            raise RunDirError(f"{out}: exists and is not a genoenc run directory")
        return None
    saved = read_json(config_path)
    if not isinstance(saved, dict) or saved.get("schema_version") != SCHEMA_VERSION:
        found = saved.get("schema_version") if isinstance(saved, dict) else None
        raise RunDirError(
            f"{out}: run directory of schema_version {found!r}, this genoenc writes "
            f"{SCHEMA_VERSION}; use another --out"
        )
    if discard_untrained(out):
        # Killed before its first checkpoint: nothing to resume, so start afresh (the run
        # directory is claimed, so no other process is writing here).
        logger.info("%s: no checkpoint from an earlier start; starting afresh", out)
        return None
    if not resume:
        raise RunDirError(
            f"{out}: run directory exists; pass --resume to continue it or use another --out"
        )
    if saved.get("config_hash") != config_hash(cfg_dict):
        raise RunDirError(
            f"{out}: was started with another config "
            f"({config_diff(saved.get('config') or {}, cfg_dict)}); resume it with the same "
            "options or use another --out"
        )
    if (out / METRICS_FILE).exists():
        return read_metrics(out)
    return None


class _Batches:
    """This rank's training batches over epochs, tracking the data position for checkpoints.

    ``position`` counts the epoch's windows consumed by all ranks together (the
    ``start`` of :class:`WindowStream`), so a checkpoint resumes under any number of
    processes.
    """

    def __init__(
        self,
        make_stream: Callable[[int, int], WindowStream],
        batch_size: int,
        epoch: int,
        start: int,
    ) -> None:
        self.make_stream = make_stream
        self.batch_size = batch_size  # per rank
        self.epoch = epoch
        self.position = start
        self._iter: Iterator[np.ndarray] = batches(make_stream(epoch, start), batch_size)

    def take(self) -> np.ndarray | None:
        """This rank's next batch of the epoch, or ``None`` once its share is used up."""
        return next(self._iter, None)

    def next_epoch(self) -> None:
        """Start the next epoch from its first window."""
        self.epoch += 1
        self.position = 0
        self._iter = batches(self.make_stream(self.epoch, 0), self.batch_size)


def _next_batch(
    data: _Batches, dist: Distributed, tokenizer: Any, window_length: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """This rank's part of the next global batch: inputs, targets, scored mask (numpy).

    Also returns the global batch's scored-target count. A rank whose share of an epoch's
    last, partial batch is empty gets one PAD window (nothing scored): every rank joins
    every step. When all ranks' shares are empty the epoch is over for all of them.
    """
    for _ in range(2):
        windows = data.take()
        n_windows = 0 if windows is None else len(windows)
        if windows is None:
            windows = np.full((1, window_length), tokenizer.pad_id, dtype=tokenizer.store_dtype)
        inputs, targets = tokenizer.inputs_targets(windows)
        scored = tokenizer.scored(targets)
        total_windows, total_scored = dist.sum([n_windows, int(scored.sum())])
        if total_windows > 0:
            data.position += int(total_windows)
            return inputs, targets, scored, total_scored
        data.next_epoch()
    raise InputError("training data", "the train split holds no window")


def _source_table(cfg: RunConfig, out: Path, progress: ProgressFn | None) -> torch.Tensor | None:
    """The table an autoencoder arm compresses: the trained ``full`` arm's embedding."""
    if not cfg.encoder.strategy.startswith("autoencoder") or cfg.encoder.source_table != "full":
        return None
    source = Path(cfg.train.source_run) if cfg.train.source_run else out / "source_full"
    if not (source / METRICS_FILE).exists():
        logger.info(
            "training the full arm first (its table is the autoencoder's input): %s", source
        )
        full_cfg = dataclasses.replace(
            cfg,
            encoder=dataclasses.replace(cfg.encoder, strategy="full"),
            train=dataclasses.replace(cfg.train, source_run=None),
        )
        train(full_cfg, source, resume=(source / CONFIG_FILE).exists(), progress=progress)
    state = load_checkpoint(source)
    weight = state["encoder"].get("embedding.weight")
    if weight is None:
        raise RunDirError(f"{source}: not a full-arm run (no embedding.weight in its checkpoint)")
    return weight


def train(
    cfg: RunConfig,
    out: str | Path,
    *,
    resume: bool = False,
    progress: ProgressFn | None = None,
    argv: list[str] | None = None,
    reference_cache: Path | None = None,
    log_formats: Sequence[str] = (),
) -> dict[str, Any]:
    """Train one run into ``out`` and return its metrics (also written to ``metrics.json``).

    Under ``torchrun`` every process calls this: they train one model together (DDP),
    rank 0 alone writes the run directory, and every rank returns the same metrics (see
    :mod:`genoenc.train.distributed`).

    Args:
        cfg: The resolved run config.
        out: The run directory (created once the inputs have been checked).
        resume: Continue from ``out``'s checkpoint (or return its metrics if finished).
        progress: Called after every optimiser step (on rank 0).
        argv: The command line recorded in ``config.json``.
        reference_cache: Folder where reference results are shared between runs on the
            same data (sweeps pass one); ``None`` computes them for this run.
        log_formats: Also mirror ``log.jsonl`` as ``csv`` and/or ``tensorboard``
            (see :mod:`genoenc.train.metric_log`); never part of the config.
    """
    torch.set_num_threads(cpu_threads(cfg.train.threads))
    dist = setup_distributed(cfg.train.device)
    try:
        # Claimed (created and locked) before anything is written; removed again when the
        # run fails before its first step (see claim_run_dir).
        with claim_run_dir(Path(out), enabled=dist.is_main) as claim:
            metrics = _train(
                cfg,
                Path(out),
                dist,
                resume=resume,
                progress=claim.watch(progress) if dist.is_main else progress,
                argv=argv,
                reference_cache=reference_cache,
                log_formats=log_formats,
            )
    except BaseException:
        dist.close(wait=False)
        raise
    dist.close()
    return metrics


def _train(
    cfg: RunConfig,
    out: Path,
    dist: Distributed,
    *,
    resume: bool,
    progress: ProgressFn | None,
    argv: list[str] | None,
    reference_cache: Path | None,
    log_formats: Sequence[str] = (),
) -> dict[str, Any]:
    cfg_dict = config_to_dict(cfg)
    batch_per_rank = per_rank_batch(cfg.train.batch_size, dist.world_size)
    finished = _prepare_run_dir(out, cfg_dict, resume)
    if finished is not None:
        logger.info("%s: already finished", out)
        return finished
    started = time.perf_counter()
    tokenizer = run_tokenizer(cfg, out)  # text: vocabulary fitted on the train split
    open_pieces = open_piece_source(cfg, tokenizer)
    context = cfg.window.context

    # Fixed evaluation samples, drawn across each split; validation sized to the budget.
    # The test cap and the scan are counted in bases, so every k scores the same bases.
    per_token = cfg.bases_per_token

    def eval_sample(split: str, max_tokens: int) -> np.ndarray:
        return sample_windows(
            open_pieces,
            cfg.token_split,
            cfg.window,
            tokenizer,
            split,
            max_tokens,
            cfg.train.eval_scan_tokens // per_token,
        )

    val_windows = eval_sample("val", cfg.val_tokens)
    test_windows = eval_sample("test", cfg.train.eval_tokens // per_token)
    if len(test_windows) == 0:
        raise InputError(
            _input_label(cfg),
            "too little data: the test split holds no window "
            "(give more input or lower --context / split.block_tokens)",
        )

    # The inputs are readable and large enough: only now does the run directory appear.
    # Every rank has checked it by now (the barrier); rank 0 alone writes.
    dist.barrier()
    if dist.is_main and not (out / CONFIG_FILE).exists():
        out.mkdir(parents=True, exist_ok=True)
        save_vocab(tokenizer, out)  # before config.json: a run dir with a config has it
        atomic_write_json(
            out / CONFIG_FILE,
            {
                "schema_version": SCHEMA_VERSION,
                "config_hash": config_hash(cfg_dict),
                "config": cfg_dict,
                "versions": versions(),
                "command": argv if argv is not None else sys.argv,
                "world_size": dist.world_size,
            },
        )

    device = dist.device
    torch.manual_seed(cfg.train.seed)
    table = _source_table(cfg, out, progress)
    torch.manual_seed(cfg.train.seed)
    encoder = build_encoder(
        cfg.encoder, tokenizer.input_vocab_size, source_table=table, seed=cfg.train.seed
    )
    stage1: dict[str, Any] = {}
    if encoder.needs_stage1:
        gen = torch.Generator().manual_seed(cfg.train.seed)
        stage1 = encoder.stage1_fit(cfg.encoder.stage1_steps, cfg.encoder.stage1_lr, gen)
    model = build_model(cfg.model, encoder.d_out, tokenizer.target_vocab_size, cfg.target_k)
    encoder.to(device)
    model.to(device)
    net = dist.wrap(encoder, model)
    optimizer = make_optimizer([encoder, model], cfg.train)

    tokens_per_step = cfg.train.batch_size * context
    cap_steps = max(1, math.ceil(cfg.train.tokens_budget / tokens_per_step))
    decay_at = cfg.train.decay_at
    schedule = Schedule(
        cap_steps, cfg.train, None if decay_at is None else max(1, decay_at // tokens_per_step)
    )
    eval_every = max(1, round(cap_steps * cfg.train.eval_interval))
    ckpt_every = max(1, round(cap_steps * cfg.train.checkpoint_every))

    step, epoch, position, elapsed_before = 0, 0, 0, 0.0
    spent = {"val": 0.0, "checkpoint": 0.0}  # seconds of the loop not spent in steps
    if (out / "checkpoint.pt").exists():
        state = load_checkpoint(out)
        encoder.load_state_dict(state["encoder"])
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        _set_rng_state(state["rng"])
        step, epoch, position = state["step"], state["epoch"], state["position"]
        if "schedule" in state:
            schedule.load_state_dict(state["schedule"])
        elapsed_before = float(state.get("train_seconds", 0.0))
        spent.update(state.get("spent", {}))
        stage1 = state.get("stage1", stage1)
        if dist.is_main:
            truncate_log(out, step)
        logger.info("%s: resuming at step %d of %d", out, step, schedule.total_steps)
    elif dist.is_main:
        truncate_log(out, -1)
    metric_logs = open_metric_logs(out, log_formats, step) if dist.is_main else None

    def make_stream(ep: int, start: int) -> WindowStream:
        return WindowStream(
            open_pieces,
            tokenizer,
            cfg.token_split,
            cfg.window,
            split="train",
            seed=cfg.train.seed,
            epoch=ep,
            start=start,
            rc_aug=cfg.train.rc_aug,
            rank=dist.rank,
            world_size=dist.world_size,
        )

    data = _Batches(make_stream, batch_per_rank, epoch, position)
    loop_started = time.perf_counter()

    def checkpoint() -> float:
        """Save everything a resume needs; return the training seconds so far."""
        seconds = elapsed_before + time.perf_counter() - loop_started
        save_checkpoint(
            out,
            {
                "encoder": encoder.state_dict(),
                "model": model.state_dict(),
                "optimizer": optimizer.state_dict(),
                "rng": _rng_state(),
                "step": step,
                "epoch": data.epoch,
                "position": data.position,
                "stage1": stage1,
                "train_seconds": seconds,
                "spent": dict(spent),
                "schedule": schedule.state_dict(),
            },
        )
        return seconds

    encoder.train()
    model.train()
    loss_value = float("nan")
    total_steps = schedule.total_steps
    while step < schedule.total_steps:
        total_steps = schedule.total_steps
        lr = schedule.lr(step)
        for group in optimizer.param_groups:
            group["lr"] = lr
        inputs, targets, scored_np, n_scored = _next_batch(
            data, dist, tokenizer, val_windows.shape[1]
        )
        x, y, scored = (torch.from_numpy(a).to(device) for a in (inputs, targets, scored_np))
        weight = dist.world_size * int(scored_np.sum()) / max(n_scored, 1.0)
        loss_value = train_step(
            encoder,
            model,
            optimizer,
            x,
            y,
            scored,
            cfg.train.grad_clip,
            device,
            net=net,
            loss_weight=weight,
        )
        if dist.enabled:
            loss_value = dist.sum([loss_value])[0] / dist.world_size
        step += 1
        if progress is not None and dist.is_main:
            progress(step, total_steps, loss_value)
        evaluates = step % eval_every == 0 or step == total_steps
        if dist.is_main and evaluates:
            val_started = time.perf_counter()
            val = (
                evaluate(encoder, model, tokenizer, val_windows, device) if len(val_windows) else {}
            )
            spent["val"] += time.perf_counter() - val_started
            if val:
                schedule.observe(step, val["loss_nats"])
            record = {
                "step": step,
                "tokens_seen": step * tokens_per_step,
                "lr": lr,
                "train_loss_nats": loss_value,
                **{f"val_{k}": v for k, v in val.items()},
            }
            append_log(out, record)
            if metric_logs is not None:
                metric_logs.write(record)
        if evaluates and dist.enabled and cfg.train.budget == "auto":
            schedule.share(dist.sum(schedule.shared() if dist.is_main else [0.0, 0.0]))
        if dist.is_main and step % ckpt_every == 0 and step < schedule.total_steps:
            ckpt_started = time.perf_counter()
            checkpoint()
            spent["checkpoint"] += time.perf_counter() - ckpt_started
    if not dist.is_main:
        return dist.broadcast({})  # rank 0 evaluates and writes; every rank returns its metrics
    # The final weights: what `genoenc eval` scores and what autoencoder arms compress.
    train_seconds = checkpoint()

    test_started = time.perf_counter()
    test = evaluate(encoder, model, tokenizer, test_windows, device)
    test_seconds = time.perf_counter() - test_started

    def compute_references() -> dict[str, Any]:
        train_sample = collect_windows(
            open_pieces,
            cfg.token_split,
            cfg.window,
            tokenizer,
            "train",
            cfg.train.ref_train_tokens // per_token,
        )
        # The Markov order is chosen on a validation sample of its own, independent of
        # the budget, so every run on the same data shares one set of references.
        order_val = eval_sample("val", cfg.train.eval_tokens // 4 // per_token)
        return reference_bits(
            tokenizer, train_sample, order_val, test_windows, cfg.train.markov_max_k
        )

    reference = cached(reference_cache, reference_key(cfg), compute_references)
    steps_seconds = max(train_seconds - spent["val"] - spent["checkpoint"], 1e-9)
    wall_seconds = time.perf_counter() - started
    counts = encoder.param_counts()
    task_params = model.param_count()
    metrics: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "domain": domain_of(cfg),
        "sources": source_descriptions(cfg),
        "tokenizer": {
            "kind": cfg.tokenizer.kind,
            "k": cfg.tokenizer.k,
            "stride": tokenizer.config.stride,
            **(
                {}
                if cfg.tokenizer.kind == "dna"
                else {"vocab_size": cfg.tokenizer.vocab_size, "lowercase": cfg.tokenizer.lowercase}
            ),
        },
        "vocab_size": tokenizer.input_vocab_size,
        "target_vocab_size": tokenizer.target_vocab_size,
        "strategy": cfg.encoder.strategy,
        "ratio": 1 if cfg.encoder.strategy == "full" else cfg.encoder.ratio,
        "d_orig": cfg.encoder.d_orig,
        "d_c": encoder.d_out,
        "d_model": cfg.model.d_model,
        "arch": cfg.model.arch,
        "seed": cfg.train.seed,
        "tokens_seen": step * tokens_per_step,
        "steps": step,
        "stop": schedule.summary(tokens_per_step),
        "stage_tokens": {"task": total_steps * tokens_per_step, **stage1},
        "wall_seconds": wall_seconds,
        "train_seconds": train_seconds,
        # Optimiser steps only; the wall-clock rate (validation and checkpoints included)
        # beside it.
        "tokens_per_second": (total_steps * tokens_per_step) / steps_seconds,
        "wall_tokens_per_second": (total_steps * tokens_per_step) / max(train_seconds, 1e-9),
        "timing": {
            "steps_seconds": steps_seconds,
            "val_seconds": spent["val"],
            "checkpoint_seconds": spent["checkpoint"],
            "test_seconds": test_seconds,
            "val_share": spent["val"] / max(wall_seconds, 1e-9),
        },
        "device": str(device),
        # loss_nats, bits_per_token, bits_per_<unit> (base | char | symbol), perplexity,
        # accuracy, targets, <unit>_targets (+ <unit>s for characters and symbols).
        "test": dict(test),
        "eval_sample": {
            "test_windows": len(test_windows),
            "val_windows": len(val_windows),
            "eval_tokens_cap": cfg.train.eval_tokens,
            "val_tokens": cfg.val_tokens,
            "scan_tokens": cfg.train.eval_scan_tokens,
            "rule": "whole blocks drawn uniformly (seed 0) among those starting in the "
            "first scan_tokens (bases for DNA), then their first windows up to the cap",
        },
        "reference": reference,
        "params": {
            "encoding": counts["encoding"],
            "training_only": counts["training_only"],
            "task_model": task_params,
            "total": counts["encoding"] + counts["training_only"] + task_params,
            "encoding_bytes": encoder.encoding_bytes(torch.float32),
        },
        "gap_closed": gap_closed(test[f"bits_per_{tokenizer.unit_name}"], reference),
        "learned_nothing": learned_nothing(test[f"bits_per_{tokenizer.unit_name}"], reference),
        "config_hash": config_hash(cfg_dict),
    }
    if table is not None:
        source = Path(cfg.train.source_run) if cfg.train.source_run else out / "source_full"
        metrics["stage_tokens"]["source_full_run"] = str(source)
    metrics["world_size"] = dist.world_size
    if metric_logs is not None:
        metric_logs.close()
    atomic_write_json(out / METRICS_FILE, metrics)
    return dist.broadcast(metrics)


def _input_label(cfg: RunConfig) -> str:
    if cfg.tokens:
        return cfg.tokens
    names = [
        *cfg.reader.fasta,
        *cfg.reader.bam,
        *cfg.reader.cram,
        *cfg.reader.fastq,
        *cfg.reader.text,
    ]
    return ", ".join(str(n) for n in names) or "input"
