"""Training loop, evaluation, checkpoints and run directories."""

from .checkpoint import CHECKPOINT_FILE, load_checkpoint, save_checkpoint
from .config import RunConfig, TrainConfig, config_to_dict, load_config_file, merge_config
from .device import pick_device
from .evaluate import evaluate
from .loop import ProgressFn, get_lr, train
from .naming import run_name
from .rundir import SCHEMA_VERSION, read_log, read_metrics

train_run = train

__all__ = [
    "CHECKPOINT_FILE",
    "SCHEMA_VERSION",
    "ProgressFn",
    "RunConfig",
    "TrainConfig",
    "config_to_dict",
    "evaluate",
    "get_lr",
    "load_checkpoint",
    "load_config_file",
    "merge_config",
    "pick_device",
    "read_log",
    "read_metrics",
    "run_name",
    "save_checkpoint",
    "train",
    "train_run",
]
