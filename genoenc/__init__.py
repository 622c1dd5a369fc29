"""genoenc: sequence modelling on genomes and text.

Compares token encodings learned jointly with next-token training against
autoencoder-compressed encodings at the same compression ratio, reporting bits
per base beside classical references.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
