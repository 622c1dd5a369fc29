"""The causal transformer body: pre-LN blocks with rotary positions, final LayerNorm.

Positions are rotary (RoPE, Su et al. 2021) rather than nanoGPT's learned absolute
table: next-base prediction lives on *relative* offsets (the last k bases), which
rotary attention expresses directly; with a learned absolute table a small model
needed several times more tokens to learn even an order-3 Markov source.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["MLP", "Block", "CausalSelfAttention", "Transformer", "rotary_tables"]


def rotary_tables(
    T: int, head_size: int, device: torch.device
) -> tuple[torch.Tensor, torch.Tensor]:
    """cos and sin tables ``(T, head_size // 2)`` for rotary position embeddings."""
    inv_freq = 1.0 / (10000 ** (torch.arange(0, head_size, 2, device=device) / head_size))
    angles = torch.outer(torch.arange(T, device=device, dtype=inv_freq.dtype), inv_freq)
    return angles.cos(), angles.sin()


def _rotate(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    """Rotate pairs of channels of ``x: (B, nh, T, hs)`` by position-dependent angles."""
    x1, x2 = x[..., 0::2], x[..., 1::2]  # (B, nh, T, hs/2) each
    rotated = torch.stack((x1 * cos - x2 * sin, x1 * sin + x2 * cos), dim=-1)
    return rotated.flatten(-2).type_as(x)  # (B, nh, T, hs)


class CausalSelfAttention(nn.Module):
    """Multi-head self-attention where position t sees positions <= t only."""

    def __init__(self, d_model: int, n_head: int, dropout: float) -> None:
        super().__init__()
        self.n_head = n_head
        self.dropout = dropout
        self.c_attn = nn.Linear(d_model, 3 * d_model)  # query, key, value for all heads
        self.c_proj = nn.Linear(d_model, d_model)
        self.resid_dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor, rope: tuple[torch.Tensor, torch.Tensor]) -> torch.Tensor:
        """``x: (B, T, C)`` with rotary tables ``rope`` -> ``(B, T, C)``."""
        B, T, C = x.shape
        q, k, v = self.c_attn(x).split(C, dim=2)  # (B, T, C) each
        q = q.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)  # (B, nh, T, hs)
        k = k.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)  # (B, nh, T, hs)
        v = v.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)  # (B, nh, T, hs)
        q, k = _rotate(q, *rope), _rotate(k, *rope)
        y = F.scaled_dot_product_attention(
            q, k, v, dropout_p=self.dropout if self.training else 0.0, is_causal=True
        )  # (B, nh, T, hs)
        y = y.transpose(1, 2).contiguous().view(B, T, C)  # (B, T, C)
        return self.resid_dropout(self.c_proj(y))


class MLP(nn.Module):
    """Position-wise feed-forward ``C -> d_ff -> C`` with GELU."""

    def __init__(self, d_model: int, d_ff: int, dropout: float) -> None:
        super().__init__()
        self.c_fc = nn.Linear(d_model, d_ff)
        self.gelu = nn.GELU()
        self.c_proj = nn.Linear(d_ff, d_model)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``x: (B, T, C)`` -> ``(B, T, C)``."""
        return self.dropout(self.c_proj(self.gelu(self.c_fc(x))))


class Block(nn.Module):
    """Pre-LN residual block: ``x + attn(ln(x))``, then ``x + mlp(ln(x))``."""

    def __init__(self, d_model: int, n_head: int, d_ff: int, dropout: float) -> None:
        super().__init__()
        self.ln_1 = nn.LayerNorm(d_model)
        self.attn = CausalSelfAttention(d_model, n_head, dropout)
        self.ln_2 = nn.LayerNorm(d_model)
        self.mlp = MLP(d_model, d_ff, dropout)

    def forward(self, x: torch.Tensor, rope: tuple[torch.Tensor, torch.Tensor]) -> torch.Tensor:
        """``x: (B, T, C)`` -> ``(B, T, C)``."""
        x = x + self.attn(self.ln_1(x), rope)
        return x + self.mlp(self.ln_2(x))


class Transformer(nn.Module):
    """``n_layer`` causal blocks with rotary positions, final LayerNorm: ``(B, T, d_model)``."""

    def __init__(
        self,
        *,
        d_model: int,
        n_layer: int,
        n_head: int,
        d_ff: int,
        dropout: float,
    ) -> None:
        super().__init__()
        if d_model % n_head or (d_model // n_head) % 2:
            raise ValueError(f"d_model / n_head must be an even integer ({d_model} / {n_head})")
        self.head_size = d_model // n_head
        self.drop = nn.Dropout(dropout)
        self.blocks = nn.ModuleList(Block(d_model, n_head, d_ff, dropout) for _ in range(n_layer))
        self.ln_f = nn.LayerNorm(d_model)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``x: (B, T, d_model)`` (projected inputs) -> ``(B, T, d_model)``."""
        rope = rotary_tables(x.shape[1], self.head_size, x.device)  # (T, hs/2) each
        x = self.drop(x)
        for block in self.blocks:
            x = block(x, rope)
        return self.ln_f(x)
