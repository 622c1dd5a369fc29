"""Seeded synthetic sources whose entropy rate is known exactly.

A model trained on such a source should approach :meth:`Source.entropy_rate` bits per
token and no model can do better on average, which makes the sources the ground truth
of the studies. Every source follows the small :class:`Source` protocol; ids ``0..3``
read as DNA bases through :func:`tokens_to_dna` and :func:`write_fasta`.

:class:`MarkovSource` is an order-``k`` Markov chain over ``V`` tokens whose transition
distribution for each of the ``V**k`` contexts is drawn from a symmetric
Dirichlet(``concentration``): small concentrations give near-deterministic "simple
patterns", large ones "semi-random" text close to ``log2 V`` bits per token. Its
entropy rate is ``sum_c pi(c) H(next | c)`` with ``pi`` the stationary distribution of
the chain over contexts.
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Final, Protocol, runtime_checkable

import numpy as np

from genoenc.errors import ConfigError
from genoenc.tokenize.vocab import BASES, N_BASES

__all__ = [
    "DNA_DEFAULT_CONCENTRATION",
    "DNA_DEFAULT_ORDER",
    "MarkovSource",
    "SeedLike",
    "Source",
    "default_dna_source",
    "tokens_to_dna",
    "write_fasta",
]

log = logging.getLogger(__name__)

#: A seed, a generator, or ``None`` (fresh entropy).
SeedLike = int | np.random.Generator | None

#: Order of the default DNA source (contexts of 3 bases).
DNA_DEFAULT_ORDER: Final = 3
#: Concentration of the default DNA source: about 1.3 bits per base, clearly below 2.
DNA_DEFAULT_CONCENTRATION: Final = 0.5
# Above this many table entries (contexts x vocab) a source is refused: the tables are dense.
_MAX_TABLE: Final = 1 << 26
# Up to this many contexts the stationary distribution is solved densely.
_DENSE_STATES: Final = 1024
_MAX_POWER_STEPS: Final = 100_000


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

    def entropy_rate(self) -> float:
        """Exact entropy rate in bits per token."""
        ...

    def describe(self) -> dict[str, Any]:
        """A JSON-ready description (kind, parameters, entropy rate) for provenance."""
        ...


def _rng(seed: SeedLike) -> np.random.Generator:
    return seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)


def _entropy_bits(probs: np.ndarray) -> np.ndarray:
    """Row-wise Shannon entropy in bits, with ``0 log 0 = 0``.

    >>> _entropy_bits(np.array([[0.5, 0.5, 0.0], [1.0, 0.0, 0.0]])).tolist()
    [1.0, 0.0]
    """
    safe = np.where(probs > 0, probs, 1.0)
    return (probs * -np.log2(safe)).sum(axis=-1) + 0.0  # + 0.0 turns -0.0 into 0.0


@dataclass(frozen=True)
class MarkovSource:
    """An order-``k`` Markov chain with Dirichlet-drawn transitions.

    Context ids are base-``V`` numbers of the last ``order`` tokens, the most recent
    least significant, so the next context is ``(c * V + x) % V**order``.

    Attributes:
        vocab_size: Number of tokens ``V`` (2..65536).
        order: Context length ``k`` (0 gives an i.i.d. source).
        concentration: Symmetric Dirichlet parameter of each context's distribution.
        seed: Seed of the transition tables (sampling takes its own seed).
        min_prob: Floor mixed into every transition probability, which keeps the chain
            irreducible and aperiodic, so its stationary distribution is unique.
    """

    vocab_size: int
    order: int
    concentration: float
    seed: int = 0
    min_prob: float = 1e-6

    def __post_init__(self) -> None:
        if not 2 <= self.vocab_size <= 1 << 16:
            raise ConfigError(f"source.vocab_size must be in 2..65536 (got {self.vocab_size})")
        if self.order < 0:
            raise ConfigError(f"source.order must be >= 0 (got {self.order})")
        if self.vocab_size ** (self.order + 1) > _MAX_TABLE:
            raise ConfigError(
                f"source.order {self.order} with vocab_size {self.vocab_size} needs "
                f"{self.vocab_size ** (self.order + 1):,} table entries (at most {_MAX_TABLE:,})"
            )
        if not self.concentration > 0:
            raise ConfigError(f"source.concentration must be > 0 (got {self.concentration})")
        if not 0 <= self.min_prob < 1 / self.vocab_size:
            raise ConfigError(f"source.min_prob must be in [0, 1/vocab_size) (got {self.min_prob})")

    @property
    def n_contexts(self) -> int:
        """Number of contexts, ``V**order``."""
        return int(self.vocab_size**self.order)

    @cached_property
    def transitions(self) -> np.ndarray:
        """(n_contexts, V) float64 transition probabilities; rows sum to 1."""
        rng = np.random.default_rng(self.seed)
        alpha = np.full(self.vocab_size, float(self.concentration))
        probs = rng.dirichlet(alpha, size=self.n_contexts)
        probs = (1 - self.vocab_size * self.min_prob) * probs + self.min_prob
        probs /= probs.sum(axis=1, keepdims=True)
        probs.setflags(write=False)
        return probs

    @cached_property
    def stationary(self) -> np.ndarray:
        """(n_contexts,) stationary distribution of the chain over contexts."""
        pi = _stationary(self.transitions, self.vocab_size, self.n_contexts)
        pi.setflags(write=False)
        return pi

    @cached_property
    def _cumulative(self) -> np.ndarray:
        cumulative = np.cumsum(self.transitions, axis=1)
        cumulative[:, -1] = 1.0  # a uniform draw below 1 always lands in some token
        return cumulative

    def entropy_rate(self) -> float:
        """Exact entropy rate in bits per token: ``sum_c pi(c) H(next | c)``."""
        return float(self.stationary @ _entropy_bits(self.transitions))

    def describe(self) -> dict[str, Any]:
        """Kind, parameters and entropy rate, JSON-ready."""
        return {
            "kind": "markov",
            "vocab_size": self.vocab_size,
            "order": self.order,
            "concentration": self.concentration,
            "seed": self.seed,
            "min_prob": self.min_prob,
            "entropy_rate": self.entropy_rate(),
        }

    def sample(self, n: int, seed: SeedLike = None) -> np.ndarray:
        """One chain of ``n`` tokens, started from the stationary distribution.

        Sampling is sequential by nature; the loop does one table lookup per token on
        pre-drawn uniforms (well under a second per 10**6 tokens).

        Args:
            n: Number of tokens.
            seed: Seed or generator for the draws.

        Returns:
            (n,) tokens, uint8 for ``V <= 256`` else uint16.
        """
        return self._sample_chain(n, seed)

    def sample_records(self, n_records: int, length: int, seed: SeedLike = None) -> np.ndarray:
        """``n_records`` independent chains of ``length`` tokens, sampled side by side.

        Each record starts from the stationary distribution, so every record is a
        stationary realisation; the loop runs over positions with all records at once.

        Returns:
            (n_records, length) tokens, uint8 for ``V <= 256`` else uint16.
        """
        rng = _rng(seed)
        vocab, n_contexts = self.vocab_size, self.n_contexts
        out = np.empty((n_records, length), dtype=self._dtype)
        if n_records == 0 or length == 0:
            return out
        context = rng.choice(n_contexts, size=n_records, p=self.stationary)
        uniforms = rng.random((length, n_records))
        cumulative = self._cumulative
        for t in range(length):
            token = (uniforms[t][:, None] >= cumulative[context]).sum(axis=1)
            out[:, t] = token
            context = (context * vocab + token) % n_contexts
        return out

    def surprisal(self, tokens: np.ndarray) -> np.ndarray:
        """Bits ``-log2 p(x_t | context)`` under the true transitions, for ``t >= order``.

        Args:
            tokens: (n,) one chain of tokens.

        Returns:
            (n - order,) float64 surprisal of each token that has a full context.
        """
        tokens = np.asarray(tokens, dtype=np.int64)
        k, vocab = self.order, self.vocab_size
        context = np.zeros(max(tokens.size - k, 0), dtype=np.int64)
        for lag in range(k, 0, -1):  # oldest token first: it ends most significant
            context = context * vocab + tokens[k - lag : tokens.size - lag]
        return -np.log2(self.transitions[context, tokens[k:]])

    @property
    def _dtype(self) -> type[np.unsignedinteger[Any]]:
        return np.uint8 if self.vocab_size <= 256 else np.uint16

    def _sample_chain(self, n: int, seed: SeedLike) -> np.ndarray:
        rng = _rng(seed)
        vocab, n_contexts = self.vocab_size, self.n_contexts
        context = int(rng.choice(n_contexts, p=self.stationary))
        uniforms = rng.random(n)
        # One inverse-CDF lookup per token, in plain Python over lists: numpy calls per
        # scalar would cost several times more.
        cumulative = self._cumulative.tolist()
        out = [0] * n
        for t, u in enumerate(uniforms.tolist()):
            row = cumulative[context]
            token = 0
            while u >= row[token]:
                token += 1
            out[t] = token
            context = (context * vocab + token) % n_contexts
        return np.array(out, dtype=self._dtype)


def _stationary(transitions: np.ndarray, vocab: int, n_contexts: int) -> np.ndarray:
    """Stationary distribution of the context chain ``c -> (c * V + x) % V**k``.

    Up to 1024 contexts: a dense solve of ``pi (I - P) = 0`` with ``sum(pi) = 1`` in
    place of one equation. Beyond: power iteration, one vectorised step
    ``pi'[(c V + x) % V**k] += pi[c] P[c, x]`` at a time, until the L1 change is below
    1e-13 (a sparse LU of the de Bruijn graph fills in badly).
    """
    if n_contexts == 1:
        return np.ones(1)
    nexts = (np.arange(n_contexts)[:, None] * vocab + np.arange(vocab)) % n_contexts
    if n_contexts <= _DENSE_STATES:
        system = np.eye(n_contexts)
        np.add.at(
            system,
            (nexts.reshape(-1), np.repeat(np.arange(n_contexts), vocab)),
            -transitions.reshape(-1),
        )  # (I - P)^T
        system[-1] = 1.0
        rhs = np.zeros(n_contexts)
        rhs[-1] = 1.0
        pi = np.clip(np.linalg.solve(system, rhs), 0.0, None)
        return np.asarray(pi / pi.sum(), dtype=np.float64)
    flat_next = nexts.reshape(-1)
    pi = np.full(n_contexts, 1.0 / n_contexts)
    change = math.inf
    for _ in range(_MAX_POWER_STEPS):
        flow = (pi[:, None] * transitions).reshape(-1)
        new = np.bincount(flat_next, weights=flow, minlength=n_contexts).astype(np.float64)
        new = new / new.sum()
        change = np.abs(new - pi).sum()
        pi = new
        if change < 1e-13:
            return pi
    log.warning("stationary distribution: power iteration stopped at L1 change %.2g", change)
    return pi


def default_dna_source(seed: int = 0) -> MarkovSource:
    """The default DNA design point: 4 bases, order 3, concentration 0.5 (~1.3 bits/base)."""
    return MarkovSource(N_BASES, DNA_DEFAULT_ORDER, DNA_DEFAULT_CONCENTRATION, seed)


def tokens_to_dna(tokens: np.ndarray) -> bytes:
    """Map base ids ``0..3`` to ``b"ATCG"`` bytes (the DNA vocabulary's order).

    Raises:
        ValueError: If an id is outside ``0..3``.

    >>> tokens_to_dna(np.array([0, 1, 2, 3, 3]))
    b'ATCGG'
    """
    ids = np.asarray(tokens).reshape(-1)
    if ids.size and (ids.min() < 0 or ids.max() >= N_BASES):
        raise ValueError(f"DNA tokens must be in 0..{N_BASES - 1}")
    return np.frombuffer(BASES, dtype=np.uint8)[ids].tobytes()


def write_fasta(
    path: str | os.PathLike[str],
    records: Iterable[np.ndarray] | np.ndarray,
    *,
    name_prefix: str = "seq",
    line_width: int = 60,
) -> Path:
    """Write token records as DNA FASTA: ``>{name_prefix}{i}`` headers, wrapped lines.

    Args:
        path: Output file (plain text).
        records: Token arrays (ids ``0..3``), or a 2-D array of one record per row.
        name_prefix: Record names are this prefix followed by 1, 2, ...
        line_width: Bases per sequence line.

    Returns:
        The path written.

    Raises:
        ConfigError: If ``line_width`` is not positive.
        ValueError: If a record holds an id outside ``0..3``.
    """
    if line_width < 1:
        raise ConfigError(f"fasta.line_width must be >= 1 (got {line_width})")
    path = Path(path)
    with path.open("wb") as handle:
        for number, record in enumerate(records, start=1):
            seq = tokens_to_dna(record)
            lines = [seq[i : i + line_width] for i in range(0, len(seq), line_width)]
            handle.write(b">%s%d\n" % (name_prefix.encode(), number))
            handle.write(b"".join(line + b"\n" for line in lines))
    return path
