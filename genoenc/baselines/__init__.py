"""Reference models: order-0 and order-k Markov models (numpy counting) and general compressors.

Every reference is computed on the same split as the models it is compared with.
"""

from genoenc.baselines.markov import (
    DNA_CONTEXT_BREAKS,
    SMOOTHINGS,
    MarkovModel,
    MarkovSelection,
    Segments,
    fit_best_order,
    kneser_ney_discounts,
    order0_bits,
)

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
