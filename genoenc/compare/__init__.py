"""Comparison of finished runs: grouping by condition, pairing arms by seed, the table.

The same code serves genomes (bits per base) and text (bits per character)::

    runs, problems = load_runs(["runs/sweep"])
    rows, more = compare_runs(runs, CompareConfig(margin=0.01))
    print(format_table(rows))

Rows are data (:class:`ComparisonRow`); :func:`format_table`, :func:`rows_to_json` and
``genoenc.report`` render them.
"""

from genoenc.compare._format import (
    JSON_KEYS,
    format_number,
    format_p,
    format_table,
    rows_to_json,
)
from genoenc.compare._rows import (
    FULL,
    LEARNED,
    CompareConfig,
    ComparisonRow,
    compare_runs,
    condition_label,
    group_label,
    strategy_order,
)
from genoenc.compare._runs import (
    SWEEP_FILE,
    Problem,
    Reference,
    RunResult,
    find_run_dirs,
    load_runs,
    metric_for,
    read_sweep_specs,
    unit_label,
)

__all__ = [
    "FULL",
    "JSON_KEYS",
    "LEARNED",
    "SWEEP_FILE",
    "CompareConfig",
    "ComparisonRow",
    "Problem",
    "Reference",
    "RunResult",
    "compare_runs",
    "condition_label",
    "find_run_dirs",
    "format_number",
    "format_p",
    "format_table",
    "group_label",
    "load_runs",
    "metric_for",
    "read_sweep_specs",
    "rows_to_json",
    "strategy_order",
    "unit_label",
]
