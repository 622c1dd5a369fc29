"""What the autoencoder strategies share: the source table, the codes table, stage 1.

An autoencoder arm holds its source table ``table: (V, d_orig)`` and the table of codes
``codes: (V, d_c)`` that its encoder gives for it, both as buffers. The codes are the
encoding a deployed model stores (counted as ``encoding``); the table, the encoder and the
decoder exist only to train (``training_only``).

Staged arms (:class:`StagedAutoencoder`) learn the autoencoder by reconstruction in stage 1
(:meth:`StagedAutoencoder.stage1_fit`), then freeze it: the task sees the codes table and no
gradient reaches the autoencoder. The freeze is recorded in the ``stage1_done`` buffer, so a
module rebuilt from a checkpoint is frozen again by ``load_state_dict``.
"""

from __future__ import annotations

import logging
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from genoenc.encoders.base import Encoder, EncoderConfig

__all__ = ["AutoencoderBase", "StagedAutoencoder"]

log = logging.getLogger(__name__)


class AutoencoderBase(Encoder):
    """An autoencoder ``d_orig -> d_c -> d_orig`` over a fixed source table."""

    encoding_names = ("codes",)
    table: torch.Tensor
    codes: torch.Tensor
    # Subclasses build these (or override encode/decode) before materialize_codes().
    encoder: nn.Module
    decoder: nn.Module

    def __init__(self, cfg: EncoderConfig, vocab_size: int, table: torch.Tensor) -> None:
        super().__init__(cfg, vocab_size)
        if tuple(table.shape) != (vocab_size, cfg.d_orig):
            raise ValueError(
                f"source table must be {vocab_size}x{cfg.d_orig}, got {tuple(table.shape)}"
            )
        self.register_buffer("table", table.detach().float().clone())  # (V, d_orig)
        # Filled by materialize_codes() once the subclass has built its encoder.
        self.register_buffer("codes", torch.zeros(vocab_size, cfg.d_c))  # (V, d_c)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """Deterministic codes of rows ``x: (N, d_orig)`` -> ``(N, d_c)``."""
        return self.encoder(x)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Rows back from codes ``z: (N, d_c)`` -> ``(N, d_orig)``."""
        return self.decoder(z)

    def reconstruct(self, x: torch.Tensor) -> torch.Tensor:
        """``decode(encode(x))`` for rows ``x: (N, d_orig)``."""
        return self.decode(self.encode(x))

    def recon_mse(self) -> torch.Tensor:
        """Mean squared reconstruction error per element over all V rows of the table."""
        return F.mse_loss(self.reconstruct(self.table), self.table)

    @torch.no_grad()
    def materialize_codes(self) -> None:
        """Write ``encode(table)`` into the ``codes`` buffer (the stored encoding)."""
        self.codes.copy_(self.encode(self.table))


class StagedAutoencoder(AutoencoderBase):
    """An autoencoder trained by reconstruction first (stage 1), then frozen for the task."""

    needs_stage1 = True
    stage1_done: torch.Tensor

    def __init__(self, cfg: EncoderConfig, vocab_size: int, table: torch.Tensor) -> None:
        super().__init__(cfg, vocab_size, table)
        # A bool buffer, so the freeze travels in the state dict (not counted as a parameter).
        self.register_buffer("stage1_done", torch.zeros((), dtype=torch.bool))
        self._frozen = False
        self._phase = 0
        self.register_load_state_dict_post_hook(_refreeze_after_load)

    @property
    def frozen(self) -> bool:
        """Whether stage 1 is done and the autoencoder is frozen."""
        return self._frozen

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        """Look up the codes table: ``ids: (B, T)`` -> ``(B, T, d_c)``, no gradient."""
        return F.embedding(ids, self.codes)  # (B, T, d_c)

    def stage1_phases(self) -> list[list[nn.Parameter]]:
        """Parameter groups trained one after another in stage 1 (one phase by default)."""
        return [list(self.parameters())]

    def stage1_loss(self, generator: torch.Generator | None = None) -> torch.Tensor:
        """The objective stage 1 minimises now: reconstruction MSE over all V rows.

        Args:
            generator: Randomness of stochastic objectives (the VAE's sample).
        """
        return self.recon_mse()

    def aux_loss(self) -> torch.Tensor | None:
        """The stage-1 objective while stage 1 is not done; ``None`` once frozen."""
        return None if self._frozen else self.stage1_loss()

    def stage1_fit(
        self,
        steps: int | None = None,
        lr: float | None = None,
        generator: torch.Generator | None = None,
    ) -> dict[str, float | int]:
        """Train by reconstruction (full-batch Adam on the V rows), then freeze.

        Args:
            steps: Adam steps per phase (default ``config.stage1_steps``).
            lr: Adam learning rate (default ``config.stage1_lr``).
            generator: Randomness of stochastic objectives (default: torch's global RNG).

        Returns:
            ``stage1_steps``, ``stage1_rows_seen`` (rows x steps, summed over phases),
            ``stage1_recon_mse_initial`` and ``stage1_recon_mse`` (end-to-end, deterministic
            codes, per element) and ``stage1_explained_variance`` (1 - MSE / variance of
            the table about its column means).

        Raises:
            RuntimeError: Stage 1 already ran on this module.
        """
        if self._frozen:
            raise RuntimeError("stage 1 already done; this autoencoder is frozen")
        steps = self.config.stage1_steps if steps is None else steps
        lr = self.config.stage1_lr if lr is None else lr
        with torch.no_grad():
            initial = float(self.recon_mse())
        phases = self.stage1_phases()
        with torch.enable_grad():
            for phase, params in enumerate(phases):
                self._phase = phase
                optimizer = torch.optim.Adam(params, lr=lr)
                for _ in range(steps):
                    loss = self.stage1_loss(generator)
                    optimizer.zero_grad(set_to_none=True)
                    loss.backward()
                    optimizer.step()
        self._freeze()
        self.materialize_codes()
        with torch.no_grad():
            final = float(self.recon_mse())
            spread = float(((self.table - self.table.mean(dim=0)) ** 2).mean())
        stats: dict[str, float | int] = {
            "stage1_steps": steps,
            "stage1_rows_seen": self.vocab_size * steps * len(phases),
            "stage1_recon_mse_initial": initial,
            "stage1_recon_mse": final,
            "stage1_explained_variance": 1.0 - final / spread if spread > 0 else 0.0,
        }
        log.info(
            "stage 1 (%s): %d steps, reconstruction MSE %.4g -> %.4g",
            self.config.strategy,
            steps,
            initial,
            final,
        )
        return stats

    def _freeze(self) -> None:
        self.requires_grad_(False)
        for param in self.parameters():
            param.grad = None
        self.stage1_done.fill_(True)
        self._frozen = True


def _refreeze_after_load(module: nn.Module, incompatible_keys: Any) -> None:
    # A checkpoint of a frozen arm must rebuild a frozen arm, or a resumed run would train
    # parameters the uninterrupted run kept fixed.
    assert isinstance(module, StagedAutoencoder)
    if bool(module.stage1_done) and not module.frozen:
        module._freeze()
