"""Reference points on the same split: uniform, order-0 and the best order-k Markov model.

DNA references are computed at the base level whatever the k-mer tokenizer, so every
run of a comparison is measured against the same numbers: windows of k-mer ids are
expanded to their bases first. Only positions the model also scores as bases count
(the first position of each segment, which the model sees only as input, does not).
Text and ``ids`` references model the run's own tokens and are reported per unit
(character, symbol) with the trainer's formula (:func:`token_reference_bits`).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from genoenc.baselines import fit_best_order, order0_bits
from genoenc.rundir import atomic_write_json, config_hash
from genoenc.tokenize import kmer_bases
from genoenc.tokenize.vocab import DNA_VOCAB_SIZE, N

__all__ = [
    "LEARNED_NOTHING_GAP",
    "base_segments",
    "cached",
    "gap_closed",
    "kmer_order0_bits",
    "learned_nothing",
    "max_markov_order",
    "no_context_bits",
    "reference_bits",
    "token_reference_bits",
    "token_segments",
]


def base_segments(tokenizer: Any, windows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Turn store-id windows into base-level segments and a mask of scored bases.

    Args:
        tokenizer: The run's tokenizer (``history``, ``config.k``, ``config.stride``).
        windows: (n, history + T + 1) store ids.

    Returns:
        ``segments`` (n, L) of single-base ids (0..7) and ``scored`` (n, L) bool:
        ACGT positions that are targets (not the first token, which has no context).
    """
    part = np.asarray(windows)[:, tokenizer.history :]  # (n, T + 1)
    k = tokenizer.config.k
    stride = tokenizer.config.stride
    if k > 1 and stride == k:
        # (n, T + 1) k-mer ids -> (n, (T + 1) * k) base ids; specials repeat k times.
        n_kmers = 4**k
        special = part > n_kmers  # START/END/PAD: their single-base ids, repeated
        bases = kmer_bases(np.where(special, n_kmers, part), k)  # (n, T + 1, k)
        bases[special] = (part[special].astype(np.int64) - n_kmers + N)[:, None]
        part = bases.reshape(len(part), -1)
        first = k
    else:
        first = 1
    segments = part.astype(np.int64)
    scored = segments < 4
    scored[:, :first] = False
    return segments, scored


def reference_bits(
    tokenizer: Any,
    train: np.ndarray,
    val: np.ndarray,
    test: np.ndarray,
    max_k: int,
) -> dict[str, Any]:
    """Uniform, order-0 and best-Markov bits per base on ``test``, fitted on ``train``.

    The Markov order is chosen on ``val`` (on ``train`` when there is no validation window).
    Tokenizers that do not count bases (text, ``ids``) get :func:`token_reference_bits`.
    """
    if tokenizer.unit_name != "base":
        return token_reference_bits(tokenizer, train, val, test, max_k)
    train_seg, train_mask = base_segments(tokenizer, train)
    test_seg, test_mask = base_segments(tokenizer, test)
    if len(val):
        val_seg, val_mask = base_segments(tokenizer, val)
    else:
        val_seg, val_mask = train_seg, train_mask
    order0 = order0_bits(
        train_seg, test_seg, vocab_size=DNA_VOCAB_SIZE, train_mask=train_mask, test_mask=test_mask
    )
    best_k, model, per_k = fit_best_order(
        train_seg,
        val_seg,
        max_k,
        vocab_size=DNA_VOCAB_SIZE,
        train_mask=train_mask,
        val_mask=val_mask,
    )
    total_bits, n = model.bits(test_seg, test_mask)
    result = {
        "uniform_bits": math.log2(4),
        "order0_bits": float(order0),
        "markov_order": int(best_k),
        "markov_bits": float(total_bits / n) if n else float("nan"),
        "markov_val_bits": {str(k): float(v) for k, v in per_k.items()},
        "train_bases": int(train_mask.sum()),
        "test_bases": int(test_mask.sum()),
    }
    if tokenizer.config.k > 1 and tokenizer.config.stride == tokenizer.config.k:
        result["order0_token_bits"] = kmer_order0_bits(tokenizer, train, test)
    return result


#: A run that closes less than this share of the gap between the no-context reference
#: and the best Markov model is flagged ``learned_nothing``.
LEARNED_NOTHING_GAP = 0.10
#: Below this gap (bits per unit) the source has no context to learn: ``gap_closed`` is
#: undefined and the flag falls back to "within 1% of the no-context reference".
_MIN_GAP = 1e-3


def no_context_bits(reference: Mapping[str, Any]) -> float:
    """The best a model can do with no context: order-0, or for non-overlapping k-mers the
    k-mer unigram (``order0_token_bits``) when it is lower (a k-mer's frequency already
    holds the dependencies between its own bases)."""
    return float(min(reference["order0_bits"], reference.get("order0_token_bits", math.inf)))


def gap_closed(test_bits: float, reference: Mapping[str, Any]) -> float | None:
    """Share of the gap from the no-context reference to the best Markov model a run closed.

    0 is a run at the no-context reference, 1 a run as good as the best count table, above
    1 a run that beats it. ``None`` when the references have no Markov figure or no gap.

    >>> round(gap_closed(1.95, {"order0_bits": 2.0, "markov_bits": 1.9}), 6)
    0.5
    >>> gap_closed(1.95, {"order0_bits": 2.0}) is None
    True
    """
    markov = reference.get("markov_bits")
    if markov is None or not math.isfinite(markov) or not math.isfinite(test_bits):
        return None
    floor = no_context_bits(reference)
    if floor - markov < _MIN_GAP:
        return None
    return float((floor - test_bits) / (floor - markov))


def learned_nothing(test_bits: float, reference: Mapping[str, Any]) -> bool:
    """Whether a run closed less than :data:`LEARNED_NOTHING_GAP` of the gap to the best
    Markov model (:func:`gap_closed`); where that gap is undefined, whether its test bits
    are within 1% of the no-context reference.

    >>> learned_nothing(1.995, {"order0_bits": 2.0, "markov_bits": 1.935})
    True
    >>> learned_nothing(1.98, {"order0_bits": 2.0, "markov_bits": 1.935})
    False
    >>> learned_nothing(1.9629, {"order0_bits": 2.0, "order0_token_bits": 1.9623,
    ...                          "markov_bits": 1.93})
    True
    >>> learned_nothing(1.98, {"order0_bits": 2.0})
    True
    """
    share = gap_closed(test_bits, reference)
    if share is None:
        return bool(test_bits >= 0.99 * no_context_bits(reference))
    return share < LEARNED_NOTHING_GAP


def kmer_order0_bits(tokenizer: Any, train: np.ndarray, test: np.ndarray) -> float:
    """Bits per base of the k-mer unigram: each target k-mer by its train frequency.

    A model that predicts whole k-mers can reach this with no context at all (its output
    bias), and it lies below the base-level order-0 because a k-mer's frequency holds
    the dependencies between its own bases; ``learned_nothing`` compares with it.
    """
    train_seg, train_mask = token_segments(tokenizer, train)
    test_seg, test_mask = token_segments(tokenizer, test)
    bits = order0_bits(
        train_seg,
        test_seg,
        vocab_size=tokenizer.store_vocab_size,
        train_mask=train_mask,
        test_mask=test_mask,
    )
    bases = float(tokenizer.units(test_seg)[test_mask].sum())
    return float(bits * test_mask.sum() / bases) if bases else float("nan")


def token_segments(tokenizer: Any, windows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Windows as token segments and the mask of their counted targets.

    Args:
        tokenizer: The run's tokenizer (``history`` 0; ``counted``).
        windows: (n, T + 1) store ids.

    Returns:
        ``segments`` (n, T + 1) int64 and ``mask`` (n, T + 1) bool: the positions the
        model predicts (all but the first) whose bits count towards bits per unit.
    """
    segments = np.asarray(windows, dtype=np.int64)
    mask = tokenizer.counted(segments)
    mask[:, :1] = False
    return segments, mask


def max_markov_order(vocab_size: int, max_k: int) -> int:
    """The highest order whose (context, next) keys fit: ``vocab_size**(k + 1) < 2**62``.

    >>> max_markov_order(4100, 12), max_markov_order(68, 12), max_markov_order(8, 12)
    (4, 9, 12)
    """
    order = 0
    while order < max_k and vocab_size ** (order + 2) < 2**62:
        order += 1
    return order


def token_reference_bits(
    tokenizer: Any,
    train: np.ndarray,
    val: np.ndarray,
    test: np.ndarray,
    max_k: int,
) -> dict[str, Any]:
    """Uniform, order-0 and best-Markov bits per unit over the run's own tokens.

    Text (bits per character) and ``ids`` (bits per symbol): the references model the
    same token ids as the model, with the same formula: total bits over the counted test
    targets divided by the units they cover (``tokenizer.units``). The uniform reference
    spreads each counted target over every id that can be one (text: the vocabulary and
    END; ``ids``: the symbols). Markov
    contexts run across every id (``context_breaks=()``) up to the highest order whose
    keys fit in 64 bits (and at most ``max_k``); the order is chosen on ``val``.
    """
    vocab = tokenizer.store_vocab_size
    train_seg, train_mask = token_segments(tokenizer, train)
    test_seg, test_mask = token_segments(tokenizer, test)
    if len(val):
        val_seg, val_mask = token_segments(tokenizer, val)
    else:
        val_seg, val_mask = train_seg, train_mask
    n_test = int(test_mask.sum())
    test_units = float(tokenizer.units(test_seg)[test_mask].sum())
    val_units = float(tokenizer.units(val_seg)[val_mask].sum())

    def per_unit(total_bits: float, units: float) -> float:
        return total_bits / units if units else float("nan")

    order0 = order0_bits(
        train_seg, test_seg, vocab_size=vocab, train_mask=train_mask, test_mask=test_mask
    )
    top = max_markov_order(vocab, max_k)
    best_k, model, per_k = fit_best_order(
        train_seg,
        val_seg,
        top,
        vocab_size=vocab,
        train_mask=train_mask,
        val_mask=val_mask,
        context_breaks=(),
    )
    total_bits, _ = model.bits(test_seg, test_mask)
    n_val = int(val_mask.sum())
    # Ids a counted target can be: text tokens and END; the symbols of ``ids``.
    outcomes = int(tokenizer.counted(np.arange(tokenizer.target_vocab_size)).sum())
    unit = tokenizer.unit_name
    return {
        "uniform_bits": per_unit(math.log2(outcomes) * n_test, test_units),
        "order0_bits": per_unit(order0 * n_test, test_units),
        "markov_order": int(best_k),
        "markov_bits": per_unit(total_bits, test_units),
        "markov_val_bits": {str(k): per_unit(v * n_val, val_units) for k, v in per_k.items()},
        "markov_max_order": top,
        "unit": unit,
        "train_targets": int(train_mask.sum()),
        "test_targets": n_test,
        f"test_{unit}s": test_units,
    }


def cached(
    cache_dir: Path | None, key: Mapping[str, Any], compute: Callable[[], dict[str, Any]]
) -> dict[str, Any]:
    """Return ``compute()``, memoised as JSON under ``cache_dir`` by a hash of ``key``.

    References depend on the data, split, windows and caps, not on the arm or seed, so
    the runs of a sweep share them (the sweep passes its own cache folder). The key must
    name everything the result depends on, input files' sizes and mtimes included.
    """
    if cache_dir is None:
        return compute()
    path = Path(cache_dir) / f"{config_hash(key)}.json"
    if path.exists():
        try:
            value = json.loads(path.read_text())
            if isinstance(value, dict):
                return value
        except (OSError, json.JSONDecodeError):
            pass  # a torn cache entry is recomputed
    value = compute()
    atomic_write_json(path, value)
    return value
