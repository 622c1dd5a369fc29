"""The LSTM body: a stacked unidirectional LSTM, causal by construction."""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["LSTMBody"]


class LSTMBody(nn.Module):
    """``n_layer`` LSTM layers of width ``d_model`` over ``(B, T, d_model)``."""

    def __init__(self, *, d_model: int, n_layer: int, dropout: float) -> None:
        super().__init__()
        # nn.LSTM warns when given dropout with a single layer (it only acts between layers).
        self.lstm = nn.LSTM(
            d_model, d_model, n_layer, batch_first=True, dropout=dropout if n_layer > 1 else 0.0
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``x: (B, T, d_model)`` -> ``(B, T, d_model)``; each window starts from a zero state."""
        y, _ = self.lstm(x)  # (B, T, d_model)
        return y
