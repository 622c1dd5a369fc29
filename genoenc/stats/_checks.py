"""Input checks and the one division rule shared by every statistic in this package."""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
from numpy.typing import ArrayLike

#: Reason attached to any result that needs at least two pairs and got fewer.
FEWER_THAN_TWO = "fewer than 2 pairs"


def as_sample(x: ArrayLike, name: str = "x") -> np.ndarray:
    """Return ``x`` as a 1-D float64 array of finite values.

    Args:
        x: the sample; anything ``np.asarray`` accepts.
        name: how error messages call the argument.

    Returns:
        A float64 array of shape ``(n,)``, ``n >= 1``.

    Raises:
        ValueError: ``x`` is not 1-D, is empty, or holds nan or inf.
    """
    array = np.asarray(x, dtype=np.float64)
    if array.ndim != 1:
        raise ValueError(f"{name} must be 1-D (got shape {array.shape})")
    if array.size == 0:
        raise ValueError(f"{name} is empty")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} holds nan or inf; drop those runs before comparing")
    return array


def as_pairs(a: ArrayLike, b: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Return ``a`` and ``b`` as paired 1-D float64 arrays (same length, finite, non-empty).

    Raises:
        ValueError: either fails :func:`as_sample`, or their lengths differ.
    """
    first = as_sample(a, "a")
    second = as_sample(b, "b")
    if first.size != second.size:
        raise ValueError(f"a and b must pair up: {first.size} values vs {second.size}")
    return first, second


def sample_sd(x: np.ndarray) -> float:
    """Sample standard deviation (ddof=1); exactly 0 when all values are equal, nan for n = 1.

    The exact 0 matters: ``np.std`` of ``[0.1, 0.1, 0.1]`` is about 1e-17 (the mean rounds
    away from 0.1), which would turn a constant difference into a huge but finite t.

    >>> sample_sd(np.array([0.1, 0.1, 0.1]))
    0.0
    >>> sample_sd(np.array([1.0, 3.0]))
    1.4142135623730951
    """
    if x.size < 2:
        return math.nan
    if np.all(x == x[0]):
        return 0.0
    return float(np.std(x, ddof=1))


def ratio(numerator: float, denominator: float) -> float:
    """``numerator / denominator`` with the zero-spread rule used throughout ``genoenc.stats``.

    A zero denominator here always means zero spread (a standard error or deviation of 0).
    Then a non-zero numerator gives ``±inf`` (the effect is infinitely many spreads away,
    the limit of vanishing noise) and a zero numerator gives ``0`` (no effect at all, so
    the statistic sits at its null value instead of the undefined 0/0). nan stays nan.

    >>> ratio(1.0, 0.0), ratio(-2.0, 0.0), ratio(0.0, 0.0), ratio(3.0, 2.0)
    (inf, -inf, 0.0, 1.5)
    """
    if math.isnan(numerator) or math.isnan(denominator):
        return math.nan
    if denominator == 0.0:
        return math.copysign(math.inf, numerator) if numerator != 0.0 else 0.0
    return numerator / denominator


@contextmanager
def scipy_quietly() -> Iterator[None]:
    """Run scipy with its RuntimeWarnings silenced.

    scipy warns of precision loss when the values are nearly identical; it still returns
    its result, and exactly identical values never reach it (the zero-spread rule answers
    first). The statistics here return numbers and never warn.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        yield
