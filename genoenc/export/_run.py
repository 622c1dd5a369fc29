"""A finished run directory rebuilt as modules: config, tokenizer, encoder, task model."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from genoenc.encoders import Encoder
from genoenc.models import TaskModel
from genoenc.rundir import read_metrics
from genoenc.tokenize import Tokenizer
from genoenc.train.config import RunConfig
from genoenc.train.scoring import load_trained

__all__ = ["TrainedRun", "load_trained_run"]


@dataclass(frozen=True)
class TrainedRun:
    """A finished run, ready to score: modules on the CPU, in eval mode.

    Attributes:
        path: The run directory.
        config: Its resolved config.
        metrics: Its ``metrics.json``.
        tokenizer: Its tokenizer (text: with the run's own ``vocab.json``).
        encoder: The encoder with the trained weights.
        model: The task model with the trained weights.
    """

    path: Path
    config: RunConfig
    metrics: dict[str, Any]
    tokenizer: Tokenizer
    encoder: Encoder
    model: TaskModel

    def logits(self, inputs: torch.Tensor) -> torch.Tensor:
        """Logits ``(B, T, V_target)`` of input ids ``(B, T)`` (the model's own forward)."""
        with torch.no_grad():
            return self.model(self.encoder(inputs))


def load_trained_run(run: str | Path) -> TrainedRun:
    """Rebuild the encoder and task model of a finished run from its checkpoint.

    Raises:
        RunDirError: The run is unfinished, of another schema, or its checkpoint does not
            fit its config.
        CheckpointError: The checkpoint is missing or unreadable.
    """
    path = Path(run)
    metrics = read_metrics(path)  # a finished run: metrics.json exists
    cfg, tokenizer, encoder, model = load_trained(path)
    return TrainedRun(path, cfg, metrics, tokenizer, encoder, model)
