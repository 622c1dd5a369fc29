"""The training loop: ``train(cfg, out) -> metrics``.

A run is four stages, each in its own module: set-up (:mod:`~genoenc.train.setup`: the
run directory, the inputs and eval samples, the source table), the loop (here),
evaluation (:mod:`~genoenc.train.evaluate`: the test score and the references) and the
metrics record (:mod:`~genoenc.train.record`). The loop reads its batches through
:mod:`~genoenc.train.batches`.

Order of one step, kept visible as in nanoGPT: set the learning rate, forward, backward,
clip, step, log, maybe evaluate and checkpoint. The data position (epoch, windows
consumed) is part of every checkpoint, and the window stream is a deterministic replay,
so a resumed run sees exactly the batches an uninterrupted one would.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import torch
from torch import nn

from genoenc.encoders import Encoder, build_encoder, needs_source_table
from genoenc.models import TaskModel
from genoenc.rundir import (
    CONFIG_FILE,
    METRICS_FILE,
    append_log,
    atomic_write_json,
    claim_run_dir,
    config_hash,
    truncate_log,
)

from .batches import Batch, TrainBatches, next_batch, train_stream
from .checkpoint import CHECKPOINT_FILE, load_checkpoint, rng_state, save_checkpoint, set_rng_state
from .config import RunConfig, TrainConfig, config_to_dict
from .device import autocast, cpu_threads
from .distributed import Distributed, per_rank_batch, setup_distributed
from .evaluate import evaluate, masked_mean, run_references
from .metric_log import MetricLogs, open_metric_logs
from .record import Finished, Timing, metrics_record
from .schedule import Schedule, cosine_lr
from .setup import (
    RunInputs,
    check_run_dir,
    full_arm_config,
    open_inputs,
    read_source_table,
    run_model,
    source_run_dir,
    write_run_config,
)

__all__ = ["ProgressFn", "get_lr", "make_optimizer", "train", "train_step"]

logger = logging.getLogger(__name__)

#: Called after every optimiser step with (step, total_steps, last loss).
ProgressFn = Callable[[int, int, float], None]


#: The cosine schedule (kept under its old name).
get_lr = cosine_lr


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
    log_formats: Sequence[str],
) -> dict[str, Any]:
    """The stages in order: set-up, the loop, evaluation, the metrics record."""
    cfg_dict = config_to_dict(cfg)
    batch_per_rank = per_rank_batch(cfg.train.batch_size, dist.world_size)
    finished = check_run_dir(out, cfg_dict, resume)
    if finished is not None:
        logger.info("%s: already finished", out)
        return finished
    started = time.perf_counter()
    inputs = open_inputs(cfg, out)
    # The inputs are readable and large enough: only now does the run directory appear.
    # Every rank has checked it by now (the barrier); rank 0 alone writes.
    dist.barrier()
    if dist.is_main and not (out / CONFIG_FILE).exists():
        write_run_config(out, cfg_dict, inputs.tokenizer, argv=argv, world_size=dist.world_size)
    torch.manual_seed(cfg.train.seed)
    table = _source_table(cfg, out, progress)
    loop = _Loop(cfg, out, dist, inputs, table, batch_per_rank, progress, log_formats)
    loop.run()
    if not dist.is_main:
        return dist.broadcast({})  # rank 0 evaluates and writes; every rank returns its metrics
    # The final weights: what `genoenc eval` scores and what autoencoder arms compress.
    train_seconds = loop.checkpoint()
    test_started = time.perf_counter()
    test = evaluate(loop.encoder, loop.model, inputs.tokenizer, inputs.test, dist.device)
    test_seconds = time.perf_counter() - test_started
    reference = run_references(cfg, inputs, reference_cache)
    timing = Timing(
        wall_seconds=time.perf_counter() - started,
        train_seconds=train_seconds,
        val_seconds=loop.spent["val"],
        checkpoint_seconds=loop.spent["checkpoint"],
        test_seconds=test_seconds,
    )
    metrics = metrics_record(
        cfg, config_hash(cfg_dict), loop.finished(test, reference, timing, table is not None)
    )
    loop.close()
    atomic_write_json(out / METRICS_FILE, metrics)
    return dist.broadcast(metrics)


def _source_table(cfg: RunConfig, out: Path, progress: ProgressFn | None) -> torch.Tensor | None:
    """The table an autoencoder arm compresses: the trained ``full`` arm's embedding
    (trained first, into its own run directory, when it has not finished)."""
    if not needs_source_table(cfg.encoder):
        return None
    source = source_run_dir(cfg.train, out)
    if not (source / METRICS_FILE).exists():
        logger.info(
            "training the full arm first (its table is the autoencoder's input): %s", source
        )
        resume = (source / CONFIG_FILE).exists()
        train(full_arm_config(cfg), source, resume=resume, progress=progress)
    return read_source_table(source)


def _build_modules(
    cfg: RunConfig, tokenizer: Any, table: torch.Tensor | None
) -> tuple[Encoder, TaskModel, dict[str, Any]]:
    """The encoder (stage 1 fitted, for staged autoencoders) and the task model, seeded
    so that every arm of a seed starts from the same task model."""
    seed = cfg.train.seed
    torch.manual_seed(seed)
    encoder = build_encoder(cfg.encoder, tokenizer.input_vocab_size, source_table=table, seed=seed)
    stage1: dict[str, Any] = {}
    if encoder.needs_stage1:
        generator = torch.Generator().manual_seed(seed)
        stage1 = encoder.stage1_fit(cfg.encoder.stage1_steps, cfg.encoder.stage1_lr, generator)
    model = run_model(cfg, encoder.d_out, tokenizer.target_vocab_size)
    return encoder, model, stage1


def train_step(
    encoder: Encoder,
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    batch: Batch,
    *,
    grad_clip: float,
    net: nn.Module | None = None,
    loss_weight: float = 1.0,
) -> float:
    """One optimiser step: forward, masked loss (+ the encoder's auxiliary loss), clip, step.

    Args:
        grad_clip: Largest gradient norm (``train.grad_clip``).
        net: The module to run (``encoder`` then ``model``); under DDP their wrapper, whose
            backward averages the gradients over ranks. Default: the two modules as they are.
        loss_weight: Factor on the batch's mean loss. Under DDP ``world_size * n_rank /
            n_global`` (scored targets of this rank's batch and of the global batch), so the
            averaged gradient is that of the mean over the global batch.

    Returns:
        The weighted loss (under DDP its mean over ranks is the global batch's loss).
    """
    x, y = batch.inputs, batch.targets
    with autocast(x.device):
        nats = net(x, y) if net is not None else model(encoder(x), y)  # (B, T)
    loss = masked_mean(nats, batch.scored)
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


def make_optimizer(modules: list[nn.Module], cfg: TrainConfig) -> torch.optim.AdamW:
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


class _Loop:
    """One run's modules, schedule and data position, stepped until the schedule ends.

    Built from a fresh start or from ``out``'s checkpoint; :meth:`run` is the loop,
    :meth:`checkpoint` saves everything a resume needs.
    """

    def __init__(
        self,
        cfg: RunConfig,
        out: Path,
        dist: Distributed,
        inputs: RunInputs,
        table: torch.Tensor | None,
        batch_per_rank: int,
        progress: ProgressFn | None,
        log_formats: Sequence[str],
    ) -> None:
        self.out, self.dist, self.progress = out, dist, progress
        self.train_cfg = cfg.train
        self.tokenizer, self.val_windows = inputs.tokenizer, inputs.val
        self.test_windows = len(inputs.test)
        self.encoder, self.model, self.stage1 = _build_modules(cfg, inputs.tokenizer, table)
        self.encoder.to(dist.device)
        self.model.to(dist.device)
        self.net = dist.wrap(self.encoder, self.model)
        self.optimizer = make_optimizer([self.encoder, self.model], cfg.train)
        self.tokens_per_step = cfg.train.batch_size * cfg.window.context
        self.schedule = _schedule(cfg.train, self.tokens_per_step)
        cap_steps = self.schedule.cap_steps
        self.eval_every = max(1, round(cap_steps * cfg.train.eval_interval))
        self.checkpoint_every = max(1, round(cap_steps * cfg.train.checkpoint_every))
        self.step = 0
        self.total_steps = 0  # the schedule's length as the last step began
        self.seconds_before = 0.0  # training seconds of earlier starts
        self.spent = {"val": 0.0, "checkpoint": 0.0}  # seconds of the loop not spent in steps
        if (out / CHECKPOINT_FILE).exists():
            epoch, position = self._resume()
        else:
            epoch, position = 0, 0
            if dist.is_main:
                truncate_log(out, -1)
        self.metric_logs: MetricLogs | None = (
            open_metric_logs(out, log_formats, self.step) if dist.is_main else None
        )
        self.data = TrainBatches(train_stream(cfg, inputs, dist), batch_per_rank, epoch, position)
        self.loop_started = time.perf_counter()

    def _resume(self) -> tuple[int, int]:
        """Load ``out``'s checkpoint; return its data position (epoch, windows consumed)."""
        state = load_checkpoint(self.out)
        self.encoder.load_state_dict(state["encoder"])
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        set_rng_state(state["rng"])
        self.step = state["step"]
        if "schedule" in state:
            self.schedule.load_state_dict(state["schedule"])
        self.seconds_before = float(state.get("train_seconds", 0.0))
        self.spent.update(state.get("spent", {}))
        self.stage1 = state.get("stage1", self.stage1)
        if self.dist.is_main:
            truncate_log(self.out, self.step)
        logger.info("%s: resuming at step %d of %d", self.out, self.step, self.schedule.total_steps)
        return state["epoch"], state["position"]

    def run(self) -> None:
        """Step until the schedule ends: set the LR, step, report, maybe validate and
        checkpoint."""
        self.encoder.train()
        self.model.train()
        self.total_steps = self.schedule.total_steps
        while self.step < self.schedule.total_steps:
            self.total_steps = self.schedule.total_steps
            lr = self.schedule.lr(self.step)
            for group in self.optimizer.param_groups:
                group["lr"] = lr
            loss = self._step()
            self.step += 1
            if self.progress is not None and self.dist.is_main:
                self.progress(self.step, self.total_steps, loss)
            if self.step % self.eval_every == 0 or self.step == self.total_steps:
                self._validate(lr, loss)
            if (
                self.dist.is_main
                and self.step % self.checkpoint_every == 0
                and self.step < self.schedule.total_steps
            ):
                started = time.perf_counter()
                self.checkpoint()
                self.spent["checkpoint"] += time.perf_counter() - started

    def _step(self) -> float:
        """One optimiser step on the next global batch; its loss (averaged over ranks)."""
        dist = self.dist
        window_length = self.val_windows.shape[1]
        inputs, targets, scored, n_scored = next_batch(
            self.data, dist, self.tokenizer, window_length
        )
        weight = dist.world_size * int(scored.sum()) / max(n_scored, 1.0)
        loss = train_step(
            self.encoder,
            self.model,
            self.optimizer,
            Batch.from_numpy(inputs, targets, scored, dist.device),
            grad_clip=self.train_cfg.grad_clip,
            net=self.net,
            loss_weight=weight,
        )
        if dist.enabled:
            loss = dist.sum([loss])[0] / dist.world_size
        return loss

    def _validate(self, lr: float, loss: float) -> None:
        """Score the validation sample (rank 0), log it, let an automatic budget see it."""
        if self.dist.is_main:
            started = time.perf_counter()
            val = (
                evaluate(
                    self.encoder, self.model, self.tokenizer, self.val_windows, self.dist.device
                )
                if len(self.val_windows)
                else {}
            )
            self.spent["val"] += time.perf_counter() - started
            if val:
                self.schedule.observe(self.step, val["loss_nats"])
            record = {
                "step": self.step,
                "tokens_seen": self.step * self.tokens_per_step,
                "lr": lr,
                "train_loss_nats": loss,
                **{f"val_{k}": v for k, v in val.items()},
            }
            append_log(self.out, record)
            if self.metric_logs is not None:
                self.metric_logs.write(record)
        if self.dist.enabled and self.train_cfg.budget == "auto":
            shared = self.schedule.shared() if self.dist.is_main else [0.0, 0.0]
            self.schedule.share(self.dist.sum(shared))

    def checkpoint(self) -> float:
        """Save everything a resume needs; return the training seconds so far."""
        seconds = self.seconds_before + time.perf_counter() - self.loop_started
        save_checkpoint(
            self.out,
            {
                "encoder": self.encoder.state_dict(),
                "model": self.model.state_dict(),
                "optimizer": self.optimizer.state_dict(),
                "rng": rng_state(),
                "step": self.step,
                "epoch": self.data.epoch,
                "position": self.data.position,
                "stage1": self.stage1,
                "train_seconds": seconds,
                "spent": dict(self.spent),
                "schedule": self.schedule.state_dict(),
            },
        )
        return seconds

    def finished(
        self, test: dict[str, Any], reference: dict[str, Any], timing: Timing, with_source: bool
    ) -> Finished:
        """What the metrics record needs of the finished loop, with the test scores."""
        return Finished(
            tokenizer=self.tokenizer,
            encoder=self.encoder,
            model=self.model,
            steps=self.step,
            total_steps=self.total_steps,
            tokens_per_step=self.tokens_per_step,
            stop=self.schedule.summary(self.tokens_per_step),
            stage1=self.stage1,
            test=test,
            reference=reference,
            val_windows=len(self.val_windows),
            test_windows=self.test_windows,
            timing=timing,
            device=str(self.dist.device),
            source_run=source_run_dir(self.train_cfg, self.out) if with_source else None,
            world_size=self.dist.world_size,
        )

    def close(self) -> None:
        """Close the mirrored metric logs (CSV, TensorBoard)."""
        if self.metric_logs is not None:
            self.metric_logs.close()


def _schedule(train_cfg: TrainConfig, tokens_per_step: int) -> Schedule:
    """The run's schedule: ``train.tokens_budget`` in steps, ``train.decay_at`` in steps."""
    cap_steps = max(1, math.ceil(train_cfg.tokens_budget / tokens_per_step))
    decay_at = train_cfg.decay_at
    return Schedule(
        cap_steps, train_cfg, None if decay_at is None else max(1, decay_at // tokens_per_step)
    )
