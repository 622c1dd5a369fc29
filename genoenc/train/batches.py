"""The loop's data: this rank's training batches over epochs, and the data position.

A checkpoint stores the position (epoch, windows consumed by all ranks together), and
the window stream is a deterministic replay, so a resumed run, under any number of
processes, reads exactly the batches an uninterrupted one would.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

import numpy as np
import torch

from genoenc.data import WindowStream, batches
from genoenc.errors import InputError

from .config import RunConfig
from .distributed import Distributed
from .setup import RunInputs

__all__ = ["Batch", "TrainBatches", "next_batch", "train_stream"]


class Batch(NamedTuple):
    """One batch on the device: input and target ids ``(B, T)`` (int64), the scored mask."""

    inputs: torch.Tensor
    targets: torch.Tensor
    scored: torch.Tensor

    @classmethod
    def from_numpy(
        cls, inputs: np.ndarray, targets: np.ndarray, scored: np.ndarray, device: torch.device
    ) -> Batch:
        """The arrays of ``tokenizer.inputs_targets`` and ``tokenizer.scored``, on ``device``."""
        return cls(*(torch.from_numpy(a).to(device) for a in (inputs, targets, scored)))


def train_stream(
    cfg: RunConfig, inputs: RunInputs, dist: Distributed
) -> Callable[[int, int], WindowStream]:
    """``(epoch, start) ->`` this rank's training windows of that epoch from ``start``."""

    def make_stream(epoch: int, start: int) -> WindowStream:
        return WindowStream(
            inputs.pieces,
            inputs.tokenizer,
            cfg.token_split,
            cfg.window,
            split="train",
            seed=cfg.train.seed,
            epoch=epoch,
            start=start,
            rc_aug=cfg.train.rc_aug,
            rank=dist.rank,
            world_size=dist.world_size,
        )

    return make_stream


class TrainBatches:
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


def next_batch(
    data: TrainBatches, dist: Distributed, tokenizer: Any, window_length: int
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
