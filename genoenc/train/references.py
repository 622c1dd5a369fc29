"""Reference points on the same split: uniform, order-0 and the best order-k Markov model.

References are computed at the base level whatever the tokenizer, so every run of
a comparison is measured against the same numbers: windows of k-mer ids are
expanded to their bases first. Only positions the model also scores as bases
count (the first position of each segment, which the model sees only as input,
does not).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from genoenc.baselines import fit_best_order, order0_bits
from genoenc.tokenize import kmer_bases
from genoenc.tokenize.vocab import DNA_VOCAB_SIZE, N

from .rundir import atomic_write_json, config_hash

__all__ = ["base_segments", "cached", "reference_bits"]


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
    """
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
    return {
        "uniform_bits": math.log2(4),
        "order0_bits": float(order0),
        "markov_order": int(best_k),
        "markov_bits": float(total_bits / n) if n else float("nan"),
        "markov_val_bits": {str(k): float(v) for k, v in per_k.items()},
        "train_bases": int(train_mask.sum()),
        "test_bases": int(test_mask.sum()),
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
