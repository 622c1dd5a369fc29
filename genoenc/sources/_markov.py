"""Markov chain sources, whose entropy rate is exact.

The entropy rate of an order-``k`` chain is ``sum_c pi(c) H(next | c)``, with ``pi`` the
stationary distribution over contexts.

* :class:`MarkovSource`: order ``k`` over ``V`` tokens, each context's next-token
  distribution drawn from a symmetric Dirichlet(``concentration``): small
  concentrations give near-deterministic "simple patterns", large ones "semi-random"
  text close to ``log2 V`` bits per token.
* :class:`ZipfMarkovSource`: the "realistic transition probabilities" source, order 1
  with a Zipfian choice of successors and a power law over each row's few successors.
"""

from __future__ import annotations

import logging
import math
from abc import abstractmethod
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Final

import numpy as np

from genoenc.errors import ConfigError
from genoenc.sources._base import (
    EntropyRate,
    SeedLike,
    check_min_prob,
    check_vocab,
    entropy_bits,
    rng_from,
    token_dtype,
)
from genoenc.tokenize.vocab import N_BASES

__all__ = [
    "DNA_DEFAULT_CONCENTRATION",
    "DNA_DEFAULT_ORDER",
    "MarkovSource",
    "ZipfMarkovSource",
    "default_branching",
    "default_dna_source",
]

log = logging.getLogger(__name__)

#: Order of the default DNA source (contexts of 3 bases).
DNA_DEFAULT_ORDER: Final = 3
#: Concentration of the default DNA source: about 1.3 bits per base, clearly below 2.
DNA_DEFAULT_CONCENTRATION: Final = 0.5
# Above this many table entries (contexts x vocab) a source is refused: the tables are dense.
_MAX_TABLE: Final = 1 << 26
# Up to this many contexts the stationary distribution is solved densely.
_DENSE_STATES: Final = 1024
_MAX_POWER_STEPS: Final = 100_000


class _ChainSource:
    """Sampling, stationary distribution and exact entropy of an order-``k`` chain.

    Subclasses are frozen dataclasses with ``vocab_size`` and ``min_prob`` fields that
    build their ``(V**k, V)`` table in :meth:`_build_transitions`. Context ids are
    base-``V`` numbers of the last ``k`` tokens, the most recent least significant,
    so the next context is ``(c * V + x) % V**k``.
    """

    vocab_size: int
    min_prob: float

    @abstractmethod
    def _chain_order(self) -> int:
        """The chain's order ``k``."""

    @abstractmethod
    def _build_transitions(self) -> np.ndarray:
        """The ``(V**k, V)`` transition table before the ``min_prob`` floor is mixed in."""

    @property
    def n_contexts(self) -> int:
        """Number of contexts, ``V**order``."""
        return int(self.vocab_size ** self._chain_order())

    @cached_property
    def transitions(self) -> np.ndarray:
        """(n_contexts, V) float64 transition probabilities; rows sum to 1.

        ``min_prob`` is mixed into every entry, which keeps the chain irreducible and
        aperiodic, so its stationary distribution is unique.
        """
        probs = self._build_transitions()
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
        return float(self.stationary @ entropy_bits(self.transitions))

    def entropy_rate_detail(self) -> EntropyRate:
        """The exact rate (no error, bounds equal to it)."""
        bits = self.entropy_rate()
        return EntropyRate(
            bits=bits,
            se=0.0,
            lower=bits,
            upper=bits,
            method="exact: sum over contexts of stationary probability x next-token entropy",
        )

    def optimal_accuracy(self) -> float:
        """Top-1 accuracy of the true next-token distribution: ``sum_c pi(c) max_x P(x | c)``."""
        return float(self.stationary @ self.transitions.max(axis=1))

    def _rates(self) -> dict[str, Any]:
        """The entropy rate, unigram entropy and optimal accuracy, for ``describe()``."""
        return {
            "entropy_rate": self.entropy_rate(),
            "entropy_rate_detail": self.entropy_rate_detail().to_dict(),
            "unigram_entropy": self.unigram_entropy(),
            "optimal_accuracy": self.optimal_accuracy(),
        }

    def context_entropy(self, context: int) -> float:
        """Mean of ``H(X_t | previous j tokens)`` over ``j = 1..context``, in bits (exact).

        The best loss a model can reach on non-overlapping windows of ``context``
        targets, where the ``j``-th target sees only the ``j`` tokens before it in its
        window; it exceeds the entropy rate when ``context`` is short.
        """
        if context < 1:
            raise ConfigError(f"context must be >= 1 (got {context})")
        k = self._chain_order()
        partial = [self._suffix_entropy(j) for j in range(1, min(k, context + 1))]
        full = context - len(partial)
        return (sum(partial) + full * self.entropy_rate()) / context

    def _suffix_entropy(self, j: int) -> float:
        """``H(X_t | the previous j tokens)`` for ``j`` below the order."""
        vocab, k = self.vocab_size, self._chain_order()
        weighted = self.stationary[:, None] * self.transitions  # (V**k, V): P(context, next)
        # Context c = high * V**j + low, the low part being the last j tokens.
        joint = weighted.reshape(vocab ** (k - j), vocab**j, vocab).sum(axis=0)
        return float(entropy_bits(joint.reshape(-1)) - entropy_bits(joint.sum(axis=1)))

    def unigram(self) -> np.ndarray:
        """(V,) stationary probability of one token."""
        if self._chain_order() == 0:
            return np.asarray(self.transitions[0], dtype=np.float64)
        last = np.arange(self.n_contexts) % self.vocab_size  # the most recent token
        return np.bincount(last, weights=self.stationary, minlength=self.vocab_size)

    def unigram_entropy(self) -> float:
        """Entropy of the stationary one-token distribution in bits (the order-0 floor)."""
        return float(entropy_bits(self.unigram()))

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
        rng = rng_from(seed)
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
        return np.array(out, dtype=token_dtype(vocab))

    def sample_records(self, n_records: int, length: int, seed: SeedLike = None) -> np.ndarray:
        """``n_records`` independent chains of ``length`` tokens, sampled side by side.

        Each record starts from the stationary distribution, so every record is a
        stationary realisation; the loop runs over positions with all records at once.

        Returns:
            (n_records, length) tokens, uint8 for ``V <= 256`` else uint16.
        """
        rng = rng_from(seed)
        vocab, n_contexts = self.vocab_size, self.n_contexts
        out = np.empty((n_records, length), dtype=token_dtype(vocab))
        if n_records == 0 or length == 0:
            return out
        context = rng.choice(n_contexts, size=n_records, p=self.stationary)
        uniforms = rng.random((length, n_records))
        cumulative = self._cumulative
        for t in range(length):
            token = (uniforms[t][:, None] >= cumulative[context]).sum(axis=1)
            token = np.minimum(token, vocab - 1)  # guards a rounding tie at the top
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
        k, vocab = self._chain_order(), self.vocab_size
        context = np.zeros(max(tokens.size - k, 0), dtype=np.int64)
        for lag in range(k, 0, -1):  # oldest token first: it ends most significant
            context = context * vocab + tokens[k - lag : tokens.size - lag]
        return np.asarray(-np.log2(self.transitions[context, tokens[k:]]), dtype=np.float64)


@dataclass(frozen=True)
class MarkovSource(_ChainSource):
    """An order-``k`` Markov chain with Dirichlet-drawn transitions.

    Attributes:
        vocab_size: Number of tokens ``V`` (2..65536).
        order: Context length ``k`` (0 gives an i.i.d. source).
        concentration: Symmetric Dirichlet parameter of each context's distribution.
        seed: Seed of the transition tables (sampling takes its own seed).
        min_prob: Floor mixed into every transition probability.
    """

    vocab_size: int
    order: int
    concentration: float
    seed: int = 0
    min_prob: float = 1e-6

    def __post_init__(self) -> None:
        check_vocab(self.vocab_size)
        if self.order < 0:
            raise ConfigError(f"source.order must be >= 0 (got {self.order})")
        if self.vocab_size ** (self.order + 1) > _MAX_TABLE:
            raise ConfigError(
                f"source.order {self.order} with vocab_size {self.vocab_size} needs "
                f"{self.vocab_size ** (self.order + 1):,} table entries (at most {_MAX_TABLE:,})"
            )
        if not self.concentration > 0:
            raise ConfigError(f"source.concentration must be > 0 (got {self.concentration})")
        check_min_prob(self.min_prob, self.vocab_size)

    def _chain_order(self) -> int:
        return self.order

    def _build_transitions(self) -> np.ndarray:
        rng = np.random.default_rng(self.seed)
        alpha = np.full(self.vocab_size, float(self.concentration))
        return np.asarray(rng.dirichlet(alpha, size=self.n_contexts), dtype=np.float64)

    def describe(self) -> dict[str, Any]:
        """Kind, parameters and entropy rate, JSON-ready."""
        return {
            "kind": "markov",
            "vocab_size": self.vocab_size,
            "order": self.order,
            "concentration": self.concentration,
            "seed": self.seed,
            "min_prob": self.min_prob,
            **self._rates(),
        }


def default_branching(vocab_size: int) -> int:
    """Successors per token of :class:`ZipfMarkovSource` by default: ``ceil(sqrt(V))``.

    >>> default_branching(20), default_branching(50), default_branching(1000)
    (5, 8, 32)
    """
    return max(2, math.isqrt(vocab_size - 1) + 1)


@dataclass(frozen=True, kw_only=True)
class ZipfMarkovSource(_ChainSource):
    """The "realistic transition probabilities" source: a sparse, Zipfian order-1 chain.

    Token ``i`` has Zipf weight ``w_i = (i + 1) ** -exponent``. Each token's row of the
    transition table has ``branching`` successors, drawn without replacement with
    probabilities ``w`` (so frequent tokens follow often, as words do); in the order
    drawn, the ``j``-th successor gets probability proportional to ``j ** -row_exponent``.
    All other entries are ``min_prob``. The stationary (unigram) distribution is
    therefore Zipf-like, though not exactly Zipf; the entropy rate is exact.

    Attributes:
        vocab_size: Number of tokens ``V``.
        exponent: Zipf exponent of the successor choice.
        branching: Successors per token (``None``: :func:`default_branching`).
        row_exponent: Power-law exponent within a row.
        seed: Seed of the table.
        min_prob: Floor of every transition probability.
    """

    vocab_size: int
    exponent: float = 1.0
    branching: int | None = None
    row_exponent: float = 1.0
    seed: int = 0
    min_prob: float = 1e-6

    def __post_init__(self) -> None:
        check_vocab(self.vocab_size)
        if self.vocab_size**2 > _MAX_TABLE:
            raise ConfigError(
                f"source.vocab_size {self.vocab_size} needs {self.vocab_size**2:,} table "
                f"entries (at most {_MAX_TABLE:,})"
            )
        if self.branching is None:
            object.__setattr__(self, "branching", default_branching(self.vocab_size))
        elif not 1 <= self.branching <= self.vocab_size:
            raise ConfigError(
                f"source.branching must be in 1..vocab_size={self.vocab_size} "
                f"(got {self.branching})"
            )
        for name in ("exponent", "row_exponent"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value >= 0):
                raise ConfigError(f"source.{name} must be a finite number >= 0 (got {value})")
        check_min_prob(self.min_prob, self.vocab_size)

    @property
    def order(self) -> int:
        """Always 1."""
        return 1

    @property
    def successors(self) -> int:
        """The resolved ``branching``."""
        assert self.branching is not None  # resolved in __post_init__
        return self.branching

    def _chain_order(self) -> int:
        return 1

    def _build_transitions(self) -> np.ndarray:
        rng = np.random.default_rng(self.seed)
        vocab, m = self.vocab_size, self.successors
        log_weights = -self.exponent * np.log(np.arange(1, vocab + 1))
        # Gumbel top-m: m draws without replacement with probabilities w, in draw order.
        keys = log_weights + rng.gumbel(size=(vocab, vocab))  # (V rows, V candidates)
        if m < vocab:
            top = np.argpartition(-keys, m - 1, axis=1)[:, :m]  # (V, m), unordered
        else:
            top = np.tile(np.arange(vocab), (vocab, 1))
        order = np.argsort(-np.take_along_axis(keys, top, axis=1), axis=1)
        drawn = np.take_along_axis(top, order, axis=1)  # (V, m) successors in draw order
        rank_probs = np.arange(1, m + 1, dtype=np.float64) ** -self.row_exponent
        rank_probs /= rank_probs.sum()
        probs = np.zeros((vocab, vocab))
        np.put_along_axis(probs, drawn, np.broadcast_to(rank_probs, drawn.shape), axis=1)
        return probs

    def describe(self) -> dict[str, Any]:
        """Kind, parameters and entropy rate, JSON-ready."""
        return {
            "kind": "zipf",
            "vocab_size": self.vocab_size,
            "order": 1,
            "exponent": self.exponent,
            "branching": self.successors,
            "row_exponent": self.row_exponent,
            "seed": self.seed,
            "min_prob": self.min_prob,
            **self._rates(),
        }


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
