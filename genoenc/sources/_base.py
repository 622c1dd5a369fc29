"""The source protocol and the helpers every synthetic source shares.

:class:`Source` is what a study needs of a source: samples, the entropy rate (exact or
estimated, :class:`EntropyRate`) and the reference points derived from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import numpy as np

from genoenc.errors import ConfigError

__all__ = [
    "EntropyRate",
    "SeedLike",
    "Source",
    "check_min_prob",
    "check_vocab",
    "entropy_bits",
    "rng_from",
    "token_dtype",
]

#: A seed, a generator, or ``None`` (fresh entropy).
SeedLike = int | np.random.Generator | None


@dataclass(frozen=True, kw_only=True)
class EntropyRate:
    """A source's entropy rate in bits per token, with how it was obtained.

    Attributes:
        bits: The entropy rate (exact, or the point estimate).
        se: Standard error of ``bits`` (0 when exact).
        lower: A lower bound on the true rate (``bits`` when exact).
        upper: An upper bound (``bits`` when exact).
        method: One line saying how ``bits`` and the bounds were computed.
    """

    bits: float
    se: float
    lower: float
    upper: float
    method: str

    @property
    def exact(self) -> bool:
        """Whether the rate is exact (no estimation error)."""
        return self.se == 0 and self.lower == self.upper

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields.

        >>> EntropyRate(bits=1.0, se=0.0, lower=1.0, upper=1.0, method="exact").to_dict()
        {'bits': 1.0, 'se': 0.0, 'lower': 1.0, 'upper': 1.0, 'method': 'exact', 'exact': True}
        """
        return {
            "bits": self.bits,
            "se": self.se,
            "lower": self.lower,
            "upper": self.upper,
            "method": self.method,
            "exact": self.exact,
        }


@runtime_checkable
class Source(Protocol):
    """A synthetic token source with a known entropy rate."""

    @property
    def vocab_size(self) -> int:
        """Number of token ids the source emits (``0..vocab_size - 1``)."""
        ...

    def sample(self, n: int, seed: SeedLike = None) -> np.ndarray:
        """``n`` consecutive tokens of one stationary realisation."""
        ...

    def sample_records(self, n_records: int, length: int, seed: SeedLike = None) -> np.ndarray:
        """``(n_records, length)`` tokens: independent stationary realisations, one per row."""
        ...

    def entropy_rate(self) -> float:
        """Entropy rate in bits per token (exact, or the :meth:`entropy_rate_detail` estimate)."""
        ...

    def entropy_rate_detail(self) -> EntropyRate:
        """The entropy rate with its standard error, bounds and method."""
        ...

    def unigram_entropy(self) -> float:
        """Entropy of one token under the stationary distribution (the best order-0 model)."""
        ...

    def optimal_accuracy(self) -> float:
        """Top-1 accuracy of the true next-token distribution (the best any model can do)."""
        ...

    def context_entropy(self, context: int) -> float:
        """The best loss with only the window's ``1..context`` previous tokens, in bits."""
        ...

    def describe(self) -> dict[str, Any]:
        """A JSON-ready description (kind, parameters, entropy rate) for provenance."""
        ...


def rng_from(seed: SeedLike) -> np.random.Generator:
    return seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)


def entropy_bits(probs: np.ndarray) -> np.ndarray:
    """Shannon entropy in bits along the last axis, with ``0 log 0 = 0``.

    >>> entropy_bits(np.array([[0.5, 0.5, 0.0], [1.0, 0.0, 0.0]])).tolist()
    [1.0, 0.0]
    """
    safe = np.where(probs > 0, probs, 1.0)
    return (probs * -np.log2(safe)).sum(axis=-1) + 0.0  # + 0.0 turns -0.0 into 0.0


def token_dtype(vocab_size: int) -> type[np.unsignedinteger[Any]]:
    """The smallest unsigned dtype holding ids ``0..vocab_size - 1`` (uint8 or uint16).

    >>> token_dtype(256).__name__, token_dtype(257).__name__
    ('uint8', 'uint16')
    """
    return np.uint8 if vocab_size <= 256 else np.uint16


def check_vocab(vocab_size: int) -> None:
    if isinstance(vocab_size, bool) or not isinstance(vocab_size, int):
        raise ConfigError(f"source.vocab_size must be an integer (got {vocab_size!r})")
    if not 2 <= vocab_size <= 1 << 16:
        raise ConfigError(f"source.vocab_size must be in 2..65536 (got {vocab_size})")


def check_min_prob(min_prob: float, vocab_size: int) -> None:
    if not 0 <= min_prob < 1 / vocab_size:
        raise ConfigError(f"source.min_prob must be in [0, 1/vocab_size) (got {min_prob})")
