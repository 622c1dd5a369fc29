"""Scoring a model on a fixed sample of windows: nats, bits per token and per base, accuracy."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .device import autocast

__all__ = ["evaluate", "masked_loss"]


def masked_loss(logits: torch.Tensor, targets: torch.Tensor, scored: torch.Tensor) -> torch.Tensor:
    """Mean cross-entropy (nats) over scored targets only.

    Args:
        logits: (B, T, V) float.
        targets: (B, T) int64.
        scored: (B, T) bool: targets that count (not N, START, PAD).
    """
    losses = F.cross_entropy(logits.flatten(0, 1).float(), targets.flatten(), reduction="none")
    weights = scored.flatten().to(losses.dtype)
    return (losses * weights).sum() / weights.sum().clamp(min=1.0)


@torch.no_grad()
def evaluate(
    encoder: nn.Module,
    model: nn.Module,
    tokenizer: Any,
    windows: np.ndarray,
    device: torch.device,
    batch_size: int = 64,
) -> dict[str, Any]:
    """Score ``windows`` (n, history + T + 1) of store ids.

    Returns:
        ``loss_nats`` and ``bits_per_token`` (mean over scored targets), ``bits_per_base``
        (bits over all-ACGT targets divided by their bases), ``perplexity``, ``accuracy``
        (top-1 over scored targets) and ``targets`` / ``base_targets`` counts.
    """
    was_training = encoder.training, model.training
    encoder.eval()
    model.eval()
    total_nats = 0.0
    base_nats = 0.0
    correct = 0
    n_scored = 0
    n_base = 0
    for lo in range(0, len(windows), batch_size):
        inputs, targets = tokenizer.inputs_targets(windows[lo : lo + batch_size])
        scored = tokenizer.scored(targets)
        base = tokenizer.base_targets(targets)
        x = torch.from_numpy(inputs).to(device)
        y = torch.from_numpy(targets).to(device)
        with autocast(device):
            logits = model(encoder(x))  # (B, T, V)
        losses = F.cross_entropy(logits.flatten(0, 1).float(), y.flatten(), reduction="none")
        nats = losses.double().cpu().numpy().reshape(targets.shape)
        predicted = logits.argmax(dim=-1).cpu().numpy()
        total_nats += float(nats[scored].sum())
        base_nats += float(nats[base].sum())
        correct += int((predicted == targets)[scored].sum())
        n_scored += int(scored.sum())
        n_base += int(base.sum())
    encoder.train(was_training[0])
    model.train(was_training[1])
    loss = total_nats / max(n_scored, 1)
    bases = n_base * tokenizer.bases_per_target
    return {
        "loss_nats": loss,
        "bits_per_token": loss / math.log(2),
        "bits_per_base": base_nats / math.log(2) / bases if bases else float("nan"),
        "perplexity": math.exp(loss),
        "accuracy": correct / max(n_scored, 1),
        "targets": n_scored,
        "base_targets": n_base,
    }
