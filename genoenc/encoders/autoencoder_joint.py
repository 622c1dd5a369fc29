"""``autoencoder-joint``: the autoencoder's encoder trained by the task and reconstruction.

The same linear autoencoder as ``autoencoder``, with no stage 1 (and no warm start): from the
first step the task gradient flows through the encoder, and :meth:`aux_loss` adds
``joint_lambda * reconstruction MSE`` over all V rows of the source table (all rows, not the
batch's: V is small, and the term then matches stage 1 of the staged arm and does not depend
on which tokens a batch holds). The decoder learns only from that term. The total objective is
``task + joint_lambda * recon``; DESIGN's "reconstruction + lambda * task" is the same family
with the weight moved, and this way round the task loss keeps its scale and ``joint_lambda=0``
is a learned linear map of the table.

In training mode the vectors are ``encode(table)`` gathered by id, computed afresh each
step; entering eval mode writes that table into the ``codes`` buffer and eval uses it, so what
is evaluated is exactly what a deployed model stores.
"""

from __future__ import annotations

from typing import Any, Self

import torch
import torch.nn.functional as F
from torch import nn

from genoenc.encoders._autoencoder import AutoencoderBase
from genoenc.encoders._tables import seeded_linear
from genoenc.encoders.base import EncoderConfig

__all__ = ["JointAutoencoderEncoder"]


class JointAutoencoderEncoder(AutoencoderBase):
    """Linear autoencoder whose encoder is trained by the task plus lambda * reconstruction."""

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
        self.register_load_state_dict_post_hook(_refresh_after_load)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        """``ids: (B, T)`` -> ``(B, T, d_c)``; differentiable into the encoder when training."""
        codes = self.encode(self.table) if self.training else self.codes  # (V, d_c)
        return F.embedding(ids, codes)  # (B, T, d_c)

    def aux_loss(self) -> torch.Tensor:
        """``joint_lambda`` x reconstruction MSE over all V rows (gradient into both halves)."""
        return self.config.joint_lambda * self.recon_mse()

    def train(self, mode: bool = True) -> Self:
        """Set the mode; entering eval mode materialises the codes table."""
        super().train(mode)
        if not mode:
            self.materialize_codes()
        return self


def _refresh_after_load(module: nn.Module, incompatible_keys: Any) -> None:
    # The codes in a checkpoint written in training mode may predate its last steps.
    assert isinstance(module, JointAutoencoderEncoder)
    module.materialize_codes()
