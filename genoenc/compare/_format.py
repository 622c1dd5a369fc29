"""Rendering comparison rows: JSON objects and the terminal table (rows stay data elsewhere)."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from typing import Any

from genoenc.compare._rows import ComparisonRow

__all__ = [
    "JSON_KEYS",
    "format_interval",
    "format_mean_sd",
    "format_number",
    "format_p",
    "format_table",
    "rows_to_json",
]

#: DESIGN's ``compare --json`` keys, in order; the extras of :class:`ComparisonRow` follow.
JSON_KEYS = (
    "condition",
    "arm_a",
    "arm_b",
    "n_pairs",
    "mean_a",
    "mean_b",
    "sd_a",
    "sd_b",
    "diff",
    "diff_ci95",
    "t",
    "p_t",
    "p_wilcoxon",
    "cohens_dz",
    "hedges_g",
    "margin",
    "p_tost",
    "p_holm",
    "verdict",
    "gain_kept_a",
    "gain_kept_b",
)


def _json_value(value: Any) -> Any:
    """A JSON-safe value: nan -> None, ±inf -> ``"inf"``/``"-inf"``, tuples -> lists.

    >>> _json_value((float("nan"), float("-inf"), 1.5))
    [None, '-inf', 1.5]
    """
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return value
    if isinstance(value, tuple | list):
        return [_json_value(item) for item in value]
    return value


def rows_to_json(rows: Sequence[ComparisonRow], *, extras: bool = False) -> list[dict[str, Any]]:
    """One JSON-ready object per row: exactly DESIGN's keys (:data:`JSON_KEYS`), and with
    ``extras`` the other fields of :class:`ComparisonRow` after them (domain, metric,
    unit, ratio, seeds, unpaired seeds, reason).

    Strict JSON has no nan or infinity: nan (a statistic that needs more pairs) becomes
    ``null``; an infinite t or effect size (zero spread with a non-zero difference)
    becomes the string ``"inf"`` or ``"-inf"``.

    Args:
        rows: rows from :func:`genoenc.compare.compare_runs`.
        extras: Add the fields beyond DESIGN's keys.

    Returns:
        A list of dicts, ready for ``json.dumps(..., allow_nan=False)``.
    """
    return [
        {
            key: _json_value(value)
            for key, value in dataclasses.asdict(row).items()
            if extras or key in JSON_KEYS
        }
        for row in rows
    ]


def format_number(value: float, decimals: int = 4, *, signed: bool = False) -> str:
    """Fixed decimals; ``n/a`` for nan, ``inf`` for infinities.

    >>> format_number(1.23456), format_number(-0.1, signed=True), format_number(float("nan"))
    ('1.2346', '-0.1000', 'n/a')
    """
    if math.isnan(value):
        return "n/a"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return f"{value:+.{decimals}f}" if signed else f"{value:.{decimals}f}"


def format_p(p: float) -> str:
    """A p-value with 4 decimals, or ``<0.0001`` below that.

    >>> format_p(0.0312), format_p(1e-9), format_p(float("nan"))
    ('0.0312', '<0.0001', 'n/a')
    """
    if not math.isnan(p) and p < 0.0001:
        return "<0.0001"
    return format_number(p)


def format_mean_sd(mean: float, sd: float, decimals: int = 4, *, joiner: str = " ± ") -> str:
    """``mean ± sd`` with fixed decimals; the mean alone when ``sd`` is nan (one run).

    >>> format_mean_sd(1.5, 0.25), format_mean_sd(1.5, float("nan"), 2)
    ('1.5000 ± 0.2500', '1.50')
    """
    if math.isnan(sd):
        return format_number(mean, decimals)
    return f"{format_number(mean, decimals)}{joiner}{format_number(sd, decimals)}"


def format_interval(
    interval: tuple[float, float], decimals: int = 4, *, signed: bool = False
) -> str:
    """``[low, high]`` with fixed decimals (signed for differences); ``n/a`` when open.

    >>> format_interval((-0.01, 0.02), signed=True), format_interval((0.3, float("nan")))
    ('[-0.0100, +0.0200]', 'n/a')
    """
    low, high = interval
    if math.isnan(low) or math.isnan(high):
        return "n/a"
    return (
        f"[{format_number(low, decimals, signed=signed)}, "
        f"{format_number(high, decimals, signed=signed)}]"
    )


def _align(header: Sequence[str], body: Sequence[Sequence[str]], right: Sequence[bool]) -> str:
    widths = [max(len(line[i]) for line in [header, *body]) for i in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        padded = [
            cell.rjust(width) if is_right else cell.ljust(width)
            for cell, width, is_right in zip(cells, widths, right, strict=True)
        ]
        return "  ".join(padded).rstrip()

    return "\n".join([line(header), line(["-" * w for w in widths]), *map(line, body)])


def format_table(rows: Sequence[ComparisonRow]) -> str:
    """The comparison as a terminal table, one block per unit (bits/base, bits/char).

    Numbers are right-aligned with fixed decimals; headers carry the unit. ``n`` is
    starred where seeds were left unpaired. A legend line follows each block.

    Args:
        rows: rows from :func:`genoenc.compare.compare_runs`.

    Returns:
        The table as one string (no trailing newline); ``"no comparison"`` with no rows.
    """
    if not rows:
        return "no comparison"
    blocks = []
    for unit in dict.fromkeys(row.unit for row in rows):
        block = [row for row in rows if row.unit == unit]
        header = [
            "condition",
            "arm a",
            "arm b",
            "n",
            f"a {unit}",
            f"b {unit}",
            f"diff {unit}",
            "diff 95% CI",
            "p Holm",
            "p TOST",
            "d_z",
            "kept a",
            "kept b",
            "verdict",
        ]
        right = [False, False, False, *[True] * 10, False]
        body = [
            [
                row.condition,
                row.arm_a,
                row.arm_b,
                f"{row.n_pairs:,}" + ("*" if row.unpaired_seeds else ""),
                format_mean_sd(row.mean_a, row.sd_a),
                format_mean_sd(row.mean_b, row.sd_b),
                format_number(row.diff, signed=True),
                format_interval(row.diff_ci95, signed=True),
                format_p(row.p_holm),
                format_p(row.p_tost),
                format_number(row.cohens_dz, 2),
                format_number(row.gain_kept_a, 2),
                format_number(row.gain_kept_b, 2),
                row.verdict,
            ]
            for row in block
        ]
        margins = ", ".join(f"{m:g}" for m in dict.fromkeys(row.margin for row in block))
        legend = (
            f"diff = a - b over paired seeds (lower {unit} is better); verdict of a vs b: "
            f"TOST margin ±{margins} {unit}, Holm over {len(rows)} row"
            f"{'' if len(rows) == 1 else 's'}; "
            "kept = share of full's gain over order-0"
        )
        if any(row.unpaired_seeds for row in block):
            legend += "; * seeds left unpaired (see notes)"
        blocks.append(_align(header, body, right) + "\n" + legend)
    return "\n\n".join(blocks)
