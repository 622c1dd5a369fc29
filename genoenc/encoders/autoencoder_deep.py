"""``autoencoder-deep``: a staged autoencoder with hidden layers and GELU between them.

Encoder ``d_orig -> h_1 -> ... -> h_n -> d_c`` (default one hidden layer of
``max(d_orig // 2, d_c)``), decoder the mirror image; GELU after every layer except the last
of each half, so the codes and the reconstruction are unbounded, like the linear arm's.
"""

from __future__ import annotations

import itertools

import torch
from torch import nn

from genoenc.encoders._autoencoder import StagedAutoencoder
from genoenc.encoders._tables import seeded_linear
from genoenc.encoders.base import EncoderConfig

__all__ = ["DeepAutoencoderEncoder"]


def _mlp(widths: list[int], generator: torch.Generator | None) -> nn.Sequential:
    layers: list[nn.Module] = []
    for i, (d_in, d_out) in enumerate(itertools.pairwise(widths)):
        layers.append(seeded_linear(d_in, d_out, generator))
        if i < len(widths) - 2:
            layers.append(nn.GELU())
    return nn.Sequential(*layers)


class DeepAutoencoderEncoder(StagedAutoencoder):
    """Multi-layer autoencoder; the task sees the frozen codes ``V x d_c``."""

    def __init__(
        self,
        cfg: EncoderConfig,
        vocab_size: int,
        table: torch.Tensor,
        generator: torch.Generator | None = None,
    ) -> None:
        super().__init__(cfg, vocab_size, table)
        widths = [cfg.d_orig, *cfg.d_hidden, cfg.d_c]
        self.encoder = _mlp(widths, generator)
        self.decoder = _mlp(widths[::-1], generator)
        self.materialize_codes()
