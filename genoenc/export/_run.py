"""A finished run directory rebuilt as modules: config, tokenizer, encoder, task model."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from genoenc.encoders import Encoder, build_encoder
from genoenc.errors import RunDirError
from genoenc.models import TaskModel, build_model
from genoenc.tokenize import Tokenizer
from genoenc.train.checkpoint import load_checkpoint
from genoenc.train.config import RunConfig
from genoenc.train.rundir import read_metrics
from genoenc.train.scoring import load_run_config
from genoenc.train.vocab import run_tokenizer

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
    cfg = load_run_config(path)
    tokenizer = run_tokenizer(cfg, path)
    placeholder = None
    if cfg.encoder.strategy.startswith("autoencoder") and cfg.encoder.source_table == "full":
        # The checkpoint overwrites the table; only its shape matters here.
        placeholder = torch.zeros(tokenizer.input_vocab_size, cfg.encoder.d_orig)
    encoder = build_encoder(
        cfg.encoder, tokenizer.input_vocab_size, source_table=placeholder, seed=cfg.train.seed
    )
    # Bases per target: the chain head of non-overlapping k-mers needs it (1 otherwise).
    model = build_model(cfg.model, encoder.d_out, tokenizer.target_vocab_size, cfg.target_k)
    state = load_checkpoint(path)
    try:
        encoder.load_state_dict(state["encoder"])
        model.load_state_dict(state["model"])
    except (KeyError, RuntimeError) as exc:
        raise RunDirError(f"{path}: checkpoint does not match its config ({exc})") from None
    encoder.eval()  # autoencoder-joint materialises its codes table here
    model.eval()
    return TrainedRun(path, cfg, metrics, tokenizer, encoder, model)
