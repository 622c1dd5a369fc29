"""``autoencoder-twostage``: a bottleneck ``d_orig -> d_mid -> d_c`` learned in two phases.

Greedy layer-wise training, as stacked autoencoders are: phase 1 trains an outer linear
autoencoder ``d_orig -> d_mid -> d_orig`` on the source table; phase 2 freezes it and trains
an inner one ``d_mid -> d_c -> d_mid`` on the middle codes. Both phases run ``stage1_steps``
full-batch steps, so ``stage1_rows_seen`` is ``2 x V x steps``. The codes are
``inner(outer(table))``; ``d_mid`` defaults to the geometric mean of ``d_orig`` and ``d_c``.
Both maps are affine, as in ``autoencoder``, so this arm isolates the effect of training the
bottleneck in stages.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from genoenc.encoders._autoencoder import StagedAutoencoder
from genoenc.encoders._tables import seeded_linear
from genoenc.encoders.base import EncoderConfig

__all__ = ["TwoStageAutoencoderEncoder"]


class TwoStageAutoencoderEncoder(StagedAutoencoder):
    """Outer autoencoder ``d_orig <-> d_mid`` then inner ``d_mid <-> d_c``, trained in turn."""

    def __init__(
        self,
        cfg: EncoderConfig,
        vocab_size: int,
        table: torch.Tensor,
        generator: torch.Generator | None = None,
    ) -> None:
        super().__init__(cfg, vocab_size, table)
        self.outer_encoder = seeded_linear(cfg.d_orig, cfg.d_mid, generator)
        self.outer_decoder = seeded_linear(cfg.d_mid, cfg.d_orig, generator)
        self.inner_encoder = seeded_linear(cfg.d_mid, cfg.d_c, generator)
        self.inner_decoder = seeded_linear(cfg.d_c, cfg.d_mid, generator)
        self.materialize_codes()

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """Rows ``(N, d_orig)`` -> codes ``(N, d_c)`` through ``d_mid``."""
        return self.inner_encoder(self.outer_encoder(x))

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Codes ``(N, d_c)`` -> rows ``(N, d_orig)`` through ``d_mid``."""
        return self.outer_decoder(self.inner_decoder(z))

    def stage1_phases(self) -> list[list[nn.Parameter]]:
        """Outer autoencoder first, then the inner one."""
        outer = [*self.outer_encoder.parameters(), *self.outer_decoder.parameters()]
        inner = [*self.inner_encoder.parameters(), *self.inner_decoder.parameters()]
        return [outer, inner]

    def stage1_loss(self, generator: torch.Generator | None = None) -> torch.Tensor:
        """Reconstruction MSE of the phase in progress (outer on the table, inner on ``d_mid``)."""
        if self._phase == 0:
            mid = self.outer_encoder(self.table)  # (V, d_mid)
            return F.mse_loss(self.outer_decoder(mid), self.table)
        with torch.no_grad():
            mid = self.outer_encoder(self.table)  # (V, d_mid), outer frozen in phase 2
        return F.mse_loss(self.inner_decoder(self.inner_encoder(mid)), mid)
