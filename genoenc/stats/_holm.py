"""Holm's step-down adjustment of p-values across a family of tests."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["holm"]


def holm(p_values: ArrayLike) -> np.ndarray:
    """Holm-adjusted p-values (Holm 1979, Scand. J. Stat. 6:65).

    With the ``m`` p-values sorted ascending, ``p_(1) <= ... <= p_(m)``, the adjusted value
    of ``p_(i)`` is ``min(1, max_{j <= i} (m - j + 1) · p_(j))``: monotone in ``p`` and
    capped at 1. Rejecting where the adjusted value is below alpha controls the
    family-wise error rate at alpha. Agrees with statsmodels'
    ``multipletests(p, method="holm")[1]``.

    nan entries (tests that could not run, e.g. fewer than 2 pairs) are passed through as
    nan and are not counted in ``m``.

    Args:
        p_values: p-values in ``[0, 1]`` or nan, any shape; the family is every entry.

    Returns:
        float64 array of the same shape with the adjusted p-values.

    Raises:
        ValueError: a value is outside ``[0, 1]`` (and not nan).

    >>> holm([0.01, 0.04, 0.03, 0.005]).tolist()
    [0.03, 0.06, 0.06, 0.02]
    >>> holm([0.2, float("nan"), 0.01]).tolist()
    [0.2, nan, 0.02]
    """
    p = np.array(p_values, dtype=np.float64)  # a copy: the result is written into it
    flat = p.reshape(-1)
    present = ~np.isnan(flat)
    family = flat[present]
    if np.any((family < 0) | (family > 1)):
        raise ValueError(f"p-values must lie in [0, 1] (got {family[(family < 0) | (family > 1)]})")
    m = family.size
    order = np.argsort(family, kind="stable")
    step_down = family[order] * np.arange(m, 0, -1)  # (m - j + 1) · p_(j)
    adjusted = np.empty(m, dtype=np.float64)
    adjusted[order] = np.minimum(np.maximum.accumulate(step_down), 1.0)
    flat[present] = adjusted
    return flat.reshape(p.shape)
