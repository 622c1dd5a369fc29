"""Scoring without training: a finished run on other data, and the references alone."""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path
from typing import Any

import torch

from genoenc.data import SplitConfig, collect_windows
from genoenc.encoders import Encoder, build_encoder, needs_source_table
from genoenc.errors import InputError, RunDirError
from genoenc.models import TaskModel
from genoenc.rundir import CONFIG_FILE, SCHEMA_VERSION, read_json, read_metrics

from .checkpoint import load_checkpoint
from .config import RunConfig, merge_config
from .device import pick_device
from .evaluate import evaluate
from .references import reference_bits
from .setup import eval_sample, reference_samples, run_model
from .sources import open_piece_source, source_descriptions
from .vocab import run_tokenizer

#: The general-compressor reference ``genoenc baseline`` prints beside Markov (genomes).
BASELINE_COMPRESSOR = "xz"

__all__ = ["baseline", "evaluate_run", "load_run_config", "load_trained"]


def load_run_config(run: str | Path) -> RunConfig:
    """Rebuild the resolved :class:`RunConfig` of a run directory."""
    run = Path(run)
    saved = read_json(run / CONFIG_FILE)
    if not isinstance(saved, dict) or saved.get("schema_version") != SCHEMA_VERSION:
        found = saved.get("schema_version") if isinstance(saved, dict) else None
        raise RunDirError(
            f"{run}: run directory of schema_version {found!r}, this genoenc reads {SCHEMA_VERSION}"
        )
    return merge_config(RunConfig(), saved["config"])


def _whole_input(cfg: RunConfig) -> RunConfig:
    """The same run config with every window of the input in the test split."""
    return dataclasses.replace(
        cfg,
        split=SplitConfig(val_fraction=0.0, test_fraction=1.0, block_tokens=cfg.split.block_tokens),
    )


def evaluate_run(
    run: str | Path,
    other: RunConfig,
    *,
    eval_tokens: int | None = None,
    device: str = "auto",
) -> dict[str, Any]:
    """Score a finished run on other data (cross-genome), with the run's own references.

    Args:
        run: A finished run directory.
        other: A run config whose ``reader``/``tokens`` name the data to score; the
            tokenizer, windows and model come from the run.
        eval_tokens: Cap on scored targets (default: the run's ``train.eval_tokens``).
        device: Device name as for training.

    Returns:
        ``{"run", "sources", "test": {...}, "reference": {...}}``; the references (order-0
        and the Markov order chosen in the run) are fitted on the run's own training data
        and scored on the other data, so they are the fair cross-genome baseline.
    """
    run = Path(run)
    metrics = read_metrics(run)
    started = time.perf_counter()
    cfg, tokenizer, encoder, model = load_trained(run)
    target = _whole_input(dataclasses.replace(cfg, reader=other.reader, tokens=other.tokens))
    cap = eval_tokens or cfg.train.eval_tokens
    windows = collect_windows(
        open_piece_source(target, tokenizer), target.token_split, cfg.window, tokenizer, "test", cap
    )
    if len(windows) == 0:
        raise InputError(other.input_label, "no window to score (input shorter than one window)")
    dev = pick_device(device)
    encoder.to(dev)
    model.to(dev)
    test = evaluate(encoder, model, tokenizer, windows, dev)
    train_sample, val_sample = reference_samples(cfg, open_piece_source(cfg, tokenizer), tokenizer)
    reference = reference_bits(tokenizer, train_sample, val_sample, windows, cfg.train.markov_max_k)
    return {
        "schema_version": SCHEMA_VERSION,
        "run": str(run),
        "strategy": metrics["strategy"],
        "ratio": metrics["ratio"],
        "seed": metrics["seed"],
        "sources": source_descriptions(target),
        "unit": tokenizer.unit_name,
        "test": test,
        "reference": reference,
        "wall_seconds": time.perf_counter() - started,
    }


def load_trained(run: Path) -> tuple[RunConfig, Any, Encoder, TaskModel]:
    """A finished run's config, tokenizer, encoder and task model with its final weights
    (in eval mode).

    Raises:
        RunDirError: The checkpoint does not fit the run's config.
    """
    cfg = load_run_config(run)
    tokenizer = run_tokenizer(cfg, run)  # text: the run's own vocab.json
    encoder = build_encoder(
        cfg.encoder,
        tokenizer.input_vocab_size,
        source_table=_placeholder_table(cfg, tokenizer.input_vocab_size),
        seed=cfg.train.seed,
    )
    model = run_model(cfg, encoder.d_out, tokenizer.target_vocab_size)
    state = load_checkpoint(run)
    try:
        encoder.load_state_dict(state["encoder"])
        model.load_state_dict(state["model"])
    except (KeyError, RuntimeError) as exc:
        raise RunDirError(f"{run}: checkpoint does not match its config ({exc})") from None
    encoder.eval()  # autoencoder-joint materialises its codes table here
    model.eval()
    return cfg, tokenizer, encoder, model


def _placeholder_table(cfg: RunConfig, vocab_size: int) -> torch.Tensor | None:
    """A zero source table of the right shape; the checkpoint overwrites what is stored."""
    if needs_source_table(cfg.encoder):
        return torch.zeros(vocab_size, cfg.encoder.d_orig)
    return None


def baseline(cfg: RunConfig) -> dict[str, Any]:
    """Uniform, order-0 and best order-k Markov bits per unit (base or character) on the
    run config's test split; ``unit`` names the unit."""
    tokenizer = run_tokenizer(cfg)
    pieces = open_piece_source(cfg, tokenizer)

    # The samples a train run on the same config scores and fits its references on.
    test = eval_sample(cfg, pieces, tokenizer, "test", cfg.train.eval_tokens // cfg.bases_per_token)
    if len(test) == 0:
        raise InputError(cfg.input_label, "too little data: the test split holds no window")
    train_sample, val_sample = reference_samples(cfg, pieces, tokenizer)
    reference = reference_bits(tokenizer, train_sample, val_sample, test, cfg.train.markov_max_k)
    return {
        "sources": source_descriptions(cfg),
        "unit": tokenizer.unit_name,
        "reference": reference,
        "compressors": _compressor_bits(cfg),
    }


def _compressor_bits(cfg: RunConfig) -> dict[str, Any]:
    """``xz -9e`` bits per base on the test split's scored bases (genomes only, else empty).

    The bases are the test targets of the single-base tokenization of the same data and
    split (the split counts bases for every k), one ACGT byte each, N and specials dropped.
    """
    from genoenc.baselines.compressors import bases_from_tokens, compressor_references

    if cfg.tokenizer.kind != "dna":
        return {}
    single = merge_config(cfg, {"tokenizer": {"k": 1, "stride": 1}})
    tokenizer = run_tokenizer(single)
    windows = collect_windows(
        open_piece_source(single, tokenizer),
        single.split,  # k = 1: the same blocks in bases
        single.window,
        tokenizer,
        "test",
        cfg.train.eval_tokens,
    )
    bases = bases_from_tokens(windows[:, -single.window.context :])
    return {
        ref.command: {"bits_per_base": ref.bits_per_base, "bases": ref.input_bytes}
        for ref in compressor_references(bases, compressors=(BASELINE_COMPRESSOR,))
    }
