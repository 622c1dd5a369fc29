"""``learned``: an embedding ``V x d_c`` trained jointly with the task (one objective)."""

from __future__ import annotations

import torch
from torch import nn

from genoenc.encoders.base import Encoder, EncoderConfig

__all__ = ["LearnedEncoder"]


class LearnedEncoder(Encoder):
    """Embedding ``V x d_c``, learned end to end by the next-token loss."""

    encoding_names = ("embedding",)

    def __init__(
        self, cfg: EncoderConfig, vocab_size: int, generator: torch.Generator | None = None
    ) -> None:
        super().__init__(cfg, vocab_size)
        self.embedding = nn.Embedding(vocab_size, cfg.d_c)
        nn.init.normal_(self.embedding.weight, 0.0, 1.0, generator=generator)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        """Look up ``ids: (B, T)`` -> ``(B, T, d_c)``."""
        return self.embedding(ids)  # (B, T, d_c)
