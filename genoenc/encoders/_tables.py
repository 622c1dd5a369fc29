"""Source tables for the autoencoder family and seeded initialisation helpers."""

from __future__ import annotations

import math

import torch
from torch import nn

from genoenc.encoders.base import EncoderConfig
from genoenc.errors import ConfigError

__all__ = ["make_source_table", "reset_linear"]


def make_source_table(
    cfg: EncoderConfig,
    vocab_size: int,
    given: torch.Tensor | None,
    generator: torch.Generator,
) -> torch.Tensor:
    """Build the ``(V, d_orig)`` table an autoencoder reconstructs.

    Args:
        cfg: The encoder config; ``cfg.source_table`` picks the kind.
        vocab_size: Rows ``V`` (the encoder's input vocabulary).
        given: For ``source_table="full"``: the trained ``full`` arm's embedding weight
            ``(V, d_orig)``; copied, never aliased. Must be ``None`` for the other kinds.
        generator: Draws the ``random`` table (N(0, 1)).

    Returns:
        A float32 CPU tensor ``(V, d_orig)``.

    Raises:
        ConfigError: ``full`` without a table or with one of the wrong shape, or ``onehot``
            with ``d_orig < V``.
        ValueError: A table was given for a kind that makes its own.
    """
    shape = (vocab_size, cfg.d_orig)
    if cfg.source_table != "full" and given is not None:
        raise ValueError(
            f"a source table was given but encoder.source_table is {cfg.source_table!r}"
        )
    if cfg.source_table == "full":
        if given is None:
            raise ConfigError(
                "encoder.source_table is 'full' but no table was given: train the 'full' arm "
                "of the same seed and data first, or choose 'random' or 'onehot'"
            )
        if tuple(given.shape) != shape:
            raise ConfigError(
                f"encoder.source_table: the 'full' table is {'x'.join(map(str, given.shape))} "
                f"but this encoder needs {vocab_size}x{cfg.d_orig} (vocabulary x encoder.d_orig)"
            )
        return given.detach().to(device="cpu", dtype=torch.float32).clone()
    if cfg.source_table == "random":
        return torch.randn(shape, generator=generator)
    if cfg.d_orig < vocab_size:
        raise ConfigError(
            f"encoder.d_orig must be at least the vocabulary size ({vocab_size}) for "
            f"encoder.source_table 'onehot' (got {cfg.d_orig})"
        )
    table = torch.zeros(shape)
    table[:, :vocab_size] = torch.eye(vocab_size)  # one-hot rows, zero padding to d_orig
    return table


def seeded_linear(d_in: int, d_out: int, generator: torch.Generator | None) -> nn.Linear:
    """``nn.Linear(d_in, d_out)`` with weights drawn by :func:`reset_linear`."""
    layer = nn.Linear(d_in, d_out)
    reset_linear(layer, generator)
    return layer


def reset_linear(layer: nn.Linear, generator: torch.Generator | None) -> None:
    """Re-draw a Linear layer as torch's default does, but from ``generator``.

    Weight and bias ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)), which is what
    ``kaiming_uniform_(a=sqrt(5))`` amounts to.

    >>> g = torch.Generator().manual_seed(0)
    >>> layer = nn.Linear(4, 2)
    >>> reset_linear(layer, g)
    >>> bool(layer.weight.abs().max() <= 0.5)
    True
    """
    bound = 1.0 / math.sqrt(layer.in_features)
    with torch.no_grad():
        layer.weight.uniform_(-bound, bound, generator=generator)
        if layer.bias is not None:
            layer.bias.uniform_(-bound, bound, generator=generator)
