"""The encoding strategies: token ids -> vectors, one strategy per module.

``build_encoder(cfg, vocab_size, source_table, seed=...)`` gives an :class:`Encoder`;
``forward(ids: (B, T)) -> (B, T, d_out)``. Strategies: ``full`` (reference embedding
``V x d_orig``), ``learned`` (embedding ``V x d_c``, trained with the task), and the
autoencoder family over a ``V x d_orig`` source table: ``autoencoder`` (linear, staged),
``autoencoder-joint`` (trained with the task), ``autoencoder-deep``, ``autoencoder-vae``,
``autoencoder-twostage`` (staged).
"""

from genoenc.encoders._autoencoder import AutoencoderBase, StagedAutoencoder
from genoenc.encoders.autoencoder import AutoencoderEncoder
from genoenc.encoders.autoencoder_deep import DeepAutoencoderEncoder
from genoenc.encoders.autoencoder_joint import JointAutoencoderEncoder
from genoenc.encoders.autoencoder_twostage import TwoStageAutoencoderEncoder
from genoenc.encoders.autoencoder_vae import VariationalAutoencoderEncoder
from genoenc.encoders.base import (
    AUTOENCODER_STRATEGIES,
    SOURCE_TABLES,
    STRATEGIES,
    Encoder,
    EncoderConfig,
)
from genoenc.encoders.build import build_encoder, needs_source_table
from genoenc.encoders.full import FullEncoder
from genoenc.encoders.learned import LearnedEncoder

__all__ = [
    "AUTOENCODER_STRATEGIES",
    "SOURCE_TABLES",
    "STRATEGIES",
    "AutoencoderBase",
    "AutoencoderEncoder",
    "DeepAutoencoderEncoder",
    "Encoder",
    "EncoderConfig",
    "FullEncoder",
    "JointAutoencoderEncoder",
    "LearnedEncoder",
    "StagedAutoencoder",
    "TwoStageAutoencoderEncoder",
    "VariationalAutoencoderEncoder",
    "build_encoder",
    "needs_source_table",
]
