"""Order-0 and order-k Markov models over integer tokens, counted with numpy.

Contexts are never tabulated densely (``4**12`` rows would not fit): the context of
order ``j`` at position ``t`` is the base-``V`` number of ``x[t-1], ..., x[t-j]`` (most
recent token most significant) in one int64, a (context, next) pair is
``context * V + next``, and counting is a sort plus a run-length pass. Test pairs are
found with ``np.searchsorted`` on the sorted tables (queries sorted first, which keeps
the binary searches cache-friendly).

Smoothing interpolates every order down to order 0 and the uniform distribution over
the vocabulary, so no probability is ever zero:

``p_j(x | c) = (num_j(c, x) + mass_j(c) * p_{j-1}(x | c')) / denom_j(c)``

where ``c'`` drops the oldest token of ``c`` and ``p_{-1} = 1 / V``. A context of order
``j`` never seen in training (or not available, see below) gives ``p_j = p_{j-1}``.

* ``"kneser-ney"`` (default): interpolated modified Kneser-Ney (Chen & Goodman 1998) with
  three discounts ``D1, D2, D3+`` per order estimated from counts of counts. The highest
  order uses raw counts; lower orders use continuation counts (the number of distinct
  tokens seen before the n-gram). An occurrence whose context could not be extended
  (segment start, break token) adds its raw count instead, as KenLM does for n-grams
  that begin with ``<s>``.
* ``"witten-bell"``: interpolated Witten-Bell; ``mass`` is the number of distinct
  tokens seen after the context.

Segments and masks: contexts never span a segment boundary. A position counts in
``fit`` and is scored in ``bits`` only where its mask is True; unscored positions still
serve as context. A *break* token (by default the DNA vocabulary's ``N`` and ``PAD``;
in evaluation also any id outside the fitted vocabulary) never appears in a context: a
context that would contain one is treated as unseen at that order and all higher
orders, so the model backs off to the longest context after it.

Memory is about 40 bytes per distinct (context, next) pair over all orders: 10^7 DNA
tokens at k = 12 fit in about 10 s (one core) and 2 GB.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Collection, Iterable
from typing import Final, NamedTuple

import numpy as np

from genoenc.baselines._counting import (
    OrderTable,
    Radix,
    Terms,
    count_tables,
    kneser_ney_discounts,
    lookup,
)
from genoenc.baselines._segments import FlatSegments, Segments, context_length, flatten_segments
from genoenc.errors import ConfigError
from genoenc.tokenize.vocab import PAD, N

__all__ = [
    "DNA_CONTEXT_BREAKS",
    "SMOOTHINGS",
    "MarkovModel",
    "MarkovSelection",
    "Segments",
    "fit_best_order",
    "kneser_ney_discounts",
    "order0_bits",
]

log = logging.getLogger(__name__)

#: Token ids that end a context in the DNA vocabulary: ``N`` and ``PAD``.
DNA_CONTEXT_BREAKS: Final[tuple[int, ...]] = (N, PAD)
#: The smoothing methods :meth:`MarkovModel.fit` accepts.
SMOOTHINGS: Final[tuple[str, ...]] = ("kneser-ney", "witten-bell")
MAX_VOCAB_SIZE: Final = 1 << 16
# Pair keys are context * V + next, with V**(k+1) distinct values: keep them well inside int64.
_MAX_KEY: Final = 1 << 62


def _check_order(k: int, vocab_size: int, smoothing: str) -> None:
    if not 1 <= vocab_size <= MAX_VOCAB_SIZE:
        raise ConfigError(f"markov.vocab_size must be in 1..{MAX_VOCAB_SIZE} (got {vocab_size})")
    if k < 0:
        raise ConfigError(f"markov.k must be >= 0 (got {k})")
    if vocab_size ** (k + 1) >= _MAX_KEY:
        limit = int(math.log(_MAX_KEY) / math.log(max(vocab_size, 2))) - 1
        raise ConfigError(
            f"markov.k must be at most {limit} for vocab_size {vocab_size} (got {k}): "
            "contexts are packed into 64-bit integers"
        )
    if smoothing not in SMOOTHINGS:
        raise ConfigError(
            f"markov.smoothing must be one of {', '.join(SMOOTHINGS)} ({smoothing!r})"
        )


def _break_table(vocab_size: int, context_breaks: Iterable[int]) -> np.ndarray:
    table = np.zeros(vocab_size, dtype=bool)
    for token in context_breaks:
        if 0 <= token < vocab_size:
            table[token] = True
    return table


def _flat_breaks(flat: FlatSegments, break_table: np.ndarray) -> np.ndarray:
    """Break flags per position: listed break ids and every id outside the vocabulary."""
    vocab_size = break_table.size
    outside = flat.tokens >= vocab_size
    return outside | break_table[np.minimum(flat.tokens, vocab_size - 1)]


class MarkovModel:
    """A fitted order-k Markov model with interpolated smoothing (see the module notes).

    Build one with :meth:`fit`. A model fitted at order ``K`` can score at any order
    ``k <= K`` (``bits(..., order=k)``) exactly as a model fitted at ``k`` would.

    Attributes:
        vocab_size: Number of token ids ``V``; the uniform floor is ``1 / V``.
        max_order: The order it was fitted at.
        order: The order :meth:`bits` uses by default.
        smoothing: ``"kneser-ney"`` or ``"witten-bell"``.
        context_breaks: Token ids that never appear in a context.
        n_train_targets: Number of scored targets counted in training.
    """

    def __init__(
        self,
        *,
        tables: list[OrderTable],
        vocab_size: int,
        order: int,
        smoothing: str,
        context_breaks: tuple[int, ...],
        n_train_targets: int,
    ) -> None:
        self._tables = tables
        self.vocab_size = vocab_size
        self.max_order = len(tables) - 1
        self.order = order
        self.smoothing = smoothing
        self.context_breaks = context_breaks
        self.n_train_targets = n_train_targets
        self._break_table = _break_table(vocab_size, context_breaks)

    @classmethod
    def fit(
        cls,
        segments: Segments,
        k: int,
        vocab_size: int | None = None,
        scored_mask: Segments | None = None,
        *,
        smoothing: str = "kneser-ney",
        context_breaks: Collection[int] = DNA_CONTEXT_BREAKS,
    ) -> MarkovModel:
        """Count (context, next) pairs of orders ``0..k`` and build the smoothed model.

        Args:
            segments: Training segments (list of 1-D int arrays, or 2-D rows).
            k: Highest order (context length in tokens).
            vocab_size: Number of token ids; ``None`` takes the largest id seen + 1.
            scored_mask: Targets to count (same shapes as ``segments``); ``None``: all.
            smoothing: ``"kneser-ney"`` (default) or ``"witten-bell"``.
            context_breaks: Ids that end a context (default: DNA ``N`` and ``PAD``;
                pass ``()`` for other vocabularies).

        Returns:
            The fitted model, scoring at order ``k`` by default.

        Raises:
            ConfigError: If ``k``, ``vocab_size`` or ``smoothing`` is invalid.
            ValueError: If segments are malformed, hold ids ``>= vocab_size``, or no
                target is scored.
        """
        flat = flatten_segments(segments, scored_mask)
        largest = int(flat.tokens.max()) if flat.tokens.size else -1
        if vocab_size is None:
            vocab_size = largest + 1
        _check_order(k, vocab_size, smoothing)
        if largest >= vocab_size:
            raise ValueError(f"token id {largest} >= vocab_size {vocab_size}")
        breaks = tuple(sorted(set(context_breaks)))
        positions = np.flatnonzero(flat.scored)  # (m,) targets that are counted
        if positions.size == 0:
            raise ValueError("no scored targets to fit a Markov model on")
        ctx_len = context_length(
            flat.starts, _flat_breaks(flat, _break_table(vocab_size, breaks)), k
        )
        tables = count_tables(flat.tokens, positions, ctx_len[positions], k, vocab_size, smoothing)
        return cls(
            tables=tables,
            vocab_size=vocab_size,
            order=k,
            smoothing=smoothing,
            context_breaks=breaks,
            n_train_targets=int(positions.size),
        )

    def with_order(self, order: int) -> MarkovModel:
        """The same fitted tables, scoring at ``order`` (``0..max_order``) by default."""
        self._check_eval_order(order)
        return MarkovModel(
            tables=self._tables,
            vocab_size=self.vocab_size,
            order=order,
            smoothing=self.smoothing,
            context_breaks=self.context_breaks,
            n_train_targets=self.n_train_targets,
        )

    def bits(
        self, segments: Segments, scored_mask: Segments | None = None, *, order: int | None = None
    ) -> tuple[float, int]:
        """Total bits of the scored targets of ``segments`` and their number.

        Args:
            segments: Segments to score (list of 1-D int arrays, or 2-D rows).
            scored_mask: Targets to score; ``None`` scores every position.
            order: Order to score at (default :attr:`order`).

        Returns:
            ``(total_bits, n_targets)``; ``(0.0, 0)`` when nothing is scored.

        Raises:
            ValueError: If a scored target lies outside the vocabulary.
        """
        order = self.order if order is None else order
        self._check_eval_order(order)
        totals, n_targets = self._score(segments, scored_mask, order, {order})
        return float(totals[order]), n_targets

    def bits_by_order(
        self, segments: Segments, scored_mask: Segments | None = None
    ) -> tuple[np.ndarray, int]:
        """Total bits at every order ``0..max_order`` in one pass, and the target count.

        Returns:
            ``(totals, n_targets)`` with ``totals`` (max_order + 1,) float64.
        """
        wanted = set(range(self.max_order + 1))
        return self._score(segments, scored_mask, self.max_order, wanted)

    def target_bits(
        self, segments: Segments, scored_mask: Segments | None = None, *, order: int | None = None
    ) -> np.ndarray:
        """Bits of each scored target, in order (the terms :meth:`bits` sums).

        Args:
            segments: Segments to score (list of 1-D int arrays, or 2-D rows).
            scored_mask: Targets to score; ``None`` scores every position.
            order: Order to score at (default :attr:`order`).

        Returns:
            float64 ``(n_targets,)``: the scored positions of the segments laid end to end.
        """
        order = self.order if order is None else order
        self._check_eval_order(order)
        per_target: list[np.ndarray] = []
        self._score(segments, scored_mask, order, {order}, per_target)
        return per_target[0] if per_target else np.zeros(0)

    def _check_eval_order(self, order: int) -> None:
        if not 0 <= order <= self.max_order:
            raise ConfigError(f"markov.order must be in 0..{self.max_order} (got {order})")

    def _score(
        self,
        segments: Segments,
        scored_mask: Segments | None,
        up_to: int,
        wanted: set[int],
        per_target: list[np.ndarray] | None = None,
    ) -> tuple[np.ndarray, int]:
        vocab = self.vocab_size
        flat = flatten_segments(segments, scored_mask)
        positions = np.flatnonzero(flat.scored)
        totals = np.zeros(up_to + 1)
        if positions.size == 0:
            return totals, 0
        targets = flat.tokens[positions]
        if targets.max() >= vocab:
            raise ValueError(f"scored token id {targets.max()} >= vocab_size {vocab}")
        breaks = _flat_breaks(flat, self._break_table)
        ctx_len = context_length(flat.starts, breaks, up_to)[positions]
        # Ids outside the vocabulary are breaks, never read as digits; small dtype for gathers.
        digits = np.minimum(flat.tokens, vocab - 1).astype(np.uint8 if vocab <= 256 else np.uint16)
        radix = Radix(vocab)
        prob = np.full(positions.size, 1.0 / vocab)  # p_{j-1} of every target, lower terms
        alive = np.arange(positions.size)  # targets whose context reaches order j
        codes = np.zeros(positions.size, dtype=np.int64)
        for j in range(up_to + 1):
            table = self._tables[j]
            if j:
                keep = ctx_len[alive] >= j
                if not keep.all():
                    alive, codes = alive[keep], codes[keep]
                codes = radix.push(codes, np.take(digits, positions[alive] - j))
            queries = radix.push(codes, targets[alive])
            ranked = np.argsort(queries)
            queries, here = queries[ranked], alive[ranked]
            ctx_index, ctx_found = lookup(table.ctx_keys, radix.pop(queries))
            here, queries, ctx_index = here[ctx_found], queries[ctx_found], ctx_index[ctx_found]
            pair_index, pair_found = lookup(table.pair_keys, queries)
            hits = (np.where(pair_found, pair_index, -1), ctx_index, prob[here])
            if j in wanted:
                top = prob.copy()
                top[here] = _interpolate(table.top, *hits)
                totals[j] = -np.log2(top).sum()
                if per_target is not None and j == up_to:
                    per_target.append(-np.log2(top))
            if j < up_to:
                prob[here] = _interpolate(table.lower, *hits)
        return totals, int(positions.size)


def _interpolate(
    terms: Terms, pair_index: np.ndarray, ctx_index: np.ndarray, lower: np.ndarray
) -> np.ndarray:
    """``p_j`` from ``p_{j-1}`` (``lower``) for targets whose context was seen.

    ``pair_index`` is -1 where the (context, next) pair was never seen.
    """
    num = np.where(pair_index >= 0, terms.num[pair_index], 0.0)
    return (num + terms.mass[ctx_index] * lower) / terms.denom[ctx_index]


class MarkovSelection(NamedTuple):
    """Result of :func:`fit_best_order`.

    Attributes:
        best_k: The order with the fewest validation bits per target (smallest on ties).
        model: The model fitted at ``max_k``, scoring at ``best_k`` by default.
        val_bits: Validation bits per target for each order ``0..max_k``.
    """

    best_k: int
    model: MarkovModel
    val_bits: dict[int, float]


def fit_best_order(
    train: Segments,
    val: Segments,
    max_k: int,
    *,
    vocab_size: int | None = None,
    train_mask: Segments | None = None,
    val_mask: Segments | None = None,
    smoothing: str = "kneser-ney",
    context_breaks: Collection[int] = DNA_CONTEXT_BREAKS,
) -> MarkovSelection:
    """Fit orders ``0..max_k`` on ``train`` and pick the order on ``val``.

    One fit at ``max_k`` serves every order (see :class:`MarkovModel`), and the
    validation set is scored at all orders in one pass.

    Args:
        train: Training segments.
        val: Validation segments.
        max_k: Highest order tried.
        vocab_size: Number of token ids; ``None`` takes the largest training id + 1.
        train_mask: Scored training targets; ``None``: all.
        val_mask: Scored validation targets; ``None``: all.
        smoothing: See :meth:`MarkovModel.fit`.
        context_breaks: See :meth:`MarkovModel.fit`.

    Returns:
        ``(best_k, model, val_bits)``; with no validation target, ``best_k`` is 0 and
        ``val_bits`` holds NaN.
    """
    model = MarkovModel.fit(
        train, max_k, vocab_size, train_mask, smoothing=smoothing, context_breaks=context_breaks
    )
    totals, n_val = model.bits_by_order(val, val_mask)
    if n_val == 0:
        log.warning("no scored validation targets: Markov order 0 chosen")
        return MarkovSelection(0, model.with_order(0), {k: math.nan for k in range(max_k + 1)})
    per_target = totals / n_val
    best_k = int(np.argmin(per_target))
    log.info("Markov order %d chosen on validation (%.4f bits/target)", best_k, per_target[best_k])
    val_bits = {k: float(bits) for k, bits in enumerate(per_target)}
    return MarkovSelection(best_k, model.with_order(best_k), val_bits)


def order0_bits(
    train: Segments,
    test: Segments,
    *,
    vocab_size: int | None = None,
    train_mask: Segments | None = None,
    test_mask: Segments | None = None,
) -> float:
    """Bits per scored test target under the unigram of the train split, add-1/2 smoothed.

    ``p(x) = (count(x) + 1/2) / (n + V / 2)`` over the scored training targets (the
    Krichevsky-Trofimov estimate).

    Args:
        train: Training segments.
        test: Test segments.
        vocab_size: Number of token ids; ``None`` takes the largest id in either + 1.
        train_mask: Scored training targets; ``None``: all.
        test_mask: Scored test targets; ``None``: all.

    Returns:
        Mean bits per scored test target (NaN when none is scored).

    >>> round(order0_bits([np.array([0, 1, 0, 1])], [np.array([0, 1])], vocab_size=2), 6)
    1.0
    """
    fit = flatten_segments(train, train_mask)
    score = flatten_segments(test, test_mask)
    train_targets = fit.tokens[fit.scored]
    test_targets = score.tokens[score.scored]
    if vocab_size is None:
        vocab_size = int(max(fit.tokens.max(initial=-1), score.tokens.max(initial=-1))) + 1
    if test_targets.size == 0:
        return math.nan
    if test_targets.max() >= vocab_size or train_targets.max(initial=-1) >= vocab_size:
        raise ValueError(f"token ids must be below vocab_size {vocab_size}")
    counts = np.bincount(train_targets, minlength=vocab_size)
    log2_prob = np.log2(counts + 0.5) - math.log2(train_targets.size + vocab_size / 2)
    return float(-log2_prob[test_targets].mean())
