"""``autoencoder-vae``: a staged variational autoencoder; the codes are the posterior means.

The encoder gives ``(mu, logvar)`` (one affine map to ``2 d_c``), stage 1 decodes a
reparameterised sample ``z = mu + eps * exp(logvar / 2)`` and minimises
``recon + vae_beta * KL``: ``recon`` is the mean squared error per element (as in the other
arms), ``KL`` the KL divergence to N(0, I) summed over the ``d_c`` latent dimensions and
averaged over the V rows. After stage 1 the task sees ``mu`` of each row, frozen.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from genoenc.encoders._autoencoder import StagedAutoencoder
from genoenc.encoders._tables import seeded_linear
from genoenc.encoders.base import EncoderConfig

__all__ = ["VariationalAutoencoderEncoder"]


class VariationalAutoencoderEncoder(StagedAutoencoder):
    """Gaussian-encoder autoencoder, KL-weighted by ``vae_beta``; codes = ``mu``."""

    def __init__(
        self,
        cfg: EncoderConfig,
        vocab_size: int,
        table: torch.Tensor,
        generator: torch.Generator | None = None,
    ) -> None:
        super().__init__(cfg, vocab_size, table)
        self.encoder = seeded_linear(cfg.d_orig, 2 * cfg.d_c, generator)  # -> (mu, logvar)
        self.decoder = seeded_linear(cfg.d_c, cfg.d_orig, generator)
        self.materialize_codes()

    def posterior(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Rows ``(N, d_orig)`` -> ``mu, logvar``, each ``(N, d_c)``."""
        mu, logvar = self.encoder(x).chunk(2, dim=-1)  # (N, d_c) each
        return mu, logvar

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """Rows ``(N, d_orig)`` -> posterior means ``(N, d_c)``."""
        return self.posterior(x)[0]

    def stage1_loss(self, generator: torch.Generator | None = None) -> torch.Tensor:
        """``recon + vae_beta * KL`` with one reparameterised sample per row."""
        mu, logvar = self.posterior(self.table)  # (V, d_c) each
        # Draw on the CPU from the generator, so the sample is the same on every device.
        eps = torch.randn(mu.shape, generator=generator).to(mu.device)
        z = mu + eps * torch.exp(0.5 * logvar)  # (V, d_c)
        recon = F.mse_loss(self.decode(z), self.table)
        kl = (-0.5 * (1 + logvar - mu.pow(2) - logvar.exp()).sum(dim=-1)).mean()
        return recon + self.config.vae_beta * kl
