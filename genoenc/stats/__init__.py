"""Statistics for paired comparisons of runs: pure functions over numpy arrays, no torch, no I/O.

Every function takes 1-D arrays (one value per run; paired arrays share an order, pair ``i``
being one seed) and returns a small frozen dataclass or a float. ``d = a - b`` throughout,
so a negative difference means arm ``a`` has fewer bits per base. The zero-spread rule
(all differences equal) and the fewer-than-two-pairs rule are documented on
:func:`paired_t_test` and hold for every test here.
"""

from genoenc.stats._compare import PairedComparison, apply_holm, compare_paired
from genoenc.stats._effect import cohens_dz, hedges_correction, hedges_g
from genoenc.stats._holm import holm
from genoenc.stats._summary import (
    Interval,
    PairedDifference,
    Summary,
    describe,
    paired_difference,
)
from genoenc.stats._ttest import EquivalenceTest, PairedTest, paired_t_test, tost_paired
from genoenc.stats._verdict import Verdict, VerdictLabel, gain_kept, verdict
from genoenc.stats._wilcoxon import WilcoxonMethod, WilcoxonTest, wilcoxon_signed_rank

__all__ = [
    "EquivalenceTest",
    "Interval",
    "PairedComparison",
    "PairedDifference",
    "PairedTest",
    "Summary",
    "Verdict",
    "VerdictLabel",
    "WilcoxonMethod",
    "WilcoxonTest",
    "apply_holm",
    "cohens_dz",
    "compare_paired",
    "describe",
    "gain_kept",
    "hedges_correction",
    "hedges_g",
    "holm",
    "paired_difference",
    "paired_t_test",
    "tost_paired",
    "verdict",
    "wilcoxon_signed_rank",
]
