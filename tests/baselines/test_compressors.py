"""General-compressor references on random and repetitive DNA."""

from __future__ import annotations

import math
import shutil

import numpy as np
import pytest

from genoenc.baselines import (
    COMPRESSORS,
    CompressorReference,
    available_compressors,
    bases_from_tokens,
    compressor_references,
)
from genoenc.errors import ConfigError


def test_random_dna_costs_about_two_bits_per_base() -> None:
    bases = bases_from_tokens(np.random.default_rng(0).integers(0, 4, 100_000))
    references = compressor_references(bases)
    assert [r.name for r in references] == list(available_compressors())
    for reference in references:
        assert reference.input_bytes == 100_000
        # Nothing beats 2 bits on uniform random bases; byte-oriented coders pay for
        # their byte alphabet (measured: zstd 2.01, bzip2 2.18, xz 2.22, gzip 2.33).
        assert 1.99 < reference.bits_per_base < 2.4, reference


def test_repetitive_dna_compresses_far_below_two_bits() -> None:
    unit = np.random.default_rng(1).integers(0, 4, 1000)
    bases = bases_from_tokens(np.tile(unit, 200))
    for reference in compressor_references(bases):
        assert reference.bits_per_base < 0.1, reference


def test_named_compressors_and_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    data = b"ACGT" * 100
    (only_xz,) = compressor_references(data, compressors=["xz"])
    assert only_xz.command == "xz -9e"
    assert only_xz.compressed_bytes * 8 / 400 == only_xz.bits_per_base
    with pytest.raises(ConfigError, match="unknown compressor 'lz4'"):
        compressor_references(data, compressors=["lz4"])
    # Without a zstd binary on PATH, zstd is skipped, not an error.
    real_which = shutil.which
    monkeypatch.setattr(shutil, "which", lambda name: None if name == "zstd" else real_which(name))
    assert "zstd" not in available_compressors()
    names = [r.name for r in compressor_references(data, compressors=["zstd", "gzip"])]
    assert names == ["gzip"]
    assert set(available_compressors()) == set(COMPRESSORS) - {"zstd"}


def test_empty_input_and_base_extraction() -> None:
    empty = CompressorReference(name="gzip", command="gzip -9", input_bytes=0, compressed_bytes=20)
    assert math.isnan(empty.bits_per_base)
    windows = np.array([[5, 0, 1, 4, 2], [3, 6, 7, 7, 7]])  # START A T N C / G END PAD...
    assert bases_from_tokens(windows) == b"ATCG"
