"""Statistics for paired comparisons of runs: pure functions over numpy arrays, no torch, no I/O.

Every function takes 1-D arrays (one value per run; paired arrays share an order, pair ``i``
being one seed) and returns a small frozen dataclass or a float. ``d = a - b`` throughout,
so a negative difference means arm ``a`` has fewer bits per base. The tests are thin
functions over ``scipy.stats``; what they add is the zero-spread rule (all differences
equal) and the fewer-than-two-pairs rule, documented on :func:`paired_t_test` and held by
every test here, plus Holm's adjustment, which scipy lacks.
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
from genoenc.stats._welch import WelchTest, welch_t_test
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
    "WelchTest",
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
    "welch_t_test",
    "wilcoxon_signed_rank",
]
