"""Synthetic Markov sources: exact entropy rates, sampling, FASTA output."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from genoenc.errors import ConfigError
from genoenc.studies import (
    MarkovSource,
    Source,
    default_dna_source,
    tokens_to_dna,
    write_fasta,
)


def _stationarity_error(source: MarkovSource) -> float:
    vocab, n_contexts = source.vocab_size, source.n_contexts
    nexts = (np.arange(n_contexts)[:, None] * vocab + np.arange(vocab)) % n_contexts
    flow = source.stationary[:, None] * source.transitions
    after = np.bincount(nexts.reshape(-1), weights=flow.reshape(-1), minlength=n_contexts)
    return float(np.abs(after - source.stationary).max())


@pytest.mark.parametrize(
    ("vocab", "order", "concentration"),
    [(4, 0, 1.0), (4, 2, 0.5), (4, 3, 0.1), (8, 1, 5.0), (3, 5, 0.3)],
)
def test_empirical_entropy_matches_the_entropy_rate(
    vocab: int, order: int, concentration: float
) -> None:
    source = MarkovSource(vocab, order, concentration, seed=11)
    tokens = source.sample(1_000_000, seed=5)
    assert tokens.shape == (1_000_000,)
    assert tokens.dtype == np.uint8
    assert tokens.max() < vocab
    assert source.surprisal(tokens).mean() == pytest.approx(source.entropy_rate(), rel=0.01)


@pytest.mark.parametrize(("order", "dense"), [(3, True), (6, False)])
def test_stationary_distribution_is_stationary(order: int, dense: bool) -> None:
    source = MarkovSource(4, order, 0.3, seed=2)
    assert (source.n_contexts <= 1024) == dense  # both solvers are exercised
    assert source.stationary.sum() == pytest.approx(1.0)
    assert source.stationary.min() > 0
    assert _stationarity_error(source) < 1e-12


def test_order_zero_entropy_is_that_of_its_one_distribution() -> None:
    source = MarkovSource(5, 0, 2.0, seed=3)
    probs = source.transitions[0]
    assert source.entropy_rate() == pytest.approx(float(-(probs * np.log2(probs)).sum()))


def test_concentration_sets_how_predictable_the_source_is() -> None:
    rates = [MarkovSource(4, 2, c, seed=0).entropy_rate() for c in (0.05, 0.5, 50.0)]
    assert rates[0] < 0.7 < rates[1] < 1.8 < rates[2] <= 2.0


def test_default_dna_design_point() -> None:
    source = default_dna_source()
    assert (source.vocab_size, source.order) == (4, 3)
    assert 1.0 <= source.entropy_rate() <= 1.6
    described = source.describe()
    assert described["kind"] == "markov"
    assert described["entropy_rate"] == source.entropy_rate()
    assert isinstance(source, Source)


def test_seeds_make_sources_and_samples_reproducible() -> None:
    a, b = MarkovSource(4, 2, 0.5, seed=1), MarkovSource(4, 2, 0.5, seed=1)
    assert np.array_equal(a.transitions, b.transitions)
    assert np.array_equal(a.sample(500, seed=9), b.sample(500, seed=np.random.default_rng(9)))
    assert not np.array_equal(a.sample(500, seed=9), a.sample(500, seed=10))
    assert not np.array_equal(a.transitions, MarkovSource(4, 2, 0.5, seed=2).transitions)


def test_records_are_stationary_chains() -> None:
    source = MarkovSource(4, 2, 0.5, seed=4)
    records = source.sample_records(400, 2000, seed=1)
    assert records.shape == (400, 2000)
    rates = [source.surprisal(record).mean() for record in records]
    assert np.mean(rates) == pytest.approx(source.entropy_rate(), rel=0.01)
    # The first context of each record follows the stationary distribution.
    first = records[:, 0].astype(int) * 4 + records[:, 1]
    expected = source.stationary @ np.eye(16)
    assert np.abs(np.bincount(first, minlength=16) / 400 - expected).max() < 0.08
    assert source.sample_records(0, 10).shape == (0, 10)


def test_write_fasta_round_trips(tmp_path: Path) -> None:
    source = default_dna_source(seed=1)
    records = source.sample_records(3, 150, seed=0)
    path = write_fasta(tmp_path / "synthetic.fa", records, name_prefix="chr")
    lines = path.read_bytes().split(b"\n")
    assert lines[0] == b">chr1"
    assert [len(line) for line in lines[1:4]] == [60, 60, 30]
    assert lines[-1] == b""  # ends with a newline
    parsed: dict[bytes, bytes] = {}
    for line in lines[:-1]:
        if line.startswith(b">"):
            name = line[1:]
            parsed[name] = b""
        else:
            parsed[name] += line
    assert list(parsed) == [b"chr1", b"chr2", b"chr3"]
    assert [parsed[n] for n in parsed] == [tokens_to_dna(r) for r in records]
    assert set(b"".join(parsed.values())) <= set(b"ATCG")


def test_dna_mapping_follows_the_vocabulary() -> None:
    assert tokens_to_dna(np.array([0, 1, 2, 3])) == b"ATCG"
    with pytest.raises(ValueError, match=r"0\.\.3"):
        tokens_to_dna(np.array([0, 4]))


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"vocab_size": 1, "order": 1, "concentration": 1.0}, "vocab_size"),
        ({"vocab_size": 4, "order": -1, "concentration": 1.0}, "order"),
        ({"vocab_size": 4, "order": 20, "concentration": 1.0}, "order"),
        ({"vocab_size": 4, "order": 1, "concentration": 0.0}, "concentration"),
        ({"vocab_size": 4, "order": 1, "concentration": 1.0, "min_prob": 0.3}, "min_prob"),
    ],
)
def test_bad_parameters_name_the_field(kwargs: dict[str, float], field: str) -> None:
    with pytest.raises(ConfigError, match=rf"source\.{field}"):
        MarkovSource(**kwargs)  # type: ignore[arg-type]
