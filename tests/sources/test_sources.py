"""Synthetic sources: exact (or tightly bounded) entropy rates, sampling, FASTA output."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from genoenc.errors import ConfigError
from genoenc.sources import (
    HMMSource,
    MarkovSource,
    Source,
    ZipfMarkovSource,
    default_dna_source,
    entropy_bits,
    tokens_to_dna,
    write_fasta,
)
from genoenc.studies import STUDIES, SourceSpec


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


# -- the realistic (Zipf) chain, the HMM, and every preset's source -------------------------


@pytest.mark.parametrize("vocab", [20, 50, 1000])
def test_zipf_source_entropy_matches(vocab: int) -> None:
    source = ZipfMarkovSource(vocab_size=vocab, seed=3)
    records = source.sample_records(100, 3000, seed=4)
    empirical = np.mean([source.surprisal(r).mean() for r in records])
    assert empirical == pytest.approx(source.entropy_rate(), rel=0.01)
    assert source.entropy_rate_detail().exact


def test_zipf_rows_are_sparse_power_laws() -> None:
    source = ZipfMarkovSource(vocab_size=50, branching=6, seed=1)
    big = source.transitions > 10 * source.min_prob
    assert (big.sum(axis=1) == 6).all()
    ranked = np.sort(source.transitions, axis=1)[:, ::-1][:, :6]
    expected = 1 / np.arange(1, 7)
    expected /= expected.sum()
    assert np.allclose(ranked, expected, atol=1e-4)
    # Frequent (low) ids are chosen as successors far more often: a Zipf-like unigram.
    unigram = source.unigram()
    assert unigram[:5].sum() > 3 * unigram[-5:].sum()
    assert source.unigram_entropy() < np.log2(50)
    assert ZipfMarkovSource(vocab_size=50).successors == 8  # ceil(sqrt(50))


def test_optimal_accuracy_is_that_of_the_true_argmax() -> None:
    source = MarkovSource(6, 2, 0.3, seed=2)
    tokens = source.sample(200_000, seed=8).astype(np.int64)
    context = tokens[:-2] * 6 + tokens[1:-1]
    hits = source.transitions[context].argmax(axis=1) == tokens[2:]
    assert hits.mean() == pytest.approx(source.optimal_accuracy(), abs=0.01)


def test_context_entropy_of_markov_chains() -> None:
    first = MarkovSource(5, 1, 0.5, seed=0)
    assert first.context_entropy(1) == pytest.approx(first.entropy_rate())
    second = MarkovSource(5, 2, 0.2, seed=0)
    # One token of context: H(X_t | X_t-1), measured on a sample.
    tokens = second.sample(300_000, seed=1).astype(np.int64)
    pairs = np.bincount(tokens[:-1] * 5 + tokens[1:], minlength=25).reshape(5, 5)
    joint = pairs / pairs.sum()
    conditional = float(entropy_bits(joint.reshape(-1)) - entropy_bits(joint.sum(axis=1)))
    assert second.context_entropy(1) == pytest.approx(conditional, rel=0.01)
    # Longer windows approach the entropy rate from above.
    values = [second.context_entropy(c) for c in (1, 2, 8, 64)]
    assert values == sorted(values, reverse=True)
    assert values[-1] == pytest.approx(
        second.entropy_rate() + (values[0] - second.entropy_rate()) / 64
    )


def test_hmm_estimate_holds_on_an_independent_sample() -> None:
    source = HMMSource(vocab_size=20, seed=5)
    rate = source.entropy_rate_detail()
    assert not rate.exact
    assert 0 < rate.se < 0.002 * rate.bits  # the stated uncertainty is tight
    assert rate.lower <= rate.bits <= rate.upper
    exact_low, exact_up = source.exact_bounds()
    assert exact_low <= rate.lower
    assert rate.upper <= exact_up
    records = source.sample_records(200, 3000, seed=123)
    independent = source.surprisal(records)[:, 500:].mean(axis=1)
    estimate = independent.mean()
    se = independent.std(ddof=1) / np.sqrt(len(independent))
    assert abs(estimate - rate.bits) < 4 * np.hypot(se, rate.se)
    assert estimate == pytest.approx(rate.bits, rel=0.01)
    # One long chain from `sample` has the same rate.
    chain = source.sample(100_000, seed=7)
    assert source.surprisal(chain)[500:].mean() == pytest.approx(rate.bits, rel=0.01)


def test_hmm_tables_and_bounds() -> None:
    source = HMMSource(
        vocab_size=12, n_states=4, stay=0.8, seed=2, estimate_records=64, estimate_length=1024
    )
    assert np.allclose(source.transitions.sum(axis=1), 1)
    assert np.allclose(np.diag(source.transitions), 0.8)
    assert np.allclose(source.emissions.sum(axis=1), 1)
    pi = source.state_stationary
    assert np.allclose(pi @ source.transitions, pi)
    assert source.entropy_rate() < source.unigram_entropy() < np.log2(12)
    assert 1 / 12 < source.optimal_accuracy() < 1
    assert source.context_entropy(64) >= source.entropy_rate_detail().lower
    states, tokens = source.sample_states_and_tokens(3, 50, seed=1)
    assert states.shape == tokens.shape == (3, 50)
    assert int(states.max()) < 4
    assert int(tokens.max()) < 12


def _preset_sources() -> list[SourceSpec]:
    seen: dict[str, SourceSpec] = {}
    for spec in STUDIES.values():
        for source in spec.sources:
            if source.synthetic:
                seen.setdefault(f"{source.name}-{source.vocab_size}", source)
    return list(seen.values())


@pytest.mark.parametrize("spec", _preset_sources(), ids=lambda s: s.name)
def test_every_preset_source_matches_its_entropy_rate(spec: SourceSpec) -> None:
    source = spec.build()
    rate = source.entropy_rate_detail()
    records = source.sample_records(150, 2000, seed=99).astype(np.int64)
    if isinstance(source, HMMSource):
        empirical = float(source.surprisal(records)[:, 500:].mean())
        assert rate.lower - 0.01 * rate.bits <= empirical <= rate.upper + 0.01 * rate.bits
    else:
        assert isinstance(source, MarkovSource | ZipfMarkovSource)
        empirical = float(np.mean([source.surprisal(r).mean() for r in records]))
    assert empirical == pytest.approx(rate.bits, rel=0.01)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"vocab_size": 20, "branching": 0}, "branching"),
        ({"vocab_size": 20, "branching": 21}, "branching"),
        ({"vocab_size": 20, "exponent": -1.0}, "exponent"),
        ({"vocab_size": 10_000}, "vocab_size"),
    ],
)
def test_bad_zipf_parameters_name_the_field(kwargs: dict[str, float], field: str) -> None:
    with pytest.raises(ConfigError, match=rf"source\.{field}"):
        ZipfMarkovSource(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"n_states": 1}, "n_states"),
        ({"stay": 1.0}, "stay"),
        ({"emission_concentration": 0.0}, "emission_concentration"),
        ({"burn_in": 5000}, "burn_in"),
    ],
)
def test_bad_hmm_parameters_name_the_field(kwargs: dict[str, float], field: str) -> None:
    with pytest.raises(ConfigError, match=rf"source\.{field}"):
        HMMSource(vocab_size=20, **kwargs)  # type: ignore[arg-type]
