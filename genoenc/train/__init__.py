"""Training loop, evaluation, checkpoints, run directories and sweeps.

Names are imported lazily, so tools that only read run directories
(``genoenc compare``, ``genoenc report``) do not pay for importing torch.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "CHECKPOINT_FILE": "checkpoint",
    "load_checkpoint": "checkpoint",
    "save_checkpoint": "checkpoint",
    "RunConfig": "config",
    "TrainConfig": "config",
    "config_to_dict": "config",
    "load_config_file": "config",
    "merge_config": "config",
    "pick_device": "device",
    "evaluate": "evaluate",
    "ProgressFn": "loop",
    "get_lr": "loop",
    "train": "loop",
    "run_name": "naming",
    "evaluate_run": "scoring",
    "baseline": "scoring",
    "run_sweep": "sweep",
}

__all__ = sorted([*_EXPORTS, "train_run"])


def __getattr__(name: str) -> Any:
    if name == "train_run":
        name = "train"
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'genoenc.train' has no attribute {name!r}")
    return getattr(importlib.import_module(f"genoenc.train.{module}"), name)
