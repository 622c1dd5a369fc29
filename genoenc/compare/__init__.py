"""Comparison of finished runs: grouping by condition, pairing arms by seed, the table.

The same code serves genomes (bits per base) and text (bits per character)::

    runs, problems = load_runs(["runs/sweep"])
    rows, more = compare_runs(runs, CompareConfig(margin=0.01))
    print(format_table(rows))

``compare_runs(runs, config, metric="accuracy")`` compares another test metric (here
higher is better) through the same pairing and Holm correction. Rows are data
(:class:`ComparisonRow`); :func:`format_table`, :func:`rows_to_json` and
``genoenc.report`` render them. With genome and text runs together,
:func:`cross_domain_rows` asks whether the learned-minus-autoencoder difference is the
same in both domains (:class:`CrossDomainRow`, :func:`format_cross_table`).
"""

from genoenc.compare._cross import (
    CROSS_LEGEND,
    CrossDomainRow,
    WelchTest,
    cross_domain_rows,
    cross_rows_to_json,
    cross_table_cells,
    format_cross_table,
    welch_t_test,
)
from genoenc.compare._format import (
    JSON_KEYS,
    format_interval,
    format_mean_sd,
    format_number,
    format_p,
    format_table,
    rows_to_json,
)
from genoenc.compare._load import SWEEP_FILE, find_run_dirs, load_runs, read_sweep_specs
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
    Problem,
    Reference,
    RunResult,
    lower_is_better,
    metric_for,
    unit_label,
)

__all__ = [
    "CROSS_LEGEND",
    "FULL",
    "JSON_KEYS",
    "LEARNED",
    "SWEEP_FILE",
    "CompareConfig",
    "ComparisonRow",
    "CrossDomainRow",
    "Problem",
    "Reference",
    "RunResult",
    "WelchTest",
    "compare_runs",
    "condition_label",
    "cross_domain_rows",
    "cross_rows_to_json",
    "cross_table_cells",
    "find_run_dirs",
    "format_cross_table",
    "format_interval",
    "format_mean_sd",
    "format_number",
    "format_p",
    "format_table",
    "group_label",
    "load_runs",
    "lower_is_better",
    "metric_for",
    "read_sweep_specs",
    "rows_to_json",
    "strategy_order",
    "unit_label",
    "welch_t_test",
]
