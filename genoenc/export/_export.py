"""``export_run``: a finished run as a Hugging Face folder that loads without genoenc."""

from __future__ import annotations

import json
import logging
import shutil
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import torch

from genoenc import __version__
from genoenc.errors import ConfigError, RunDirError
from genoenc.rundir import atomic_write_bytes, atomic_write_json

from ._card import model_card
from ._run import TrainedRun, load_trained_run
from ._tokenizer import (
    SPECIAL_TOKENS,
    build_hf_tokenizer,
    special_tokens_map,
    tokenizer_config,
    tokenizer_json,
)

__all__ = ["CODE_FILES", "export_run", "hf_state_dict", "probe_ids", "reference_logits"]

logger = logging.getLogger(__name__)

#: The modelling code copied into every export (``trust_remote_code``).
CODE_FILES = ("configuration_genoenc.py", "modeling_genoenc.py")
#: Largest difference between genoenc's and the exported model's logits that passes.
TOLERANCE = 1e-5


def _kmer_k(run: TrainedRun) -> int:
    """k when the model turns base ids into overlapping k-mer ids itself, else 1."""
    tok = run.config.tokenizer
    return tok.k if tok.kind == "dna" and tok.k > 1 and tok.step == 1 else 1


def hf_state_dict(run: TrainedRun) -> dict[str, torch.Tensor]:
    """The tensors an export stores: the encoding (``encoder.embedding.weight``) and
    the task model (``model.*``), contiguous float32 copies.

    Raises:
        ConfigError: The encoder stores something other than one ``(V, d_out)`` table.
    """
    encoding = run.encoder.encoding_tensors()
    if len(encoding) != 1:
        raise ConfigError(
            f"strategy {run.config.encoder.strategy!r} stores {sorted(encoding)}; the export "
            "knows encodings that are one lookup table"
        )
    (table,) = encoding.values()
    expected = (run.tokenizer.input_vocab_size, run.encoder.d_out)
    if tuple(table.shape) != expected:
        raise ConfigError(f"the stored encoding is {tuple(table.shape)}, expected {expected}")
    tensors = {"encoder.embedding.weight": table}
    tensors |= {f"model.{name}": t for name, t in run.model.state_dict().items()}
    return {name: t.detach().to(torch.float32).contiguous().clone() for name, t in tensors.items()}


def _head_config(run: TrainedRun) -> dict[str, Any]:
    """``head`` and ``chain_k`` of the exported config, from the module genoenc built."""
    head = run.model.head
    if isinstance(head, torch.nn.Linear):
        return {"head": "linear", "chain_k": 1}
    k = getattr(head, "k", None)
    if type(head).__name__ == "ChainHead" and isinstance(k, int):
        return {"head": "chain", "chain_k": k}
    raise ConfigError(f"the export does not know the output head {type(head).__name__}")


def _hf_config(run: TrainedRun) -> dict[str, Any]:
    cfg, tok = run.config, run.tokenizer
    kmer_k = _kmer_k(run)
    return {
        "architectures": ["GenoencForCausalLM"],
        "model_type": "genoenc",
        "auto_map": {
            "AutoConfig": "configuration_genoenc.GenoencConfig",
            "AutoModelForCausalLM": "modeling_genoenc.GenoencForCausalLM",
        },
        "arch": cfg.model.arch,
        # Overlapping k-mers read base ids; the model makes the k-mer ids itself.
        "vocab_size": tok.store_vocab_size if kmer_k > 1 else tok.input_vocab_size,
        "embedding_rows": tok.input_vocab_size,
        "d_in": run.encoder.d_out,
        "target_vocab_size": tok.target_vocab_size,
        "d_model": cfg.model.d_model,
        "n_layer": cfg.model.n_layer,
        "n_head": cfg.model.n_head,
        "d_ff": cfg.model.ff_width,
        "context": cfg.window.context,
        "kmer_k": kmer_k,
        **_head_config(run),
        "bos_token_id": tok.start_id,
        "eos_token_id": tok.end_id,
        "pad_token_id": tok.pad_id,
        "use_cache": False,
        "tie_word_embeddings": False,
        "torch_dtype": "float32",
        "genoenc": {
            "version": __version__,
            "run": str(run.path),
            "strategy": cfg.encoder.strategy,
            "ratio": run.metrics["ratio"],
            "tokenizer": cfg.tokenizer.to_dict(),
            "config_hash": run.metrics.get("config_hash"),
        },
    }


def probe_ids(run: TrainedRun, batch: int = 2, length: int = 64, seed: int = 0) -> np.ndarray:
    """Token ids ``(batch, length)`` as a user would feed the export: START then tokens.

    DNA ids are mostly ACGT with a few N (and for non-overlapping k-mers, k-mer ids);
    text ids are drawn from the vocabulary.
    """
    tok = run.tokenizer
    length = min(length, run.config.window.context)
    rng = np.random.default_rng(seed)
    n_ordinary = tok.start_id  # ids below START are ordinary tokens in every tokenizer
    if _kmer_k(run) > 1:
        n_ordinary = 5  # base ids A, T, C, G, N
    ids = rng.integers(0, n_ordinary, size=(batch, length))
    ids[:, 0] = tok.start_id
    return ids.astype(np.int64)


def reference_logits(run: TrainedRun, ids: np.ndarray) -> torch.Tensor:
    """genoenc's logits ``(B, T, V_target)`` for ids as fed to the export.

    For overlapping k-mers the export reads base ids and builds each position's k-mer
    with PAD before the sequence: the same as genoenc's ``inputs_targets`` of a window
    with ``k - 1`` PAD ids of history.
    """
    tok = run.tokenizer
    windows = np.concatenate(
        [
            np.full((len(ids), tok.history), tok.pad_id, dtype=np.int64),
            ids,
            np.full((len(ids), 1), tok.pad_id, dtype=np.int64),
        ],
        axis=1,
    )  # (B, history + T + 1)
    inputs, _ = tok.inputs_targets(windows)  # (B, T)
    return run.logits(torch.from_numpy(inputs))


def _write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode())


def export_run(run: str | Path, out: str | Path, *, verify: bool = True) -> dict[str, Any]:
    """Write a Hugging Face folder for the finished run ``run`` into ``out``.

    The folder holds ``model.safetensors`` (the stored encoding and the task model; never
    the autoencoders' training-only parts), ``config.json``, the modelling code,
    ``tokenizer.json`` with ``tokenizer_config.json`` and ``special_tokens_map.json``, and
    a model card ``README.md``.

    Args:
        run: A finished run directory.
        out: The folder to write (created; an existing export there is overwritten).
        verify: Load the folder back with ``transformers`` and check its logits against
            genoenc's to :data:`TOLERANCE`, and its tokenizer's ids against genoenc's.

    Returns:
        ``{"out", "files", "params", "bytes", "max_abs_diff"}`` (``max_abs_diff`` is
        ``None`` without ``verify``).

    Raises:
        RunDirError: The run is unfinished or unreadable, or ``out`` is a file or a
            non-empty folder that is not an export.
        ConfigError: What the run uses cannot be exported (see :func:`hf_state_dict`,
            :func:`~genoenc.export._tokenizer.build_hf_tokenizer`), or the check failed.
    """
    from safetensors.torch import save_file

    trained = load_trained_run(run)
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise RunDirError(f"{out}: exists and is not a folder")
    if out.is_dir() and any(out.iterdir()) and not (out / "config.json").exists():
        raise RunDirError(f"{out}: exists, is not empty and holds no export; use another -o")
    out.mkdir(parents=True, exist_ok=True)

    built = build_hf_tokenizer(trained.tokenizer)
    tensors = hf_state_dict(trained)
    n_params = sum(t.numel() for t in tensors.values())
    n_bytes = sum(t.numel() * t.element_size() for t in tensors.values())
    tmp = out / ".model.safetensors.tmp"
    save_file(tensors, str(tmp), metadata={"format": "pt", "genoenc": __version__})
    tmp.replace(out / "model.safetensors")
    atomic_write_json(out / "config.json", _hf_config(trained))
    code = resources.files("genoenc.export.hf_code")
    for name in CODE_FILES:
        atomic_write_bytes(out / name, code.joinpath(name).read_bytes())
    _write_text(out / "tokenizer.json", tokenizer_json(built))
    atomic_write_json(
        out / "tokenizer_config.json", tokenizer_config(built, trained.config.window.context)
    )
    atomic_write_json(out / "special_tokens_map.json", special_tokens_map(built))
    encoding = int(tensors["encoder.embedding.weight"].numel())
    exported = {
        "encoding": encoding,
        "task_model": n_params - encoding,
        "total": n_params,
        "bytes": n_bytes,
    }
    _write_text(
        out / "README.md", model_card(trained.config, trained.metrics, exported, built.note)
    )
    shutil.rmtree(out / "__pycache__", ignore_errors=True)
    result: dict[str, Any] = {
        "out": str(out),
        "files": sorted(p.name for p in out.iterdir() if not p.name.startswith(".")),
        "params": exported,
        "bytes": n_bytes,
        "max_abs_diff": None,
    }
    if verify:
        result["max_abs_diff"] = verify_export(trained, out)
    logger.info("%s: exported %s (%s parameters)", out, trained.path, f"{n_params:,}")
    return result


def verify_export(run: TrainedRun, folder: Path) -> float:
    """Load ``folder`` with ``transformers`` and compare it with genoenc.

    Returns:
        The largest absolute logit difference on :func:`probe_ids`.

    Raises:
        ConfigError: ``transformers`` is missing, weights are missing or left over, the
            logits differ by more than :data:`TOLERANCE`, or the tokenizer's ids differ.
    """
    try:
        from transformers import AutoModelForCausalLM, AutoTokenizer
    except ImportError:
        raise ConfigError(
            "checking the export needs transformers: pip install 'genoenc[hf]' "
            "(or pass --no-verify)"
        ) from None
    from transformers.utils import logging as hf_logging

    bar = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()  # no "Loading weights" bar in genoenc's output
    try:
        loaded: Any = AutoModelForCausalLM.from_pretrained(
            str(folder), trust_remote_code=True, output_loading_info=True
        )
        model, info = loaded
        hf_tok = AutoTokenizer.from_pretrained(str(folder), trust_remote_code=True)
    finally:
        if bar:
            hf_logging.enable_progress_bar()
    problems = {k: v for k, v in info.items() if v and k in ("missing_keys", "unexpected_keys")}
    if problems:
        raise ConfigError(
            f"{folder}: the exported modelling code does not match this run's weights "
            f"({json.dumps({k: sorted(v) for k, v in problems.items()})})"
        )
    model.eval()
    ids = probe_ids(run)
    with torch.no_grad():
        got = model(torch.from_numpy(ids)).logits
    want = reference_logits(run, ids)
    diff = float((got - want).abs().max())
    if not diff <= TOLERANCE:
        raise ConfigError(
            f"{folder}: exported logits differ from genoenc's by {diff:.3g} (> {TOLERANCE})"
        )
    if run.config.tokenizer.kind == "dna":
        k = run.tokenizer.config.k
        # Whole k-mers only: a trailing partial k-mer is dropped by genoenc (see the card).
        text = "ACGTNacgtnRYU" if run.tokenizer.config.step == 1 else "ACGTACGTTGCA" * k
        want_ids = run.tokenizer.encode(text.encode()).tolist()
        got_ids = hf_tok(text, add_special_tokens=False)["input_ids"]
        if got_ids != want_ids:
            raise ConfigError(
                f"{folder}: tokenizer gives {got_ids} for {text!r}, genoenc {want_ids}"
            )
    start = hf_tok.convert_tokens_to_ids(SPECIAL_TOKENS[0])
    if start != run.tokenizer.start_id or hf_tok.bos_token_id != run.tokenizer.start_id:
        raise ConfigError(
            f"{folder}: tokenizer's BOS id is {start}, genoenc's START is {run.tokenizer.start_id}"
        )
    return diff
