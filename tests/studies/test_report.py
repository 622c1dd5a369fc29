"""The study report's sections on fake runs: floors, gaps, accuracy pairs, real data."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

from genoenc.compare import load_runs
from genoenc.report import render_markdown
from genoenc.report._content import ReportContent
from genoenc.studies.report import accuracy_rows, study_sections, study_summary
from tests.compare.fakes import MARKOV, ORDER0, write_sweep

ARMS = {("full", 1): [1.92, 1.93, 1.91], ("learned", 8): [1.94, 1.95, 1.93]}
ARMS |= {("autoencoder", 8): [1.96, 1.97, 1.95]}


def _manifest(sources: list[dict[str, Any]], quick: bool = False) -> dict[str, Any]:
    return {
        "study": "genome",
        "title": "A test study",
        "claim": "something",
        "quick": quick,
        "budget": {"tokens_budget": 1000, "data_tokens": 10},
        "seeds": [0, 1, 2],
        "strategies": ["full", "learned", "autoencoder"],
        "ratios": [8],
        "d_orig": 64,
        "datasets": {"ecoli": {"label": "E. coli", "kind": "fasta", "vocab_size": None}},
        "sources": sources,
        "sessions": [{"seconds": 120.0, "cpu_seconds": 200.0}],
    }


def _markdown(sections: tuple[Any, ...]) -> str:
    content = ReportContent(
        title="t",
        sources=(),
        base=Path(),
        rows=(),
        groups=(),
        problems=(),
        config_origin="",
        config_text="{}",
        margin=0.01,
        alpha=0.05,
        version="0",
        sections=sections,
    )
    return render_markdown(content, {})


def test_real_data_is_measured_against_the_markov_reference(tmp_path: Path) -> None:
    write_sweep(tmp_path, ARMS, k=6, stride=6)
    runs, _ = load_runs([tmp_path])
    summary = study_summary(_manifest([]), runs)
    assert [row.arm for row in summary] == ["full", "learned-r8", "autoencoder-r8"]
    full = summary[0]
    assert full.symbols == 4**6
    assert full.value_mean == pytest.approx(1.92)
    assert full.markov_mean == pytest.approx(MARKOV)
    assert math.isnan(full.floor)
    assert math.isnan(full.gap)
    text = _markdown(study_sections(_manifest([]), summary, accuracy_rows(runs)))
    assert "no known entropy rate" in text
    assert "| ecoli/k6s6 | 4,096 | bits/base |" in text
    assert f"{ORDER0:.4f}" in text
    assert "0.0002" in text  # chance accuracy 1 / 4096
    assert "+0.0200" in text  # full's gap to the Markov reference
    assert "QUICK" not in text


def test_synthetic_floor_gap_and_quick_banner(tmp_path: Path) -> None:
    write_sweep(tmp_path, ARMS)
    runs, _ = load_runs([tmp_path])
    source = {
        "name": "ecoli",
        "vocab_size": 4,
        "entropy": {
            "bits": 1.5,
            "se": 0.001,
            "lower": 1.497,
            "upper": 1.503,
            "exact": False,
            "method": "a Monte Carlo estimate",
        },
        "context": 64,
        "context_bits": 1.52,
        "unigram_bits": 1.98,
        "log2_vocab": 2.0,
        "ln_vocab": math.log(4),
        "chance_accuracy": 0.25,
        "optimal_accuracy": 0.5,
    }
    manifest = _manifest([source], quick=True)
    summary = study_summary(manifest, runs)
    learned = summary[1]
    assert learned.gap == pytest.approx(1.94 - 1.5)
    assert learned.closed == pytest.approx((1.98 - 1.94) / (1.98 - 1.5))
    text = _markdown(study_sections(manifest, summary, accuracy_rows(runs)))
    assert text.index("QUICK RUN") < text.index("Entropy floor")
    assert "± 0.0010 SE, [1.4970, 1.5030]" in text
    assert "a Monte Carlo estimate" in text
    assert "| ecoli | 4 | 1.5000 |" in text
    assert "Wall time so far: 2.0 min over 1 invocation(s), 3.3 CPU min." in text


def test_accuracy_pairs_and_unlearnable_note(tmp_path: Path) -> None:
    write_sweep(tmp_path, ARMS)
    runs, _ = load_runs([tmp_path])
    rows = accuracy_rows(runs)
    assert [(r.arm_a, r.arm_b) for r in rows] == [
        ("learned", "autoencoder"),
        ("learned", "full"),
        ("autoencoder", "full"),
    ]
    assert all(r.n_pairs == 3 for r in rows)
    assert all(r.diff == pytest.approx(0.0) for r in rows)  # the fakes all score 0.3
    flat = {
        "name": "ecoli",
        "vocab_size": 4,
        "context": 64,
        "context_bits": 1.99,
        "entropy": {
            "bits": 1.99,
            "se": 0.0,
            "lower": 1.99,
            "upper": 1.99,
            "exact": True,
            "method": "exact",
        },
        "unigram_bits": 2.0,
        "log2_vocab": 2.0,
        "ln_vocab": 1.386,
        "chance_accuracy": 0.25,
        "optimal_accuracy": 0.26,
    }
    manifest = _manifest([flat])
    text = _markdown(study_sections(manifest, study_summary(manifest, runs), rows))
    assert "UNLEARNABLE beyond order-0" in text
