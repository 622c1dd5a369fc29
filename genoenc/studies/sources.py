"""Seeded synthetic sources whose entropy rate is known (exactly, or tightly bounded).

A model trained on such a source should approach :meth:`Source.entropy_rate` bits per
token and no model can do better on average, which makes the sources the ground truth
of the studies. Every source follows the small :class:`Source` protocol; ids ``0..3``
read as DNA bases through :func:`tokens_to_dna` and :func:`write_fasta`.

Two Markov chains live here (their entropy rate ``sum_c pi(c) H(next | c)``, with ``pi``
the stationary distribution over contexts, is exact):

* :class:`MarkovSource`: order ``k`` over ``V`` tokens, each context's next-token
  distribution drawn from a symmetric Dirichlet(``concentration``): small
  concentrations give near-deterministic "simple patterns", large ones "semi-random"
  text close to ``log2 V`` bits per token.
* :class:`ZipfMarkovSource`: the "realistic transition probabilities" source, order 1
  with a Zipfian choice of successors and a power law over each row's few successors.

The hidden Markov source, whose entropy rate is not closed form, is
:class:`genoenc.studies.hmm.HMMSource`.
"""

from __future__ import annotations

import logging
import math
import os
from abc import abstractmethod
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
    "EntropyRate",
    "MarkovSource",
    "SeedLike",
    "Source",
    "ZipfMarkovSource",
    "default_branching",
    "default_dna_source",
    "entropy_bits",
    "token_dtype",
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


def _rng(seed: SeedLike) -> np.random.Generator:
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


def _check_vocab(vocab_size: int) -> None:
    if isinstance(vocab_size, bool) or not isinstance(vocab_size, int):
        raise ConfigError(f"source.vocab_size must be an integer (got {vocab_size!r})")
    if not 2 <= vocab_size <= 1 << 16:
        raise ConfigError(f"source.vocab_size must be in 2..65536 (got {vocab_size})")


def _check_min_prob(min_prob: float, vocab_size: int) -> None:
    if not 0 <= min_prob < 1 / vocab_size:
        raise ConfigError(f"source.min_prob must be in [0, 1/vocab_size) (got {min_prob})")


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
        return np.array(out, dtype=token_dtype(vocab))

    def sample_records(self, n_records: int, length: int, seed: SeedLike = None) -> np.ndarray:
        """``n_records`` independent chains of ``length`` tokens, sampled side by side.

        Each record starts from the stationary distribution, so every record is a
        stationary realisation; the loop runs over positions with all records at once.

        Returns:
            (n_records, length) tokens, uint8 for ``V <= 256`` else uint16.
        """
        rng = _rng(seed)
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
        _check_vocab(self.vocab_size)
        if self.order < 0:
            raise ConfigError(f"source.order must be >= 0 (got {self.order})")
        if self.vocab_size ** (self.order + 1) > _MAX_TABLE:
            raise ConfigError(
                f"source.order {self.order} with vocab_size {self.vocab_size} needs "
                f"{self.vocab_size ** (self.order + 1):,} table entries (at most {_MAX_TABLE:,})"
            )
        if not self.concentration > 0:
            raise ConfigError(f"source.concentration must be > 0 (got {self.concentration})")
        _check_min_prob(self.min_prob, self.vocab_size)

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
            "entropy_rate": self.entropy_rate(),
            "entropy_rate_detail": self.entropy_rate_detail().to_dict(),
            "unigram_entropy": self.unigram_entropy(),
            "optimal_accuracy": self.optimal_accuracy(),
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
        _check_vocab(self.vocab_size)
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
        _check_min_prob(self.min_prob, self.vocab_size)

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
            "entropy_rate": self.entropy_rate(),
            "entropy_rate_detail": self.entropy_rate_detail().to_dict(),
            "unigram_entropy": self.unigram_entropy(),
            "optimal_accuracy": self.optimal_accuracy(),
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
