"""One run and its stages, scoring without training, and sweeps.

A run (:func:`train`) is set-up (:mod:`~genoenc.train.setup`), the loop
(:mod:`~genoenc.train.loop`), evaluation (:mod:`~genoenc.train.evaluate`) and the metrics
record (:mod:`~genoenc.train.record`); :mod:`~genoenc.train.config` holds the run config,
:mod:`~genoenc.train.scoring` ``genoenc eval`` and ``genoenc baseline``,
:mod:`~genoenc.train.sweep` grids of runs. Tools that only read run directories
(``compare``, ``report``) use :mod:`genoenc.rundir` and never import this package.
"""

from .checkpoint import CHECKPOINT_FILE, load_checkpoint, save_checkpoint
from .config import RunConfig, TrainConfig, config_to_dict, load_config_file, merge_config
from .device import pick_device
from .evaluate import evaluate
from .loop import ProgressFn, get_lr, train
from .naming import run_name
from .scoring import baseline, evaluate_run
from .sweep import run_sweep

__all__ = [
    "CHECKPOINT_FILE",
    "ProgressFn",
    "RunConfig",
    "TrainConfig",
    "baseline",
    "config_to_dict",
    "evaluate",
    "evaluate_run",
    "get_lr",
    "load_checkpoint",
    "load_config_file",
    "merge_config",
    "pick_device",
    "run_name",
    "run_sweep",
    "save_checkpoint",
    "train",
]
