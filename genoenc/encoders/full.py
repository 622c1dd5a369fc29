"""``full``: the uncompressed reference, an embedding ``V x d_orig`` trained with the task."""

from __future__ import annotations

import torch
from torch import nn

from genoenc.encoders.base import Encoder, EncoderConfig

__all__ = ["FullEncoder"]


class FullEncoder(Encoder):
    """Embedding ``V x d_orig``; its weight is the ``full`` source table of the autoencoders."""

    encoding_names = ("embedding",)

    def __init__(
        self, cfg: EncoderConfig, vocab_size: int, generator: torch.Generator | None = None
    ) -> None:
        super().__init__(cfg, vocab_size)
        self.d_out = cfg.d_orig
        self.embedding = nn.Embedding(vocab_size, cfg.d_orig)
        # N(0, 1), as the random source table: every arm's vectors start at unit scale.
        nn.init.normal_(self.embedding.weight, 0.0, 1.0, generator=generator)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        """Look up ``ids: (B, T)`` -> ``(B, T, d_orig)``."""
        return self.embedding(ids)  # (B, T, d_orig)

    def source_table(self) -> torch.Tensor:
        """The trained table ``(V, d_orig)``, detached: what autoencoder arms reconstruct."""
        return self.embedding.weight.detach()
