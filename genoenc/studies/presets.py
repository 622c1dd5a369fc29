"""The seed-paper studies as presets: which data, which arms, which budget.

Each :class:`StudySpec` is a sweep: its sources (synthetic, with a known entropy rate,
or a genome), the tokenizers, ``d_orig``, the compression ratios, the strategies (arms)
and the seeds. :func:`study_grid_data` turns a study into the mapping that
:func:`genoenc.train.sweep.load_grid` reads, so a study is run by the ordinary sweep
machinery. Budgets come in two sizes: ``full`` (sized to finish each study on 2 CPU
cores in about an hour) and ``quick`` (a few minutes; clearly labelled in the report).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Final

from genoenc.errors import ConfigError
from genoenc.sources import HMMSource, MarkovSource, Source, ZipfMarkovSource

__all__ = [
    "GENOME_SAMPLE",
    "SOURCE_KINDS",
    "STUDIES",
    "Budget",
    "SourceSpec",
    "StudySpec",
    "get_study",
    "study_grid_data",
]

#: Kinds a :class:`SourceSpec` may name: three synthetic families and a FASTA file.
SOURCE_KINDS: Final = ("markov", "hmm", "zipf", "fasta")
#: The genome study's input, relative to the repository root.
GENOME_SAMPLE: Final = "data/samples/ecoli_k12_mg1655_GCF_000005845.2.fna.gz"
#: The tokenizer kind of synthetic token ids ``0..V-1`` (see genoenc.tokenize).
IDS_KIND: Final = "ids"


def _frozen(mapping: Mapping[str, Any] | None = None) -> Mapping[str, Any]:
    return MappingProxyType(dict(mapping or {}))


@dataclass(frozen=True, kw_only=True)
class SourceSpec:
    """One dataset of a study.

    Attributes:
        name: The dataset name in the sweep (a folder name: letters, digits, ``-``).
        kind: One of :data:`SOURCE_KINDS`.
        label: What it is, in words, for the report.
        vocab_size: Tokens ``V`` (synthetic kinds; ``None`` for ``fasta``).
        params: Keyword arguments of the source class beyond ``vocab_size`` and ``seed``
            (for ``fasta``: ``path``).
        seed: Seed of the source's tables (the sampled data has its own seed).
    """

    name: str
    kind: str
    label: str
    vocab_size: int | None = None
    params: Mapping[str, Any] = field(default_factory=_frozen)
    seed: int = 0

    def __post_init__(self) -> None:
        if self.kind not in SOURCE_KINDS:
            raise ConfigError(
                f"source.kind must be one of {', '.join(SOURCE_KINDS)} (got {self.kind!r})"
            )
        if not self.name or not all(c.isalnum() or c == "-" for c in self.name):
            raise ConfigError(f"source.name must be letters, digits and '-' (got {self.name!r})")
        if (self.kind == "fasta") != (self.vocab_size is None):
            raise ConfigError(
                f"source.vocab_size must be given for synthetic sources and only for them "
                f"({self.name}: kind {self.kind}, vocab_size {self.vocab_size})"
            )
        object.__setattr__(self, "params", _frozen(self.params))

    @property
    def synthetic(self) -> bool:
        """Whether the data is sampled from a source with a known entropy rate."""
        return self.kind != "fasta"

    def build(self) -> Source:
        """The synthetic source this spec describes.

        Raises:
            ConfigError: For a ``fasta`` spec (it has no source object).
        """
        vocab = self.vocab_size
        if vocab is None:
            raise ConfigError(f"source {self.name}: a FASTA input has no synthetic source")
        params = dict(self.params)
        if self.kind == "markov":
            return MarkovSource(
                vocab, int(params["order"]), float(params["concentration"]), seed=self.seed
            )
        if self.kind == "zipf":
            return ZipfMarkovSource(vocab_size=vocab, seed=self.seed, **params)
        return HMMSource(vocab_size=vocab, seed=self.seed, **params)


@dataclass(frozen=True, kw_only=True)
class Budget:
    """How much data and training one study mode uses.

    Attributes:
        tokens_budget: Training input positions per run.
        data_tokens: Tokens sampled per synthetic dataset (split 80/10/10 into
            train/validation/test by blocks of ``record_length``).
        record_length: Symbols per sampled record; framed ``START ... END`` a record
            fills exactly one split block of ``record_length + 2`` tokens.
        eval_tokens: Cap on the test sample's targets.
        seeds: Default number of training seeds.
    """

    tokens_budget: int
    data_tokens: int
    record_length: int = 4094
    eval_tokens: int = 131_072
    seeds: int = 10

    def __post_init__(self) -> None:
        for name in ("tokens_budget", "data_tokens", "record_length", "eval_tokens", "seeds"):
            if getattr(self, name) < 1:
                raise ConfigError(f"budget.{name} must be positive (got {getattr(self, name)})")

    @property
    def n_records(self) -> int:
        """Records sampled per synthetic dataset."""
        return max(10, math.ceil(self.data_tokens / self.record_length))


#: The task model and loop the synthetic studies share (only the budget differs between
#: modes): short windows and few steps suit their low-order sources.
_BASE: Final[Mapping[str, Mapping[str, Any]]] = _frozen(
    {
        "model": {"arch": "transformer", "d_model": 64, "n_layer": 2, "n_head": 4},
        "window": {"context": 64},
        "train": {"batch_size": 32, "lr": 3e-3, "markov_max_k": 4, "eval_interval": 0.25},
    }
)

#: The genome study trains with ``genoenc train``'s own defaults (window, batch, learning
#: rate, budget, Markov orders; the chain head and 64-token windows for 6-mers), the
#: settings under which a default run beats the order-6 count table (docs/defaults.md).
_TRAIN_DEFAULTS: Final[Mapping[str, Mapping[str, Any]]] = _frozen(
    {"model": {"arch": "transformer", "d_model": 64, "n_layer": 2, "n_head": 4}}
)


@dataclass(frozen=True, kw_only=True)
class StudySpec:
    """A seed-paper study as a sweep.

    Attributes:
        name: The preset's name (``genoenc study NAME``).
        title: One line saying what it measures.
        claim: The seed paper's claim it checks.
        sources: The datasets.
        tokenizers: Tokenizer configs (kind, k, stride) of the sweep axis.
        d_orig: Width of the uncompressed encoding.
        ratios: Compression ratios ``d_orig / d_c``.
        strategies: The arms (``full`` first).
        full: The budget of a full study.
        quick: The budget of ``--quick``.
        base: The task model and loop (config sections) the study's runs share.
        overrides: Extra config sections merged over the base.
        accuracy: Whether the report compares top-1 accuracy as well as loss.
    """

    name: str
    title: str
    claim: str
    sources: tuple[SourceSpec, ...]
    tokenizers: tuple[Mapping[str, Any], ...]
    d_orig: int
    ratios: tuple[int, ...]
    strategies: tuple[str, ...]
    full: Budget
    quick: Budget
    base: Mapping[str, Mapping[str, Any]] = field(default_factory=lambda: _BASE)
    overrides: Mapping[str, Mapping[str, Any]] = field(default_factory=_frozen)
    accuracy: bool = True

    def __post_init__(self) -> None:
        if not self.sources:
            raise ConfigError(f"study {self.name}: no source")
        names = [s.name for s in self.sources]
        if len(set(names)) != len(names):
            raise ConfigError(f"study {self.name}: source names repeat ({names})")
        for ratio in self.ratios:
            if self.d_orig % ratio:
                raise ConfigError(f"study {self.name}: ratio {ratio} must divide d_orig")

    @property
    def runs_per_seed(self) -> int:
        """Runs per training seed: per dataset and tokenizer, ``full`` plus every other
        strategy at every ratio.

        >>> STUDIES["compression-scaling"].runs_per_seed
        16
        """
        compressed = len([s for s in self.strategies if s != "full"]) * len(self.ratios)
        arms = compressed + ("full" in self.strategies)
        return len(self.sources) * len(self.tokenizers) * arms

    def budget(self, quick: bool) -> Budget:
        """The quick or the full budget."""
        return self.quick if quick else self.full


def _markov(name: str, label: str, vocab: int, order: int, concentration: float) -> SourceSpec:
    return SourceSpec(
        name=name,
        kind="markov",
        label=label,
        vocab_size=vocab,
        params={"order": order, "concentration": concentration},
    )


def _zipf(vocab: int, name: str | None = None) -> SourceSpec:
    return SourceSpec(
        name=name or f"zipf-v{vocab}",
        kind="zipf",
        label=(
            f"realistic transitions: order-1 chain over {vocab} tokens, ceil(sqrt(V)) "
            "successors per token drawn with Zipf(1) weights, power-law (1/rank) row"
        ),
        vocab_size=vocab,
    )


_SIMPLE = _markov(
    "simple",
    "simple patterns: order-2 Markov, Dirichlet(0.02) rows (near-deterministic)",
    20,
    2,
    0.02,
)
_SEMI_RANDOM = _markov(
    "semi-random", "semi-random: order-1 Markov, Dirichlet(1.0) rows", 20, 1, 1.0
)
_STRUCTURED = SourceSpec(
    name="structured",
    kind="hmm",
    label=(
        "structured: HMM, 6 sticky phrase states (stay 0.9), Dirichlet(0.1) emissions "
        "(entropy rate estimated, see its interval)"
    ),
    vocab_size=20,
    params={"n_states": 6, "stay": 0.9, "emission_concentration": 0.1},
)
_PATTERNED = _markov("markov2", "patterned: order-2 Markov, Dirichlet(0.1) rows", 20, 2, 0.1)
_GENOME = SourceSpec(
    name="ecoli",
    kind="fasta",
    label="E. coli K-12 MG1655 genome (bundled sample); no known entropy rate",
    params={"path": GENOME_SAMPLE},
)

_ARMS_SMALL: Final = ("full", "learned", "autoencoder", "autoencoder-joint")

STUDIES: Final[Mapping[str, StudySpec]] = MappingProxyType(
    {
        spec.name: spec
        for spec in (
            StudySpec(
                name="compression-scaling",
                title="Learned vs autoencoder encodings from 2:1 to 32:1 (V = 20, d_orig = 32)",
                claim="learned encodings match or beat autoencoder compression at 2:1 to 32:1",
                sources=(_PATTERNED,),
                tokenizers=({"kind": IDS_KIND},),
                d_orig=32,
                ratios=(2, 4, 8, 16, 32),
                strategies=_ARMS_SMALL,
                full=Budget(tokens_budget=786_432, data_tokens=1_048_576),
                quick=Budget(tokens_budget=131_072, data_tokens=262_144, seeds=2),
            ),
            StudySpec(
                name="vocab-scaling",
                title="Learned vs autoencoder encodings across V = 50..1000 at 8:1 (32 -> 4)",
                claim="learned encodings match or beat autoencoder compression across V 50-1000",
                sources=tuple(_zipf(v) for v in (50, 100, 200, 500, 1000)),
                tokenizers=({"kind": IDS_KIND},),
                d_orig=32,
                ratios=(8,),
                strategies=_ARMS_SMALL,
                full=Budget(tokens_budget=786_432, data_tokens=1_048_576),
                quick=Budget(tokens_budget=131_072, data_tokens=262_144, seeds=2),
            ),
            StudySpec(
                name="data-complexity",
                title="Learned vs autoencoder encodings on four kinds of data (V = 20, 8:1)",
                claim="learned encodings match or beat autoencoder compression on four data kinds",
                sources=(_SIMPLE, _SEMI_RANDOM, _STRUCTURED, _zipf(20, "realistic")),
                tokenizers=({"kind": IDS_KIND},),
                d_orig=32,
                ratios=(8,),
                strategies=(
                    "full",
                    "learned",
                    "autoencoder",
                    "autoencoder-deep",
                    "autoencoder-vae",
                ),
                full=Budget(tokens_budget=786_432, data_tokens=1_048_576),
                quick=Budget(tokens_budget=131_072, data_tokens=262_144, seeds=2),
            ),
            StudySpec(
                name="corrected",
                title="The corrected setting: V = 50, d_orig = 128, ratios 2..16 (loss, accuracy)",
                claim="accuracy 0.04-0.08 at V 50, d_orig 128, ratios 2-16",
                sources=(_zipf(50),),
                tokenizers=({"kind": IDS_KIND},),
                d_orig=128,
                ratios=(2, 4, 8, 16),
                strategies=(*_ARMS_SMALL, "autoencoder-twostage"),
                full=Budget(tokens_budget=786_432, data_tokens=1_048_576),
                quick=Budget(tokens_budget=131_072, data_tokens=262_144, seeds=2),
            ),
            StudySpec(
                name="genome",
                title="The same comparison on the E. coli genome, k = 1 and k = 6 (stride 6), 8:1",
                claim="(no genome claim in the seed papers: the synthetic claims, tried on DNA)",
                sources=(_GENOME,),
                tokenizers=({"k": 1}, {"k": 6, "stride": 6}),
                d_orig=32,
                ratios=(8,),
                strategies=_ARMS_SMALL,
                # genoenc train's defaults (a test pins them; importing TrainConfig here
                # would load torch for `genoenc study --list`)
                full=Budget(tokens_budget=8_000_000, data_tokens=1, eval_tokens=1 << 19),
                quick=Budget(tokens_budget=131_072, data_tokens=1, eval_tokens=32_768, seeds=2),
                base=_TRAIN_DEFAULTS,
            ),
        )
    }
)


def get_study(name: str) -> StudySpec:
    """The preset called ``name``.

    Raises:
        ConfigError: No such preset (the message lists them).
    """
    try:
        return STUDIES[name]
    except KeyError:
        raise ConfigError(f"unknown study {name!r} (known: {', '.join(STUDIES)})") from None


def _merge(a: Mapping[str, Any], b: Mapping[str, Any]) -> dict[str, Any]:
    out = {key: dict(value) if isinstance(value, Mapping) else value for key, value in a.items()}
    for key, value in b.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), dict):
            out[key] = {**out[key], **value}
        else:
            out[key] = dict(value) if isinstance(value, Mapping) else value
    return out


def study_grid_data(
    spec: StudySpec,
    datasets: Mapping[str, Mapping[str, Any]],
    *,
    quick: bool,
    seeds: int | None = None,
    budget: Budget | None = None,
) -> dict[str, Any]:
    """The sweep grid of a study, as :func:`genoenc.train.sweep.load_grid` reads it.

    Args:
        spec: The study.
        datasets: Dataset name -> its config overrides (``tokens`` store or ``reader``
            inputs, and for synthetic data the tokenizer's vocabulary).
        quick: Use the quick budget.
        seeds: Training seeds ``0..seeds-1`` (default: the budget's).
        budget: Replaces the study's budget (tests use a tiny one).

    Returns:
        ``{"base", "datasets", "tokenizers", "strategies", "ratios", "seeds"}``.
    """
    chosen = budget or spec.budget(quick)
    n_seeds = chosen.seeds if seeds is None else seeds
    if n_seeds < 1:
        raise ConfigError(f"study.seeds must be at least 1 (got {n_seeds})")
    synthetic = any(s.synthetic for s in spec.sources)
    block = chosen.record_length + 2 if synthetic else None
    base = _merge(spec.base, spec.overrides)
    base = _merge(
        base,
        {
            "encoder": {"d_orig": spec.d_orig},
            "train": {"tokens_budget": chosen.tokens_budget, "eval_tokens": chosen.eval_tokens},
            **({"split": {"block_tokens": block}} if block else {}),
        },
    )
    return {
        "base": base,
        "datasets": {name: dict(value) for name, value in datasets.items()},
        "tokenizers": [dict(t) for t in spec.tokenizers],
        "strategies": list(spec.strategies),
        "ratios": list(spec.ratios),
        "seeds": n_seeds,
    }
