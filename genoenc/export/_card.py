"""The model card (``README.md``) of an exported folder: data, split, encoding, results."""

from __future__ import annotations

from typing import Any

from genoenc import __version__
from genoenc.train.config import RunConfig

__all__ = ["model_card"]


def _split_text(cfg: RunConfig) -> str:
    split = cfg.split
    if getattr(split, "by_record", False):
        return (
            f"whole records: validation {', '.join(split.val_records) or '-'}, "
            f"test {', '.join(split.test_records) or '-'}"
        )
    return (
        f"blocks of {split.block_tokens:,} tokens assigned by a seeded hash "
        f"(validation {split.val_fraction:.0%}, test {split.test_fraction:.0%}, "
        f"seed {split.seed})"
    )


def _model_text(cfg: RunConfig) -> str:
    model = cfg.model
    return (
        f"{model.arch}, d_model {model.d_model}, {model.n_layer} layers, "
        f"context {cfg.window.context:,}"
    )


def model_card(
    cfg: RunConfig,
    metrics: dict[str, Any],
    exported: dict[str, int],
    tokenizer_note: str,
) -> str:
    """Markdown model card with a YAML header for the Hugging Face hub.

    Args:
        cfg: The run's resolved config.
        metrics: The run's ``metrics.json``.
        exported: Element counts of what the folder stores: ``encoding``, ``task_model``,
            ``total`` and ``bytes`` (float32).
        tokenizer_note: How the tokenizer reads its input.
    """
    unit = {"text": "char", "synthetic": "symbol"}.get(metrics.get("domain", "genome"), "base")
    sections = [
        _front_matter(metrics),
        _usage(cfg, metrics, unit),
        _data_section(cfg, metrics),
        _encoding_section(cfg, metrics, tokenizer_note),
        _results_section(metrics, unit),
        _parameters_section(metrics, exported),
    ]
    return "\n".join(sections)


def _front_matter(metrics: dict[str, Any]) -> str:
    """The YAML header the hub reads (library, pipeline, tags)."""
    tags = "\n".join(f"- {tag}" for tag in ("genoenc", "causal-lm", metrics.get("domain", "")))
    return f"""---
library_name: transformers
pipeline_tag: text-generation
tags:
{tags}
---
"""


def _usage(cfg: RunConfig, metrics: dict[str, Any], unit: str) -> str:
    """The title, and how to load the folder and frame a sequence."""
    return f"""# genoenc {metrics["strategy"]} (ratio {metrics["ratio"]}) — exported run

A next-{"base" if unit == "base" else "token"} model trained with
[genoenc](https://pypi.org/project/genoenc/) {__version__}, exported by `genoenc export`.
It loads with `transformers` alone (the modelling code ships in this folder):

```python
import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

tokenizer = AutoTokenizer.from_pretrained(PATH)
model = AutoModelForCausalLM.from_pretrained(PATH, trust_remote_code=True).eval()
ids = tokenizer("[START]" + "ACGTTGCA", return_tensors="pt").input_ids
logits = model(ids).logits  # (1, T, {metrics.get("target_vocab_size", "V")})
# position t of the logits predicts token t + 1
```

A sequence read from its start begins with `[START]` (BOS), as genoenc framed every
record in training; `[END]` (EOS) ends a record and `[PAD]` pads. Sequences longer than
{cfg.window.context:,} tokens are refused: slide a window (`genoenc score` does, with
START + the preceding bases at a record's start).
"""


def _data_section(cfg: RunConfig, metrics: dict[str, Any]) -> str:
    """The inputs (path, kind, size, hash), the regions and the split rule."""
    sources = "\n".join(
        f"| `{s.get('path', '?')}` | {s.get('kind', '?')} | {s.get('bytes', 0):,} | "
        f"`{str(s.get('sha256', ''))[:16]}` |"
        for s in metrics.get("sources", [])
    )
    regions = ", ".join(cfg.reader.regions) or "whole records"
    return f"""## Data and split

| input | kind | bytes | sha256 (first 16) |
| --- | --- | ---: | --- |
{sources}

Regions: {regions}. Split: {_split_text(cfg)}. Metrics are on the test split; every
reference is fitted on the train split and scored on the same test windows.
"""


def _encoding_section(cfg: RunConfig, metrics: dict[str, Any], tokenizer_note: str) -> str:
    """Tokenizer, strategy, ratio, task model and training length."""
    tok = metrics["tokenizer"]
    return f"""## Encoding and model

| | |
| --- | --- |
| tokenizer | {tok["kind"]}, k={tok["k"]}, stride={tok["stride"]}: {tokenizer_note} |
| strategy | `{metrics["strategy"]}` |
| ratio d_orig / d_c | {metrics["ratio"]} ({metrics["d_orig"]} / {metrics["d_c"]}) |
| task model | {_model_text(cfg)} |
| tokens seen | {metrics["tokens_seen"]:,} (seed {metrics["seed"]}) |
"""


def _results_section(metrics: dict[str, Any], unit: str) -> str:
    """Bits per unit of the model and of the references on the test split."""
    test, ref = metrics["test"], metrics["reference"]
    return f"""## Results (test split)

| | bits/{unit} |
| --- | ---: |
| this model | {test[f"bits_per_{unit}"]:.4f} |
| uniform | {ref["uniform_bits"]:.4f} |
| order-0 (train unigram) | {ref["order0_bits"]:.4f} |
| best Markov (order {ref["markov_order"]}, chosen on validation) | {ref["markov_bits"]:.4f} |

Top-1 accuracy {test["accuracy"]:.4f} over {test["targets"]:,} scored targets;
`learned_nothing`: {metrics.get("learned_nothing")}.
"""


def _parameters_section(metrics: dict[str, Any], exported: dict[str, int]) -> str:
    """Parameter counts per component, and what this folder stores."""
    params = metrics["params"]
    return f"""## Parameters

| component | parameters | stored here |
| --- | ---: | --- |
| encoding (stored for inference) | {params["encoding"]:,} | yes |
| training only (autoencoder, source table) | {params["training_only"]:,} | no |
| task model | {params["task_model"]:,} | yes |
| **this folder** | **{exported["total"]:,}** | {exported["bytes"]:,} bytes (float32) |

The encoding's {params["encoding"]:,} parameters take {params["encoding_bytes"]:,} bytes
at float32.
"""
