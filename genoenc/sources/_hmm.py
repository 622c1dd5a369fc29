"""A structured source: a small hidden Markov model of sticky "phrase" states.

Hidden states persist for about ``1 / (1 - stay)`` tokens and each emits from its own
sparse distribution over the ``V`` tokens, so the next token depends on a state that
must be inferred from a long stretch of context: structure a low-order Markov model
misses and a sequence model can use.

The entropy rate of an HMM's output is not closed form. For stationary output,
``H(X_t | X_1..t-1, S_1) <= h <= H(X_t | X_1..t-1)`` for every ``t`` and both sides
converge to ``h`` (Cover & Thomas, Elements of Information Theory, thm. 4.5.1). Both
conditional entropies are estimated by Monte Carlo with the forward algorithm: on
independent stationary records, the mean of ``-log2 p(x_t | x_<t)`` (filter started from
the stationary state distribution) and of ``-log2 p(x_t | x_<t, s_1)`` (filter started
from the true first state) over positions ``t >= burn_in``. The point estimate is their
mean; the standard error comes from the spread of the per-record means (records are
independent); the stated interval is ``[lower estimate - 3 se, upper estimate + 3 se]``.
Exact but loose bounds are also reported: ``H(X | S) <= h <= H(X_2 | X_1)``.
"""

from __future__ import annotations

import math
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

__all__ = ["HMMSource"]

# The seed stream of the entropy estimate is kept apart from any sampling seed a user picks.
_ESTIMATE_STREAM: Final = 0x48_4D_4D  # "HMM"
_INTERVAL_SE: Final = 3.0


@dataclass(frozen=True, kw_only=True)
class HMMSource:
    """A hidden Markov model with sticky states and sparse per-state emissions.

    Attributes:
        vocab_size: Number of tokens ``V``.
        n_states: Hidden states ``S``.
        stay: Probability that the state stays the same at the next token.
        transition_concentration: Dirichlet parameter of where a leaving state goes
            (over the other ``S - 1`` states).
        emission_concentration: Dirichlet parameter of each state's emission
            distribution (small: each state uses few tokens).
        seed: Seed of the tables (sampling takes its own seed).
        min_prob: Floor mixed into every emission probability.
        estimate_records: Independent records of the entropy-rate estimate.
        estimate_length: Tokens per record of the estimate.
        burn_in: Leading positions of each record left out of the estimate.
    """

    vocab_size: int
    n_states: int = 6
    stay: float = 0.9
    transition_concentration: float = 1.0
    emission_concentration: float = 0.1
    seed: int = 0
    min_prob: float = 1e-6
    estimate_records: int = 512
    estimate_length: int = 4096
    burn_in: int = 512

    def __post_init__(self) -> None:
        check_vocab(self.vocab_size)
        if not 2 <= self.n_states <= 256:
            raise ConfigError(f"source.n_states must be in 2..256 (got {self.n_states})")
        if not 0 <= self.stay < 1:
            raise ConfigError(f"source.stay must be in [0, 1) (got {self.stay})")
        for name in ("transition_concentration", "emission_concentration"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value > 0):
                raise ConfigError(f"source.{name} must be a finite number > 0 (got {value})")
        check_min_prob(self.min_prob, self.vocab_size)
        if self.estimate_records < 2:
            raise ConfigError(
                f"source.estimate_records must be at least 2 (got {self.estimate_records})"
            )
        if not 0 <= self.burn_in < self.estimate_length:
            raise ConfigError(
                f"source.burn_in must be in 0..estimate_length-1 (got {self.burn_in})"
            )

    @cached_property
    def transitions(self) -> np.ndarray:
        """(S, S) state transition probabilities; ``stay`` on the diagonal."""
        rng = np.random.default_rng([self.seed, 0])
        n = self.n_states
        leave = rng.dirichlet(np.full(n - 1, float(self.transition_concentration)), size=n)
        table = np.zeros((n, n))
        off = ~np.eye(n, dtype=bool)
        table[off] = ((1 - self.stay) * leave).reshape(-1)  # row-major: row s, others in order
        table[np.diag_indices(n)] = self.stay
        table.setflags(write=False)
        return table

    @cached_property
    def emissions(self) -> np.ndarray:
        """(S, V) emission probabilities of each state; rows sum to 1."""
        rng = np.random.default_rng([self.seed, 1])
        alpha = np.full(self.vocab_size, float(self.emission_concentration))
        probs = rng.dirichlet(alpha, size=self.n_states)
        probs = (1 - self.vocab_size * self.min_prob) * probs + self.min_prob
        probs /= probs.sum(axis=1, keepdims=True)
        probs.setflags(write=False)
        return probs

    @cached_property
    def state_stationary(self) -> np.ndarray:
        """(S,) stationary distribution of the hidden chain."""
        n = self.n_states
        system = np.eye(n) - self.transitions.T
        system[-1] = 1.0
        rhs = np.zeros(n)
        rhs[-1] = 1.0
        pi = np.clip(np.linalg.solve(system, rhs), 0.0, None)
        pi = pi / pi.sum()
        pi.setflags(write=False)
        return pi

    def unigram(self) -> np.ndarray:
        """(V,) stationary probability of one token."""
        return np.asarray(self.state_stationary @ self.emissions, dtype=np.float64)

    def unigram_entropy(self) -> float:
        """Entropy of one token under the stationary distribution, in bits."""
        return float(entropy_bits(self.unigram()))

    def exact_bounds(self) -> tuple[float, float]:
        """Exact, loose bounds ``(H(X | S), H(X_2 | X_1))`` on the entropy rate, in bits."""
        pi, a, e = self.state_stationary, self.transitions, self.emissions
        lower = float(pi @ entropy_bits(e))
        joint = (pi[:, None] * e).T @ a @ e  # (V, V): P(x_1, x_2)
        marginal = joint.sum(axis=1)
        upper = float(entropy_bits(joint.reshape(-1)) - entropy_bits(marginal))
        return lower, upper

    def sample_states_and_tokens(
        self, n_records: int, length: int, seed: SeedLike = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Hidden states and tokens of ``n_records`` independent stationary records.

        Returns:
            ``(states, tokens)``: (n_records, length) int64 states and tokens (uint8 for
            ``V <= 256``, else uint16).
        """
        rng = rng_from(seed)
        tokens = np.empty((n_records, length), dtype=token_dtype(self.vocab_size))
        states = np.empty((n_records, length), dtype=np.int64)
        if n_records == 0 or length == 0:
            return states, tokens
        emit_cdf = np.cumsum(self.emissions, axis=1)
        move_cdf = np.cumsum(self.transitions, axis=1)
        emit_cdf[:, -1] = move_cdf[:, -1] = 1.0
        state = rng.choice(self.n_states, size=n_records, p=self.state_stationary)
        uniforms = rng.random((length, 2, n_records))
        for t in range(length):
            states[:, t] = state
            tokens[:, t] = (uniforms[t, 0][:, None] >= emit_cdf[state]).sum(axis=1)
            state = (uniforms[t, 1][:, None] >= move_cdf[state]).sum(axis=1)
        return states, tokens

    def sample_records(self, n_records: int, length: int, seed: SeedLike = None) -> np.ndarray:
        """``(n_records, length)`` tokens of independent stationary records."""
        return self.sample_states_and_tokens(n_records, length, seed)[1]

    def sample(self, n: int, seed: SeedLike = None) -> np.ndarray:
        """``n`` consecutive tokens of one stationary realisation.

        A plain Python loop over lists (two inverse-CDF lookups per token): numpy calls
        per scalar would cost several times more.
        """
        rng = rng_from(seed)
        emit = np.cumsum(self.emissions, axis=1)
        move = np.cumsum(self.transitions, axis=1)
        emit[:, -1] = move[:, -1] = 1.0
        emit_rows, move_rows = emit.tolist(), move.tolist()
        state = int(rng.choice(self.n_states, p=self.state_stationary))
        out = [0] * n
        for t, (u, v) in enumerate(rng.random((n, 2)).tolist()):
            row = emit_rows[state]
            token = 0
            while u >= row[token]:
                token += 1
            out[t] = token
            row = move_rows[state]
            state = 0
            while v >= row[state]:
                state += 1
        return np.array(out, dtype=token_dtype(self.vocab_size))

    def surprisal(self, tokens: np.ndarray, first_states: np.ndarray | None = None) -> np.ndarray:
        """Bits ``-log2 p(x_t | x_1..t-1)`` of every token, by the scaled forward algorithm.

        Args:
            tokens: (n,) one record or (R, n) independent records.
            first_states: (R,) true hidden state of each record's first token; when given,
                the filter starts from it instead of the stationary distribution (the
                lower-bound side, ``-log2 p(x_t | x_<t, s_1)``).

        Returns:
            float64 surprisal, the shape of ``tokens``.
        """
        ids = np.asarray(tokens, dtype=np.int64)
        return self._forward(ids.reshape(-1, ids.shape[-1]), first_states)[0].reshape(ids.shape)

    def _forward(
        self, records: np.ndarray, first_states: np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray]:
        """(R, n) surprisal in bits and the (R, n) largest predictive probability."""
        n_records, length = records.shape
        if first_states is None:
            predicted = np.tile(self.state_stationary, (n_records, 1))  # (R, S)
        else:
            predicted = np.zeros((n_records, self.n_states))
            predicted[np.arange(n_records), np.asarray(first_states, dtype=np.int64)] = 1.0
        emissions_t = np.ascontiguousarray(self.emissions.T)  # (V, S)
        bits = np.empty((n_records, length))
        best = np.empty((n_records, length))
        for t in range(length):
            best[:, t] = (predicted @ self.emissions).max(axis=1)  # max_x p(x | x_<t)
            joint = predicted * emissions_t[records[:, t]]  # (R, S): p(s_t, x_t | x_<t)
            evidence = joint.sum(axis=1)  # (R,): p(x_t | x_<t)
            bits[:, t] = -np.log2(evidence)
            predicted = (joint / evidence[:, None]) @ self.transitions  # p(s_t+1 | x_<=t)
        return bits, best

    @cached_property
    def _estimate_sample(self) -> tuple[np.ndarray, np.ndarray]:
        """(R, n) states and int64 tokens of the estimates (fixed seed stream)."""
        rng = np.random.default_rng([self.seed, _ESTIMATE_STREAM])
        states, tokens = self.sample_states_and_tokens(
            self.estimate_records, self.estimate_length, rng
        )
        return states, tokens.astype(np.int64)

    def context_entropy(self, context: int) -> float:
        """Mean of ``H(X_t | previous j tokens)`` over ``j = 1..context``, in bits.

        Monte Carlo over the estimate's records cut into segments of ``context + 1``
        tokens, each filtered from the stationary state distribution (standard error
        comparable to :meth:`entropy_rate_detail`'s).
        """
        if not 1 <= context < self.estimate_length:
            raise ConfigError(f"context must be in 1..{self.estimate_length - 1} (got {context})")
        tokens = self._estimate_sample[1]
        per_record = self.estimate_length // (context + 1)
        segments = tokens[:, : per_record * (context + 1)].reshape(-1, context + 1)
        return float(self._forward(segments, None)[0][:, 1:].mean())

    @cached_property
    def _estimate(self) -> tuple[EntropyRate, float]:
        """The entropy-rate estimate and the optimal top-1 accuracy, from one sample."""
        states, records = self._estimate_sample
        burn = self.burn_in
        bits, best = self._forward(records, None)
        upper_side = bits[:, burn:].mean(axis=1)  # (R,)
        lower_side = self._forward(records, states[:, 0])[0][:, burn:].mean(axis=1)
        root = math.sqrt(self.estimate_records)
        se_up = float(upper_side.std(ddof=1) / root)
        se_low = float(lower_side.std(ddof=1) / root)
        up, low = float(upper_side.mean()), float(lower_side.mean())
        exact_low, exact_up = self.exact_bounds()
        rate = EntropyRate(
            bits=(up + low) / 2,
            se=max(se_up, se_low),
            lower=max(low - _INTERVAL_SE * se_low, exact_low),
            upper=min(up + _INTERVAL_SE * se_up, exact_up),
            method=(
                "forward-algorithm Monte Carlo: mean of -log2 p(x_t | x_<t) (>= h) and of "
                f"-log2 p(x_t | x_<t, s_1) (<= h) over t >= {burn} in "
                f"{self.estimate_records} independent records of {self.estimate_length} "
                f"tokens; interval = estimates -/+ {_INTERVAL_SE:g} SE"
            ),
        )
        return rate, float(best[:, burn:].mean())

    def optimal_accuracy(self) -> float:
        """Top-1 accuracy of the true predictive distribution, ``E max_x p(x | x_<t)``.

        Estimated on the records of the entropy-rate estimate (Monte Carlo, same burn-in).
        """
        return self._estimate[1]

    def entropy_rate_detail(self) -> EntropyRate:
        """The estimated entropy rate with its standard error and interval (see module doc)."""
        return self._estimate[0]

    def entropy_rate(self) -> float:
        """The estimated entropy rate in bits per token (standard error below 0.1%)."""
        return self._estimate[0].bits

    def describe(self) -> dict[str, Any]:
        """Kind, parameters and entropy rate, JSON-ready."""
        exact_low, exact_up = self.exact_bounds()
        return {
            "kind": "hmm",
            "vocab_size": self.vocab_size,
            "n_states": self.n_states,
            "stay": self.stay,
            "transition_concentration": self.transition_concentration,
            "emission_concentration": self.emission_concentration,
            "seed": self.seed,
            "min_prob": self.min_prob,
            "entropy_rate": self.entropy_rate(),
            "entropy_rate_detail": self.entropy_rate_detail().to_dict(),
            "exact_bounds": {"H(X|S)": exact_low, "H(X2|X1)": exact_up},
            "unigram_entropy": self.unigram_entropy(),
            "optimal_accuracy": self.optimal_accuracy(),
        }
