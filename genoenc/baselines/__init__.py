"""Reference models: order-0 and order-k Markov models (numpy counting) and general compressors.

Every reference is computed on the same split as the models it is compared with.
"""

from genoenc.baselines.compressors import (
    COMPRESSORS,
    CompressorReference,
    available_compressors,
    bases_from_tokens,
    compressor_references,
)
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
    "COMPRESSORS",
    "DNA_CONTEXT_BREAKS",
    "SMOOTHINGS",
    "CompressorReference",
    "MarkovModel",
    "MarkovSelection",
    "Segments",
    "available_compressors",
    "bases_from_tokens",
    "compressor_references",
    "fit_best_order",
    "kneser_ney_discounts",
    "order0_bits",
]
