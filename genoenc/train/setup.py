"""Setting up a run: the run directory, the inputs with their eval samples, the source table.

Nothing here trains. :func:`check_run_dir` decides whether ``out`` may be (re)used,
:func:`open_inputs` reads the inputs far enough to know they suffice (the fixed eval
samples), :func:`write_run_config` makes the directory a run directory, and the
``source_*`` functions find the trained ``full`` arm an autoencoder arm compresses.
"""

from __future__ import annotations

import dataclasses
import logging
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from genoenc.data import OpenPieces, sample_windows
from genoenc.errors import InputError, RunDirError
from genoenc.models import TaskModel, build_model
from genoenc.rundir import (
    CONFIG_FILE,
    LOCK_FILE,
    METRICS_FILE,
    SCHEMA_VERSION,
    atomic_write_json,
    config_diff,
    config_hash,
    discard_untrained,
    read_json,
    read_metrics,
    versions,
)

from .checkpoint import load_checkpoint
from .config import RunConfig, TrainConfig
from .sources import open_piece_source
from .vocab import run_tokenizer, save_vocab

__all__ = [
    "RunInputs",
    "check_run_dir",
    "eval_sample",
    "full_arm_config",
    "open_inputs",
    "read_source_table",
    "source_run_dir",
    "write_run_config",
]

logger = logging.getLogger(__name__)


def check_run_dir(out: Path, cfg_dict: dict[str, Any], resume: bool) -> dict[str, Any] | None:
    """Check ``out`` against the config; return its metrics if the run is already finished.

    Raises:
        RunDirError: ``out`` is not a run directory, one of another schema, one started
            with another config, or one that exists without ``resume``.
    """
    config_path = out / CONFIG_FILE
    if not config_path.exists():
        if out.exists() and any(e.name != LOCK_FILE for e in out.iterdir()):
            raise RunDirError(f"{out}: exists and is not a genoenc run directory")
        return None
    saved = read_json(config_path)
    if not isinstance(saved, dict) or saved.get("schema_version") != SCHEMA_VERSION:
        found = saved.get("schema_version") if isinstance(saved, dict) else None
        raise RunDirError(
            f"{out}: run directory of schema_version {found!r}, this genoenc writes "
            f"{SCHEMA_VERSION}; use another --out"
        )
    if discard_untrained(out):
        # Killed before its first checkpoint: nothing to resume, so start afresh (the run
        # directory is claimed, so no other process is writing here).
        logger.info("%s: no checkpoint from an earlier start; starting afresh", out)
        return None
    if not resume:
        raise RunDirError(
            f"{out}: run directory exists; pass --resume to continue it or use another --out"
        )
    if saved.get("config_hash") != config_hash(cfg_dict):
        raise RunDirError(
            f"{out}: was started with another config "
            f"({config_diff(saved.get('config') or {}, cfg_dict)}); resume it with the same "
            "options or use another --out"
        )
    if (out / METRICS_FILE).exists():
        return read_metrics(out)
    return None


@dataclass(frozen=True)
class RunInputs:
    """What the later stages read: the tokenizer, the piece stream and the eval samples.

    Attributes:
        tokenizer: The run's tokenizer (text: its vocabulary fitted on the train split).
        pieces: Restarts the stream of framed store ids (epochs, resume, references).
        val: The fixed validation windows ``(n_val, L)`` of store ids (may be empty).
        test: The fixed test windows ``(n_test, L)``, never empty.
    """

    tokenizer: Any
    pieces: OpenPieces
    val: np.ndarray
    test: np.ndarray


def eval_sample(
    cfg: RunConfig, pieces: OpenPieces, tokenizer: Any, split: str, max_tokens: int
) -> np.ndarray:
    """Windows of ``split`` drawn across its first ``train.eval_scan_tokens`` (bases for DNA)."""
    scan_tokens = cfg.train.eval_scan_tokens // cfg.bases_per_token
    return sample_windows(
        pieces, cfg.token_split, cfg.window, tokenizer, split, max_tokens, scan_tokens
    )


def run_model(cfg: RunConfig, d_in: int, target_vocab_size: int) -> TaskModel:
    """The run's task model over encodings of width ``d_in``: its window length, and the
    bases per target the chain head of non-overlapping k-mers needs (1 otherwise)."""
    return build_model(cfg.model, d_in, target_vocab_size, cfg.target_k, context=cfg.window.context)


def reference_samples(
    cfg: RunConfig, pieces: OpenPieces, tokenizer: Any
) -> tuple[np.ndarray, np.ndarray]:
    """The train windows the Markov references are fitted on (``train.ref_train_tokens``)
    and the validation windows their order is chosen on (``train.eval_tokens / 4``), both
    drawn across their splits like the eval samples (caps in bases for DNA) and independent
    of the budget, so every run on the same data, and ``genoenc baseline``, share them.
    Drawn, not the first windows: on a multi-genome input those are one genome."""
    per_token = cfg.bases_per_token
    train = eval_sample(cfg, pieces, tokenizer, "train", cfg.train.ref_train_tokens // per_token)
    val = eval_sample(cfg, pieces, tokenizer, "val", cfg.train.eval_tokens // 4 // per_token)
    return train, val


def open_inputs(cfg: RunConfig, out: Path) -> RunInputs:
    """Open the run's inputs and draw the fixed eval samples (before ``out`` is written).

    Validation is sized to the budget (``cfg.val_tokens``); the test cap is counted in
    bases, so every k scores the same bases.

    Raises:
        InputError: The test split holds no window.
    """
    tokenizer = run_tokenizer(cfg, out)  # text: vocabulary fitted on the train split
    pieces = open_piece_source(cfg, tokenizer)
    val = eval_sample(cfg, pieces, tokenizer, "val", cfg.val_tokens)
    test = eval_sample(cfg, pieces, tokenizer, "test", cfg.train.eval_tokens // cfg.bases_per_token)
    if len(test) == 0:
        raise InputError(
            cfg.input_label,
            "too little data: the test split holds no window "
            "(give more input or lower --context / split.block_tokens)",
        )
    return RunInputs(tokenizer=tokenizer, pieces=pieces, val=val, test=test)


def write_run_config(
    out: Path,
    cfg_dict: dict[str, Any],
    tokenizer: Any,
    *,
    argv: list[str] | None,
    world_size: int,
) -> None:
    """Create ``out`` with ``vocab.json`` (text) and ``config.json``: now a run directory."""
    out.mkdir(parents=True, exist_ok=True)
    save_vocab(tokenizer, out)  # before config.json: a run dir with a config has it
    atomic_write_json(
        out / CONFIG_FILE,
        {
            "schema_version": SCHEMA_VERSION,
            "config_hash": config_hash(cfg_dict),
            "config": cfg_dict,
            "versions": versions(),
            "command": argv if argv is not None else sys.argv,
            "world_size": world_size,
        },
    )


def source_run_dir(train_cfg: TrainConfig, out: Path) -> Path:
    """The ``full`` arm whose table an autoencoder arm compresses: ``train.source_run``, or
    ``OUT/source_full`` (trained there first when absent)."""
    return Path(train_cfg.source_run) if train_cfg.source_run else out / "source_full"


def full_arm_config(cfg: RunConfig) -> RunConfig:
    """The config of the ``full`` arm that ``cfg``'s autoencoder compresses."""
    return dataclasses.replace(
        cfg,
        encoder=dataclasses.replace(cfg.encoder, strategy="full"),
        train=dataclasses.replace(cfg.train, source_run=None),
    )


def read_source_table(source: Path) -> torch.Tensor:
    """The trained embedding table ``(V, d_orig)`` in a finished ``full`` run's checkpoint.

    Raises:
        RunDirError: ``source`` is not a ``full``-arm run.
    """
    weight = load_checkpoint(source)["encoder"].get("embedding.weight")
    if weight is None:
        raise RunDirError(f"{source}: not a full-arm run (no embedding.weight in its checkpoint)")
    return weight
