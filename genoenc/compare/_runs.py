"""One finished run as the comparison sees it: :class:`RunResult` and :func:`read_run`.

A run directory holds ``config.json`` (written first) and, once the run finished,
``metrics.json``. Nothing here trains or scores: the numbers come from ``metrics.json``
as the trainer wrote them. Finding the runs of a sweep folder is :mod:`._load`'s part.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from genoenc.errors import RunDirError
from genoenc.rundir import (
    CONFIG_FILE,
    METRICS_FILE,
    SCHEMA_VERSION,
    input_stem,
    read_json,
    read_metrics,
)
from genoenc.tokenize import tokenizer_label

__all__ = [
    "Problem",
    "Reference",
    "RunResult",
    "lower_is_better",
    "message_without",
    "metric_for",
    "read_run",
    "unit_label",
]

#: The test metric compared in each domain (lower is better in all).
_METRIC_BY_DOMAIN = {
    "genome": "bits_per_base",
    "text": "bits_per_char",
    "synthetic": "bits_per_symbol",
}
_UNIT_LABELS = {
    "bits_per_base": "bits/base",
    "bits_per_char": "bits/char",
    "bits_per_symbol": "bits/symbol",
}
#: Test metrics where higher is better; every other (bits, loss) is lower-is-better.
_HIGHER_IS_BETTER = frozenset({"accuracy"})

# Config fields that differ between the arms or seeds of one condition by design; every
# other field must match for two runs to be paired.
_ARM_FIELDS = {("train", "seed"), ("train", "source_run"), ("train", "device")}
_KEPT_ENCODER_FIELDS = {"d_orig"}


def metric_for(domain: str) -> str:
    """The test metric of a domain: bits per base (genomes), character (text), symbol (synthetic).

    >>> metric_for("genome"), metric_for("text"), metric_for("synthetic")
    ('bits_per_base', 'bits_per_char', 'bits_per_symbol')
    """
    return _METRIC_BY_DOMAIN.get(domain, "bits_per_base")


def unit_label(metric: str) -> str:
    """The short unit of a metric for table headers and axes.

    >>> unit_label("bits_per_base"), unit_label("bits_per_char")
    ('bits/base', 'bits/char')
    """
    return _UNIT_LABELS.get(metric, metric)


def lower_is_better(metric: str) -> bool:
    """Whether a smaller value of a test metric is better (bits and losses; not accuracy).

    >>> lower_is_better("bits_per_base"), lower_is_better("accuracy")
    (True, False)
    """
    return metric not in _HIGHER_IS_BETTER


@dataclass(frozen=True)
class Problem:
    """Something the comparison could not use, said in one line (never silently dropped).

    Attributes:
        where: the run directory, sweep folder or condition it concerns.
        message: what is wrong and what was done about it.
    """

    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


@dataclass(frozen=True, kw_only=True)
class Reference:
    """The reference points of a run's test split, in the run's unit (nan when absent)."""

    uniform_bits: float
    order0_bits: float
    markov_order: int | None
    markov_bits: float
    #: The k-mer unigram of non-overlapping k-mers (nan for other tokenizers).
    order0_token_bits: float = math.nan


@dataclass(frozen=True, kw_only=True)
class RunResult:
    """One finished run as the comparison sees it.

    Attributes:
        path: the run directory.
        domain: ``"genome"`` or ``"text"``.
        data: the dataset label (the sweep's dataset name, else the input file stems).
        tokenizer: tokenizer label, ``k{k}s{stride}`` (plus ``-kind`` for non-DNA).
        strategy: the encoding strategy (``full``, ``learned``, ``autoencoder``...).
        ratio: compression ratio ``d_orig / d_c`` (1 for ``full``).
        seed: the training seed; arms are paired on it.
        metric: the compared test metric, ``bits_per_base`` or ``bits_per_char``.
        value: the test value of ``metric`` (finite; lower is better).
        reference: uniform, order-0 and Markov references of the same test split.
        encoding_bytes: bytes of the encoding stored for inference (None when absent).
        tokens_seen: training tokens (None when absent).
        gap_closed: share of the gap from the no-context reference to the best Markov
            model that the run closed (None when the trainer did not record it).
        learned_nothing: the trainer's flag (``gap_closed`` below 10%).
        config_hash: the run's config hash.
        setting: a hash of the config fields that must match for runs to be paired
            (everything but the encoder strategy and its knobs, seed and device).
        setting_config: those fields, flattened to ``{"section.field": value}``.
        metrics: the raw ``metrics.json``.
    """

    path: Path
    domain: str
    data: str
    tokenizer: str
    strategy: str
    ratio: int
    seed: int
    metric: str
    value: float
    reference: Reference
    encoding_bytes: int | None
    tokens_seen: int | None
    learned_nothing: bool
    config_hash: str
    setting: str
    setting_config: Mapping[str, Any] = field(default_factory=dict)
    metrics: Mapping[str, Any] = field(default_factory=dict, repr=False)
    gap_closed: float | None = None

    @property
    def unit(self) -> str:
        """Unit label of :attr:`metric` (``bits/base`` or ``bits/char``)."""
        return unit_label(self.metric)

    @property
    def group(self) -> tuple[str, str, str, str]:
        """Runs that share a group differ only by strategy, ratio and seed."""
        return (self.domain, self.data, self.tokenizer, self.setting)

    def score(self, metric: str | None = None) -> float:
        """The run's test value of ``metric``; nan when ``metrics.json`` lacks it.

        Args:
            metric: a key of ``metrics.json``'s ``test`` object (``accuracy``,
                ``loss_nats``...); None or :attr:`metric`: the compared :attr:`value`.
        """
        if metric is None or metric == self.metric:
            return self.value
        test = self.metrics.get("test", {})
        value = test.get(metric) if isinstance(test, Mapping) else None
        return float(value) if isinstance(value, int | float) else math.nan


def message_without(exc: Exception, prefix: str) -> str:
    """The message of ``exc`` without a leading ``prefix: `` (the path it already names)."""
    message = str(exc)
    head = f"{prefix}: "
    return message[len(head) :] if prefix and message.startswith(head) else message


def read_run(run_dir: Path, dataset: str | None, problems: list[Problem]) -> RunResult | None:
    """The finished run in ``run_dir``, or None with the reason added to ``problems``.

    Args:
        run_dir: a run directory.
        dataset: its dataset name from ``sweep.json`` (None: the input file stems).
        problems: where an unfinished or unreadable run is reported.
    """
    where = str(run_dir)
    metrics_path = run_dir / METRICS_FILE
    if not metrics_path.is_file():
        problems.append(Problem(where, f"unfinished (no {METRICS_FILE} yet)"))
        return None
    try:
        metrics = read_metrics(run_dir)
    except RunDirError as exc:
        problems.append(Problem(where, f"skipped: {message_without(exc, str(metrics_path))}"))
        return None
    config = _read_config(run_dir, problems)
    try:
        return _run_result(run_dir, metrics, config, dataset)
    except _BadMetrics as exc:
        problems.append(Problem(where, f"skipped: {METRICS_FILE} {exc}"))
        return None


def _read_config(run_dir: Path, problems: list[Problem]) -> dict[str, Any]:
    """The resolved config sections of ``config.json``; ``{}`` (with a problem) when absent."""
    path = run_dir / CONFIG_FILE
    try:
        content = read_json(path)
    except RunDirError as exc:
        problems.append(
            Problem(
                str(run_dir), f"{message_without(exc, str(path))}: paired on metrics.json alone"
            )
        )
        return {}
    version = content.get("schema_version") if isinstance(content, dict) else None
    if version != SCHEMA_VERSION or not isinstance(content.get("config"), dict):
        problems.append(
            Problem(
                str(run_dir),
                f"{CONFIG_FILE} has schema_version {version!r} or no config: "
                "paired on metrics.json alone",
            )
        )
        return {}
    config: dict[str, Any] = content["config"]
    return config


class _BadMetrics(Exception):
    """A key of metrics.json is missing or has the wrong type (reported, not raised)."""


def _lookup(metrics: Mapping[str, Any], dotted: str) -> Any:
    value: Any = metrics
    for key in dotted.split("."):
        if not isinstance(value, Mapping) or key not in value:
            raise _BadMetrics(f"lacks {dotted}")
        value = value[key]
    return value


def _section(metrics: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    value = _lookup(metrics, name)
    if not isinstance(value, Mapping):
        raise _BadMetrics(f"{name} is not an object ({value!r})")
    return value


def _number(metrics: Mapping[str, Any], dotted: str, *, required: bool = True) -> float:
    try:
        value = _lookup(metrics, dotted)
    except _BadMetrics:
        if required:
            raise
        return math.nan
    if value is None and not required:
        return math.nan
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _BadMetrics(f"{dotted} is not a number ({value!r})")
    return float(value)


def _integer(metrics: Mapping[str, Any], dotted: str) -> int:
    value = _lookup(metrics, dotted)
    if isinstance(value, bool) or not isinstance(value, int):
        raise _BadMetrics(f"{dotted} is not an integer ({value!r})")
    return value


def _run_result(
    run_dir: Path, metrics: Mapping[str, Any], config: Mapping[str, Any], dataset: str | None
) -> RunResult:
    domain = str(_lookup(metrics, "domain"))
    metric = metric_for(domain)
    test = _section(metrics, "test")
    if metric not in test and "bits_per_base" in test:
        # Text runs of trainers that name every unit "bits_per_base": the value is per
        # character all the same (one target is one character).
        value = _number(metrics, "test.bits_per_base")
    else:
        value = _number(metrics, f"test.{metric}")
    if not math.isfinite(value):
        raise _BadMetrics(f"test.{metric} is {value} (not finite)")
    k = _integer(metrics, "tokenizer.k")
    stride_value = _lookup(metrics, "tokenizer.stride")
    stride = k if stride_value is None else int(stride_value)
    tokenizer = tokenizer_label({**_section(metrics, "tokenizer"), "k": k, "stride": stride})
    strategy = _lookup(metrics, "strategy")
    if not isinstance(strategy, str) or not strategy:
        raise _BadMetrics(f"strategy is not a name ({strategy!r})")
    markov_order = _section(metrics, "reference").get("markov_order")
    encoding_bytes = _number(metrics, "params.encoding_bytes", required=False)
    tokens_seen = _number(metrics, "tokens_seen", required=False)
    flat = _setting_fields(config)
    return RunResult(
        path=run_dir,
        domain=domain,
        # "data" was the name `genoenc sweep` gave command-line inputs before it used the
        # input's file name: label such cells by their genome too.
        data=dataset if dataset not in (None, "", "data") else _data_label(metrics),
        tokenizer=tokenizer,
        strategy=strategy,
        ratio=_integer(metrics, "ratio"),
        seed=_integer(metrics, "seed"),
        metric=metric,
        value=value,
        reference=Reference(
            uniform_bits=_number(metrics, "reference.uniform_bits", required=False),
            order0_bits=_number(metrics, "reference.order0_bits"),
            markov_order=markov_order if isinstance(markov_order, int) else None,
            markov_bits=_number(metrics, "reference.markov_bits", required=False),
            order0_token_bits=_number(metrics, "reference.order0_token_bits", required=False),
        ),
        encoding_bytes=int(encoding_bytes) if math.isfinite(encoding_bytes) else None,
        tokens_seen=int(tokens_seen) if math.isfinite(tokens_seen) else None,
        learned_nothing=bool(metrics.get("learned_nothing", False)),
        gap_closed=_gap_closed(metrics),
        config_hash=str(metrics.get("config_hash", "")),
        setting=_hash(flat),
        setting_config=flat,
        metrics=metrics,
    )


def _gap_closed(metrics: Mapping[str, Any]) -> float | None:
    value = metrics.get("gap_closed")
    return float(value) if isinstance(value, int | float) and math.isfinite(value) else None


def _data_label(metrics: Mapping[str, Any]) -> str:
    """Input file stems joined by ``+``, as ``genoenc sweep`` names the dataset.

    >>> _data_label({"sources": [{"path": "/d/ecoli_1.2.fna.gz"}, {"path": "lambda.fa"}]})
    'ecoli_1.2+lambda'
    """
    paths = [s.get("path") if isinstance(s, Mapping) else s for s in metrics.get("sources") or []]
    return "+".join(input_stem(path) for path in paths if path) or "data"


def _setting_fields(config: Mapping[str, Any]) -> dict[str, Any]:
    """Flatten the config to ``{"section.field": value}`` without the per-arm fields.

    >>> _setting_fields({"encoder": {"strategy": "full", "d_orig": 64},
    ...                  "train": {"seed": 1, "lr": 0.003}, "tokens": None})
    {'encoder.d_orig': 64, 'train.lr': 0.003, 'tokens': None}
    """
    flat: dict[str, Any] = {}
    for section, values in config.items():
        if not isinstance(values, Mapping):
            flat[section] = values
            continue
        for name, value in values.items():
            if section == "encoder" and name not in _KEPT_ENCODER_FIELDS:
                continue
            if (section, name) in _ARM_FIELDS:
                continue
            flat[f"{section}.{name}"] = value
    return flat


def _hash(flat: Mapping[str, Any]) -> str:
    text = json.dumps(flat, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:12]
