"""Per-base score tracks of a trained run (``genoenc score``): bedGraph or bigWig.

``score_run(run, fasta, out)`` streams every record (or region) through the model with
a sliding window and writes bits per base; ``score_chunks`` yields the raw per-target
bits for library use.
"""

from genoenc.score._score import fit_run_markov, score_run
from genoenc.score._tracks import ScoreConfig, TargetBits, score_chunks, window_plan
from genoenc.score._writers import track_path

__all__ = [
    "ScoreConfig",
    "TargetBits",
    "fit_run_markov",
    "score_chunks",
    "score_run",
    "track_path",
    "window_plan",
]
