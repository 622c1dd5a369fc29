"""Evaluation: a model scored on a fixed sample of windows, and the references beside it.

:func:`evaluate` gives nats, bits per token and per unit (base, character, symbol) and
accuracy; :func:`run_references` the uniform, order-0 and Markov bits a run is measured
against.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from genoenc.models import TaskModel
from genoenc.models.heads import softmax_nats

from .config import RunConfig
from .device import autocast
from .references import cached, reference_bits
from .setup import RunInputs, reference_samples
from .sources import reference_key

__all__ = ["bits_per_unit", "evaluate", "masked_loss", "masked_mean", "run_references"]


def masked_mean(nats: torch.Tensor, scored: torch.Tensor) -> torch.Tensor:
    """Mean of per-target nats ``(B, T)`` over scored targets only (not N, START, PAD)."""
    weights = scored.to(nats.dtype)
    return (nats * weights).sum() / weights.sum().clamp(min=1.0)


def masked_loss(logits: torch.Tensor, targets: torch.Tensor, scored: torch.Tensor) -> torch.Tensor:
    """Mean cross-entropy (nats) over scored targets only.

    Args:
        logits: (B, T, V) float.
        targets: (B, T) int64.
        scored: (B, T) bool: targets that count (not N, START, PAD).
    """
    return masked_mean(softmax_nats(logits, targets), scored)


@torch.no_grad()
def evaluate(
    encoder: nn.Module,
    model: TaskModel,
    tokenizer: Any,
    windows: np.ndarray,
    device: torch.device,
    batch_size: int = 64,
) -> dict[str, Any]:
    """Score ``windows`` (n, history + T + 1) of store ids.

    Bits per unit is one formula for every tokenizer: the bits of the counted targets
    (``tokenizer.counted``: all-ACGT for DNA, every scored target for text, symbols for
    ``ids``) over the units they cover (``tokenizer.units``: bases, characters,
    symbols). The keys are named after ``tokenizer.unit_name`` (``base``, ``char``,
    ``symbol``).

    Returns:
        ``loss_nats`` and ``bits_per_token`` (mean over scored targets),
        ``bits_per_<unit>``, ``perplexity``, ``accuracy`` (top-1 over scored targets),
        ``targets`` (scored) and ``<unit>_targets`` (counted); for units other than
        bases also ``<unit>s``, the units covered (bits per base keeps the keys it had).
    """
    was_training = encoder.training, model.training
    encoder.eval()
    model.eval()
    total_nats = 0.0
    counted_nats = 0.0
    correct = 0
    n_scored = 0
    n_counted = 0
    n_units = 0.0
    for lo in range(0, len(windows), batch_size):
        inputs, targets = tokenizer.inputs_targets(windows[lo : lo + batch_size])
        scored = tokenizer.scored(targets)
        counted = tokenizer.counted(targets)
        x = torch.from_numpy(inputs).to(device)
        y = torch.from_numpy(targets).to(device)
        with autocast(device):
            h = model.hidden(encoder(x))  # (B, T, d_model)
            losses = model.nats(h, y)  # (B, T)
            predicted = model.predict(h).cpu().numpy()
        nats = losses.double().cpu().numpy().reshape(targets.shape)
        total_nats += float(nats[scored].sum())
        counted_nats += float(nats[counted].sum())
        correct += int((predicted == targets)[scored].sum())
        n_scored += int(scored.sum())
        n_counted += int(counted.sum())
        n_units += tokenizer.units(targets)[counted].sum().item()
    encoder.train(was_training[0])
    model.train(was_training[1])
    loss = total_nats / max(n_scored, 1)
    unit = tokenizer.unit_name
    result: dict[str, Any] = {
        "loss_nats": loss,
        "bits_per_token": loss / math.log(2),
        f"bits_per_{unit}": bits_per_unit(counted_nats, n_units),
        "perplexity": math.exp(loss),
        "accuracy": correct / max(n_scored, 1),
        "targets": n_scored,
        f"{unit}_targets": n_counted,
    }
    if unit != "base":
        result[f"{unit}s"] = n_units
    return result


def bits_per_unit(nats: float, units: float) -> float:
    """Bits per unit: ``nats / ln 2 / units``; NaN when no unit was counted.

    >>> bits_per_unit(math.log(2) * 6, 4), bits_per_unit(1.0, 0)
    (1.5, nan)
    """
    return nats / math.log(2) / units if units else float("nan")


def run_references(
    cfg: RunConfig, inputs: RunInputs, reference_cache: Path | None = None
) -> dict[str, Any]:
    """The references of a run on its own test sample (:func:`reference_bits`).

    The Markov models are fitted on train windows drawn across the split and their order
    is chosen on a validation sample of its own (:func:`~genoenc.train.setup.reference_samples`),
    independent of the budget, so every run on the same data shares one set of references
    (cached in ``reference_cache`` when given, keyed by :func:`reference_key`).
    """

    def compute() -> dict[str, Any]:
        train_sample, order_val = reference_samples(cfg, inputs.pieces, inputs.tokenizer)
        return reference_bits(
            inputs.tokenizer, train_sample, order_val, inputs.test, cfg.train.markov_max_k
        )

    return cached(reference_cache, reference_key(cfg), compute)
