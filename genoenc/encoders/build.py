"""``build_encoder``: an :class:`~genoenc.encoders.base.Encoder` from its config."""

from __future__ import annotations

from collections.abc import Callable

import torch

from genoenc.encoders._autoencoder import AutoencoderBase
from genoenc.encoders._tables import make_source_table
from genoenc.encoders.autoencoder import AutoencoderEncoder
from genoenc.encoders.autoencoder_deep import DeepAutoencoderEncoder
from genoenc.encoders.autoencoder_joint import JointAutoencoderEncoder
from genoenc.encoders.autoencoder_twostage import TwoStageAutoencoderEncoder
from genoenc.encoders.autoencoder_vae import VariationalAutoencoderEncoder
from genoenc.encoders.base import AUTOENCODER_STRATEGIES, Encoder, EncoderConfig
from genoenc.encoders.full import FullEncoder
from genoenc.encoders.learned import LearnedEncoder

__all__ = ["build_encoder", "needs_source_table"]

_AUTOENCODERS: dict[
    str, Callable[[EncoderConfig, int, torch.Tensor, torch.Generator], AutoencoderBase]
] = {
    "autoencoder": AutoencoderEncoder,
    "autoencoder-joint": JointAutoencoderEncoder,
    "autoencoder-deep": DeepAutoencoderEncoder,
    "autoencoder-vae": VariationalAutoencoderEncoder,
    "autoencoder-twostage": TwoStageAutoencoderEncoder,
}


def needs_source_table(cfg: EncoderConfig) -> bool:
    """Whether :func:`build_encoder` needs the trained ``full`` arm's table for ``cfg``.

    >>> needs_source_table(EncoderConfig(strategy="autoencoder", source_table="full"))
    True
    >>> needs_source_table(EncoderConfig(strategy="autoencoder", source_table="random"))
    False
    >>> needs_source_table(EncoderConfig(strategy="learned"))
    False
    """
    return cfg.strategy in AUTOENCODER_STRATEGIES and cfg.source_table == "full"


def build_encoder(
    cfg: EncoderConfig,
    vocab_size: int,
    source_table: torch.Tensor | None = None,
    *,
    seed: int = 0,
) -> Encoder:
    """Build the encoder of ``cfg.strategy`` for ``vocab_size`` input ids, on the CPU.

    Every random draw (embedding and autoencoder weights, the ``random`` table) comes from a
    generator seeded with ``seed``; torch's global RNG is left exactly as it was, so a task
    model built afterwards gets the same initial weights in every arm of a comparison.

    Args:
        cfg: The encoder config.
        vocab_size: Input vocabulary size ``V`` (the tokenizer's ``input_vocab_size``).
        source_table: The trained ``full`` arm's embedding ``(V, d_orig)``
            (``FullEncoder.source_table()``), needed when :func:`needs_source_table` is
            true; ignored by ``full`` and ``learned``.
        seed: Seed of the encoder's own generator.

    Returns:
        The encoder; staged autoencoders (``needs_stage1``) still need ``stage1_fit()``.

    Raises:
        ConfigError: The source table is missing or has the wrong shape, or ``onehot`` is
            asked for with ``d_orig`` below the vocabulary size.
    """
    generator = torch.Generator().manual_seed(seed)
    # nn.Linear/nn.Embedding draw from the global RNG as they are constructed; we redraw
    # them from `generator` and restore the global state afterwards.
    with torch.random.fork_rng(devices=[]):
        if cfg.strategy == "full":
            return FullEncoder(cfg, vocab_size, generator)
        if cfg.strategy == "learned":
            return LearnedEncoder(cfg, vocab_size, generator)
        table = make_source_table(cfg, vocab_size, source_table, generator)
        return _AUTOENCODERS[cfg.strategy](cfg, vocab_size, table, generator)
