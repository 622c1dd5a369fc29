"""Run configuration: one dataclass per stage, composed into :class:`RunConfig`.

Resolution follows lingua: dataclass defaults < config file (YAML or JSON, one
section per stage) < command-line options, merged by :func:`merge_config` over
``dataclasses.replace``.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from genoenc.data import SplitConfig, WindowConfig, blocks_for_stride
from genoenc.encoders import EncoderConfig
from genoenc.errors import ConfigError
from genoenc.io import ReaderConfig
from genoenc.models import ModelConfig
from genoenc.tokenize import TokenizerConfig

from .config_schema import check_section

__all__ = [
    "BUDGETS",
    "DEVICES",
    "MIN_CONTEXT",
    "RunConfig",
    "TrainConfig",
    "config_to_dict",
    "load_config_file",
    "merge_config",
]

#: Shortest window (tokens) a run accepts: below it a model sees almost no context, and
#: steps are so small that the run is dominated by overhead (``--context 1`` ran at 69
#: tokens/s). Refused with one line rather than run uselessly.
MIN_CONTEXT = 8

#: Values of ``train.device`` (``auto`` picks CUDA, then MPS, then CPU).
DEVICES: tuple[str, ...] = ("auto", "cpu", "cuda", "mps")
#: Values of ``train.budget``: a fixed token budget, or one that stops on validation.
BUDGETS: tuple[str, ...] = ("fixed", "auto")


@dataclass(frozen=True, kw_only=True)
class TrainConfig:
    """The optimisation loop, evaluation and references.

    Attributes:
        tokens_budget: Input positions to train on (batch x context per step).
        batch_size: Windows per optimiser step (global, across all ranks).
        lr: Peak learning rate of AdamW; warmup then cosine decay to ``lr * min_lr_frac``.
        eval_interval: Fraction of the budget between validation evaluations.
        eval_tokens: Cap on the test sample's targets. For DNA this counts bases (k-mer runs
            take ``eval_tokens // stride`` tokens), as do ``ref_train_tokens`` and
            ``eval_scan_tokens``, so runs of every k are scored on the same bases.
        val_tokens: Targets in the validation sample; ``None`` sizes it to the budget:
            ``tokens_budget / 100`` within ``16 x context .. eval_tokens / 4``, so ten
            validation passes cost about 3% of the training steps.
        eval_scan_tokens: The eval samples are drawn uniformly from the windows within
            the first ``eval_scan_tokens`` targets of their split (the whole split of
            any genome up to ~150 Mb), so they do not all come from one region.
        threads: CPU threads for torch (``None``: every core this process may use).
        budget: ``fixed`` (train on ``tokens_budget`` with a cosine schedule) or ``auto``
            (``tokens_budget`` is a cap: warmup-stable-decay, the decay starting once
            validation has not improved by ``min_improvement`` (relative) for ``patience``
            evaluations; see :mod:`genoenc.train.schedule`).
        decay_at: Tokens after which a warmup-stable-decay schedule decays (then the run
            stops after ``decay_frac / (1 - decay_frac)`` as many again): a sweep sets it
            for the arms of a seed whose ``full`` arm ran with ``budget: auto``.
        ref_train_tokens: Cap on the train tokens the Markov references are fitted on.
        markov_max_k: Highest Markov order tried (chosen on validation).
        checkpoint_every: Fraction of the budget between checkpoints.
        source_run: For autoencoder arms with ``source_table="full"``: the run directory of the
            ``full`` arm whose embedding table is compressed (trained first when absent).
    """

    tokens_budget: int = 8_000_000
    batch_size: int = 16
    lr: float = 1e-2
    min_lr_frac: float = 0.1
    warmup_frac: float = 0.05
    weight_decay: float = 0.1
    grad_clip: float = 1.0
    eval_interval: float = 0.1
    eval_tokens: int = 1 << 19
    val_tokens: int | None = None
    eval_scan_tokens: int = 1 << 24
    ref_train_tokens: int = 1 << 22
    markov_max_k: int = 12
    checkpoint_every: float = 0.1
    device: str = "auto"
    seed: int = 0
    rc_aug: bool = False
    source_run: str | None = None
    threads: int | None = None
    budget: str = "fixed"
    patience: int = 3
    min_improvement: float = 0.002
    decay_frac: float = 0.2
    decay_at: int | None = None

    def __post_init__(self) -> None:
        for name in ("tokens_budget", "batch_size", "eval_tokens", "ref_train_tokens"):
            if getattr(self, name) < 1:
                raise ConfigError(f"train.{name} must be positive (got {getattr(self, name)})")
        for name in ("val_tokens", "threads"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise ConfigError(f"train.{name} must be positive (got {value})")
        if self.seed < 0:
            raise ConfigError(f"train.seed must be 0 or more (got {self.seed})")
        if self.budget not in BUDGETS:
            raise ConfigError(f"train.budget must be fixed or auto (got {self.budget!r})")
        if self.patience < 1:
            raise ConfigError(f"train.patience must be positive (got {self.patience})")
        if not 0 <= self.min_improvement < 1:
            raise ConfigError(
                f"train.min_improvement must be in [0, 1) (got {self.min_improvement})"
            )
        if not 0 < self.decay_frac < 1:
            raise ConfigError(f"train.decay_frac must be in (0, 1) (got {self.decay_frac})")
        if self.decay_at is not None and (self.decay_at < 1 or self.budget == "auto"):
            raise ConfigError("train.decay_at must be positive, with budget fixed")
        if not 0 < self.lr < 1:
            raise ConfigError(f"train.lr must be in (0, 1) (got {self.lr})")
        for name in ("eval_interval", "checkpoint_every"):
            if not 0 < getattr(self, name) <= 1:
                raise ConfigError(f"train.{name} must be in (0, 1] (got {getattr(self, name)})")
        if not 0 <= self.warmup_frac < 1:
            raise ConfigError(f"train.warmup_frac must be in [0, 1) (got {self.warmup_frac})")
        if not 0 <= self.markov_max_k <= 16:
            raise ConfigError(f"train.markov_max_k must be in 0..16 (got {self.markov_max_k})")
        if self.device not in DEVICES:
            raise ConfigError(
                f"train.device must be one of {', '.join(DEVICES)} (got {self.device!r})"
            )


@dataclass(frozen=True, kw_only=True)
class RunConfig:
    """Everything one run needs; written resolved to ``RUN/config.json``.

    ``tokens`` names a token store to read instead of ``reader``'s inputs. The model's
    longest sequence is ``window.context`` (the one context setting).
    """

    reader: ReaderConfig = field(default_factory=ReaderConfig)
    tokens: str | None = None
    tokenizer: TokenizerConfig = field(default_factory=TokenizerConfig)
    split: SplitConfig = field(default_factory=SplitConfig)
    window: WindowConfig = field(default_factory=WindowConfig)
    encoder: EncoderConfig = field(default_factory=EncoderConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    train: TrainConfig = field(default_factory=TrainConfig)

    def __post_init__(self) -> None:
        if self.window.context < MIN_CONTEXT:
            raise ConfigError(
                f"window.context must be at least {MIN_CONTEXT} tokens (got {self.window.context})"
            )
        longest = self.token_split.block_tokens
        if self.window.context + 1 > longest:
            raise ConfigError(
                f"window.context ({self.window.context}) is longer than every window can be: "
                f"blocks hold {longest} tokens (split.block_tokens)"
            )

    @property
    def input_label(self) -> str:
        """How messages name the run's input: the token store, or the input files."""
        return self.tokens or self.reader.label or "input"

    @property
    def val_tokens(self) -> int:
        """Targets of the validation sample (``train.val_tokens`` or sized to the budget)."""
        if self.train.val_tokens is not None:
            return self.train.val_tokens
        floor = 16 * self.window.context
        return max(floor, min(self.train.tokens_budget // 100, self.train.eval_tokens // 4))

    @property
    def bases_per_token(self) -> int:
        """The stride of DNA k-mers (bases each token advances), 1 for other tokenizers."""
        return int(self.tokenizer.stride or 1) if self.tokenizer.kind == "dna" else 1

    @property
    def target_k(self) -> int:
        """Bases per target: k for non-overlapping DNA k-mers, else 1 (the head's choice)."""
        tok = self.tokenizer
        return tok.k if tok.kind == "dna" and tok.stride == tok.k else 1

    @property
    def token_split(self) -> SplitConfig:
        """The split in the tokenizer's units: DNA blocks hold the same bases for every k."""
        return blocks_for_stride(self.split, self.bases_per_token)


_SECTIONS = ("reader", "tokenizer", "split", "window", "encoder", "model", "train")


def _coerce(current: Any, value: Any) -> Any:
    """Tuples stay tuples when a config file gives lists."""
    if isinstance(current, tuple) and isinstance(value, list):
        return tuple(value)
    return value


def merge_config(cfg: RunConfig, overrides: Mapping[str, Any]) -> RunConfig:
    """Return ``cfg`` with ``overrides`` applied: ``{section: {field: value}}`` or ``tokens``.

    ``model.context`` (written by genoenc before the model took ``window.context``) is
    accepted when it is at least ``window.context``, as it had to be, and not kept.

    Raises:
        ConfigError: an unknown section or field, or a value a stage rejects.
    """
    changes: dict[str, Any] = {}
    legacy_context: int | None = None
    for section, values in overrides.items():
        if section == "tokens":
            if values is not None and not isinstance(values, str):
                raise ConfigError(f"tokens must be a path (a string), got {values!r}")
            changes["tokens"] = values
            continue
        if section not in _SECTIONS:
            raise ConfigError(f"unknown config section {section!r} (known: {', '.join(_SECTIONS)})")
        if not isinstance(values, Mapping):
            raise ConfigError(f"config section {section!r} must be a mapping")
        stage = getattr(cfg, section)
        if section == "model" and "context" in values:
            legacy_context = _legacy_model_context(values["context"])
            values = {k: v for k, v in values.items() if k != "context"}
        values = check_section(section, type(stage), values)  # types, one line per error
        if section == "tokenizer" and "k" in values and "stride" not in values:
            # The stride defaults to k: a new k without a stride means non-overlapping
            # k-mers, not the stride the old k had resolved to.
            values = {**values, "stride": None}
        try:
            changes[section] = dataclasses.replace(
                stage, **{k: _coerce(getattr(stage, k), v) for k, v in values.items()}
            )
        except TypeError as exc:
            raise ConfigError(f"config section {section}: {exc}") from None
    changes.update(_kmer_defaults(cfg, changes, overrides))
    changes.update(_text_defaults(cfg, changes, overrides))
    merged = dataclasses.replace(cfg, **changes)
    if legacy_context is not None and legacy_context < merged.window.context:
        raise ConfigError(
            f"model.context ({legacy_context}) must be at least window.context "
            f"({merged.window.context})"
        )
    return merged


def _legacy_model_context(value: Any) -> int:
    """``model.context`` of a config written before it moved to ``window.context``."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise ConfigError(f"model.context must be an integer, got {value!r}")
    return value


#: Window length (tokens) and head of a run on non-overlapping DNA k-mers (k >= 2), unless
#: given: 4x the optimiser steps of a 256-token window for the same token budget, and the
#: next k-mer predicted base by base. Chosen by measurement (docs/defaults.md, section 2):
#: with a 256-token window and the softmax head, E. coli 6-mer runs stay on the 6-mer
#: unigram for the whole default budget.
KMER_CONTEXT = 64
KMER_HEAD = "chain"

#: Model width and token budget of a run on characters or bytes (a token per character of
#: ASCII text), unless given. Chosen by measurement (docs/defaults.md, section 4): at DNA's
#: d_model 64 and 8 M tokens tinyshakespeare characters stay above the order-6 count table
#: (2.11 against 2.05 bits/char); d_model 128 with 16 M tokens beats it.
TEXT_D_MODEL = 128
TEXT_TOKENS_BUDGET = 16_000_000
#: Dropout of a run on words or BPE tokens, unless given: their tokens hold several
#: characters, so the default budget is many passes over a small text and the model
#: overfits (tinyshakespeare BPE: 2.0340 bits/char without dropout, 1.9455 with it, against
#: 2.0227 for the count table; docs/defaults.md, section 4).
TEXT_DROPOUT = 0.2

#: The per-kind text defaults, ``(section, field) -> value``.
_CHAR_DEFAULTS: dict[tuple[str, str], Any] = {
    ("model", "d_model"): TEXT_D_MODEL,
    ("train", "tokens_budget"): TEXT_TOKENS_BUDGET,
}
_TEXT_DEFAULTS: dict[str, dict[tuple[str, str], Any]] = {
    "char": _CHAR_DEFAULTS,
    "byte": _CHAR_DEFAULTS,
    "word": {("model", "dropout"): TEXT_DROPOUT},
    "bpe": {("model", "dropout"): TEXT_DROPOUT},
}


def _kmer_defaults(
    cfg: RunConfig, changes: Mapping[str, Any], overrides: Mapping[str, Any]
) -> dict[str, Any]:
    """Window and head for a merge that sets a non-overlapping DNA k (k >= 2)."""
    tokenizer = changes.get("tokenizer", cfg.tokenizer)
    if "k" not in overrides.get("tokenizer", {}) or tokenizer.kind != "dna":
        return {}
    if tokenizer.k < 2 or tokenizer.stride != tokenizer.k:
        return {}
    return _unset_to(
        cfg, changes, overrides, {("window", "context"): KMER_CONTEXT, ("model", "head"): KMER_HEAD}
    )


def _text_defaults(
    cfg: RunConfig, changes: Mapping[str, Any], overrides: Mapping[str, Any]
) -> dict[str, Any]:
    """The text kind's defaults (``_TEXT_DEFAULTS``) for a merge that sets a text tokenizer."""
    tokenizer = changes.get("tokenizer", cfg.tokenizer)
    if "kind" not in overrides.get("tokenizer", {}):
        return {}
    return _unset_to(cfg, changes, overrides, _TEXT_DEFAULTS.get(tokenizer.kind, {}))


def _unset_to(
    cfg: RunConfig,
    changes: Mapping[str, Any],
    overrides: Mapping[str, Any],
    values: Mapping[tuple[str, str], Any],
) -> dict[str, Any]:
    """Set each ``(section, field)`` of ``values`` that still has its package default and
    that this merge does not give, so a config's own value always stands."""
    out: dict[str, Any] = {}
    for (section, name), value in values.items():
        stage = out.get(section) or changes.get(section) or getattr(cfg, section)
        if name in overrides.get(section, {}):
            continue
        if getattr(stage, name) == getattr(type(stage), name):
            out[section] = dataclasses.replace(stage, **{name: value})
    return out


def load_config_file(path: str | Path) -> dict[str, Any]:
    """Read a YAML or JSON config file into ``{section: {field: value}}``."""
    path = Path(path)
    try:
        text = path.read_text()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read config file ({exc.strerror})") from None
    try:
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise ConfigError(
            f"{path}: not valid {'JSON' if path.suffix == '.json' else 'YAML'} ({exc})"
        ) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: a config file must hold a mapping of sections")
    return data


def config_to_dict(cfg: RunConfig) -> dict[str, Any]:
    """The resolved config as plain JSON-able data.

    The model section keeps ``context`` (the window's), in its old place before ``head``,
    so ``config.json`` and the config hash read as they did before the model took
    ``window.context``: runs written then resume and compare with runs written now.
    """
    data: dict[str, Any] = json.loads(json.dumps(dataclasses.asdict(cfg), default=str))
    model = list(data["model"].items())
    model.insert([key for key, _ in model].index("head"), ("context", cfg.window.context))
    data["model"] = dict(model)
    return data
