"""``autoencoder``: the frozen encoder of a linear autoencoder ``d_orig -> d_c -> d_orig``.

Stage 1 trains encoder and decoder to reconstruct the V rows of the source table; stage 2
trains the task on the frozen codes. Encoder and decoder are affine, with no nonlinearity:
at convergence this is the best rank-``d_c`` reconstruction of the centred table (the PCA
subspace), the strongest baseline of its size for "compress an embedding" under MSE, and a
nonlinearity on the codes would only distort what the task model's input projection, itself
linear, receives. ``autoencoder-deep`` is the nonlinear variant.
"""

from __future__ import annotations

import torch

from genoenc.encoders._autoencoder import StagedAutoencoder
from genoenc.encoders._tables import seeded_linear
from genoenc.encoders.base import EncoderConfig

__all__ = ["AutoencoderEncoder"]


class AutoencoderEncoder(StagedAutoencoder):
    """Linear autoencoder; the task sees the frozen codes ``V x d_c``."""

    def __init__(
        self,
        cfg: EncoderConfig,
        vocab_size: int,
        table: torch.Tensor,
        generator: torch.Generator | None = None,
    ) -> None:
        super().__init__(cfg, vocab_size, table)
        self.encoder = seeded_linear(cfg.d_orig, cfg.d_c, generator)
        self.decoder = seeded_linear(cfg.d_c, cfg.d_orig, generator)
        self.materialize_codes()
