"""``genoenc score``: per-base bits, streamed, equal to eval and to the exported model."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pysam
import pytest
import torch
from click.testing import CliRunner

from genoenc.baselines.markov import MarkovModel
from genoenc.cli import cli
from genoenc.export import export_run, load_trained_run
from genoenc.io import read_fasta, read_fasta_regions
from genoenc.score import ScoreConfig, fit_run_markov, score_chunks, score_run, window_plan
from genoenc.tokenize.vocab import DNA_VOCAB_SIZE, START, TRANSLATE
from genoenc.train import RunConfig, merge_config
from genoenc.train.scoring import evaluate_run
from tests.helpers import sample_path

Trained = Callable[[str], Path]
CHR20 = "ucsc.hg19.chr20.unittest.fasta.gz"  # bgzip + .fai + .gzi
REGION = "chr20:10,000,001-10,001,000"  # 1,000 bases: one block of the tiny runs (1,024)
CONTEXT = 32  # the tiny runs' context


def _bedgraph(path: Path) -> dict[tuple[str, int], float]:
    values = {}
    for line in path.read_text().splitlines()[1:]:
        contig, start, end, value = line.split("\t")
        for pos in range(int(start), int(end)):
            values[contig, pos] = float(value)
    return values


def _region_bases() -> bytes:
    with pysam.FastaFile(str(sample_path(CHR20))) as fasta:
        return fasta.fetch("chr20", 10_000_000, 10_001_000).encode()


def test_window_plan_tiles_every_target_once() -> None:
    for n_tokens in range(2, 40):
        for context in range(1, 9):
            for stride in range(1, context + 1):
                plan = list(window_plan(n_tokens, context, stride))
                covered = [t for _, lo, hi in plan for t in range(lo, hi)]
                assert covered == list(range(1, n_tokens))
                for number, (p, lo, hi) in enumerate(plan):
                    assert lo - p - 1 >= 0  # inside the window
                    assert hi - p - 1 <= context
                    if number:  # every later target sees at least context - stride + 1
                        assert lo - p >= context - stride + 1


@pytest.mark.parametrize("name", ["learned", "ae-k3"])
def test_stride_context_equals_eval_on_a_bgzipped_region(
    trained: Trained, tmp_path: Path, name: str
) -> None:
    run = trained(name)
    result = score_run(
        run,
        str(sample_path(CHR20)),
        tmp_path / "t.bedGraph",
        regions=[REGION],
        cfg=ScoreConfig(stride=CONTEXT),
    )
    other = merge_config(
        RunConfig(), {"reader": {"fasta": (str(sample_path(CHR20)),), "regions": (REGION,)}}
    )
    evaluated = evaluate_run(run, other, eval_tokens=100_000, device="cpu")["test"]
    assert result["bases_scored"] == evaluated["base_targets"] * (3 if name == "ae-k3" else 1)
    assert result["bits_per_base"] == pytest.approx(evaluated["bits_per_base"], rel=1e-9)
    values = _bedgraph(tmp_path / "t.bedGraph")
    assert min(pos for _, pos in values) == 10_000_000  # the region's first base, 0-based
    # 3-mers: 333 of them cover 999 bases; the last base has no k-mer (genoenc drops it)
    assert max(pos for _, pos in values) == 10_000_999 - (name == "ae-k3")
    assert sum(values.values()) / len(values) == pytest.approx(result["bits_per_base"], rel=1e-4)


def test_kmer_bits_are_spread_over_their_bases(trained: Trained, tmp_path: Path) -> None:
    score_run(trained("ae-k3"), str(sample_path(CHR20)), tmp_path / "k.bedGraph", regions=[REGION])
    values = _bedgraph(tmp_path / "k.bedGraph")
    first = [values["chr20", 10_000_000 + i] for i in range(9)]
    assert first[0] == first[1] == first[2]
    assert first[3] == first[4] == first[5]


def test_first_bases_equal_the_exported_models_log_probs(trained: Trained, tmp_path: Path):
    transformers = pytest.importorskip("transformers")  # the `hf` extra; make test has it
    run_dir = trained("learned")
    export_run(run_dir, tmp_path / "hf", verify=False)
    model = transformers.AutoModelForCausalLM.from_pretrained(
        str(tmp_path / "hf"), trust_remote_code=True
    ).eval()
    bases = _region_bases()
    ids = torch.tensor([[START, *TRANSLATE[np.frombuffer(bases[:40], np.uint8)].tolist()]])
    with torch.no_grad():
        logp = torch.log_softmax(model(ids[:, :CONTEXT]).logits, dim=-1)[0]  # (T, 8)
    want = -logp[torch.arange(CONTEXT), ids[0, 1 : CONTEXT + 1]] / math.log(2)  # (T,) bits

    run = load_trained_run(run_dir)
    chunks = read_fasta_regions(sample_path(CHR20), [REGION])
    parts = list(score_chunks(run, chunks, ScoreConfig(stride=8)))
    got = np.concatenate([p.bits for p in parts])[:CONTEXT]
    positions = np.concatenate([p.positions for p in parts])[:CONTEXT]
    assert positions.tolist() == list(range(1, CONTEXT + 1))
    np.testing.assert_allclose(got, want.double().numpy(), rtol=0, atol=1e-5)

    score_run(run_dir, str(sample_path(CHR20)), tmp_path / "s.bedGraph", regions=[REGION])
    track = _bedgraph(tmp_path / "s.bedGraph")
    for i in range(CONTEXT):
        if bases[i : i + 1].upper() in (b"A", b"C", b"G", b"T"):
            assert track["chr20", 10_000_000 + i] == pytest.approx(float(want[i]), rel=1e-4)


@pytest.fixture
def small_fasta(tmp_path: Path) -> Path:
    rng = np.random.default_rng(5)

    def bases(letters: bytes, size: int) -> bytes:
        return np.frombuffer(letters, np.uint8)[rng.integers(0, len(letters), size)].tobytes()

    one = bases(b"ACGTacgt", 700)
    two = bases(b"ACGT", 301) + b"N" * 50 + bases(b"ACGT", 90)
    path = tmp_path / "small.fa"
    lines = [b">one first", one[:350], one[350:], b">two", two[:200], two[200:], b""]
    path.write_bytes(b"\n".join(lines))
    return path


def test_chunking_and_stride_change_nothing_they_should_not(
    trained: Trained, small_fasta: Path
) -> None:
    run = load_trained_run(trained("learned"))

    def bits(chunk_size: int, stride: int) -> dict[str, np.ndarray]:
        by_record: dict[str, list[np.ndarray]] = {}
        for part in score_chunks(
            run, read_fasta(small_fasta, chunk_size=chunk_size), ScoreConfig(stride=stride)
        ):
            by_record.setdefault(part.record, []).append(np.stack([part.positions, part.bits]))
        return {k: np.concatenate(v, axis=1) for k, v in by_record.items()}

    whole = bits(1 << 20, 16)
    assert whole["one"][0].tolist() == list(range(1, 702))  # 700 bases and END
    assert whole["two"][0].tolist() == list(range(1, 443))
    np.testing.assert_array_equal(bits(7, 16)["one"], whole["one"])
    np.testing.assert_array_equal(bits(7, 16)["two"], whole["two"])
    other = bits(1 << 20, CONTEXT)
    # The first window is the same for every stride; later ones see other contexts.
    np.testing.assert_allclose(other["one"][1, :CONTEXT], whole["one"][1, :CONTEXT], atol=1e-6)
    assert not np.allclose(other["one"][1, CONTEXT:], whole["one"][1, CONTEXT:], atol=1e-6)


def test_markov_track_and_gain(trained: Trained, small_fasta: Path, tmp_path: Path) -> None:
    run_dir = trained("learned")
    out = tmp_path / "m.bedGraph"
    result = score_run(run_dir, str(small_fasta), out, markov=True, cfg=ScoreConfig())
    assert result["tracks"] == {
        "model": str(out),
        "markov": str(tmp_path / "m.markov.bedGraph"),
        "gain": str(tmp_path / "m.gain.bedGraph"),
    }
    # Streamed Markov bits equal the run's Markov model on each whole record at once.
    markov = fit_run_markov(load_trained_run(run_dir))
    assert isinstance(markov, MarkovModel)
    assert markov.order == result["markov_order"]
    total, n = 0.0, 0
    for chunk in read_fasta(small_fasta):
        seg = np.concatenate([[START], TRANSLATE[np.frombuffer(chunk.seq, np.uint8)]]).astype(
            np.int64
        )
        mask = seg < 4
        mask[0] = False
        bits, count = markov.bits([seg], [mask])
        total, n = total + bits, n + count
    assert n == result["bases_scored"] == 700 + 391
    assert result["markov_bits_per_base"] == pytest.approx(total / n, rel=1e-9)
    model, mk, gain = (_bedgraph(Path(p)) for p in result["tracks"].values())
    assert model.keys() == mk.keys() == gain.keys()
    assert ("two", 301) not in model  # N is never scored
    for key in list(model)[:200]:
        assert gain[key] == pytest.approx(mk[key] - model[key], abs=2e-4)
    assert DNA_VOCAB_SIZE == 8


def test_bigwig_track_equals_bedgraph(trained: Trained, tmp_path: Path) -> None:
    pybigwig = pytest.importorskip("pyBigWig")  # the `bigwig` extra; make test has it
    run_dir = trained("learned")
    fasta = str(sample_path(CHR20))
    regions = [REGION, "chr20:10,050,001-10,050,200"]
    score_run(run_dir, fasta, tmp_path / "t.bw", regions=regions)
    score_run(run_dir, fasta, tmp_path / "t.bedGraph", regions=regions)
    track = _bedgraph(tmp_path / "t.bedGraph")
    with pybigwig.open(str(tmp_path / "t.bw")) as bw:
        assert bw.chroms() == {"chr20": 63_025_520}
        values = bw.values("chr20", 10_000_000, 10_001_000) + bw.values(
            "chr20", 10_050_000, 10_050_200
        )
        assert bw.values("chr20", 10_001_000, 10_001_001) == [pytest.approx(math.nan, nan_ok=True)]
    keys = [("chr20", p) for p in [*range(10_000_000, 10_001_000), *range(10_050_000, 10_050_200)]]
    for key, value in zip(keys, values, strict=True):
        assert value == pytest.approx(track[key], rel=1e-4)


def test_cli_score(trained: Trained, tmp_path: Path) -> None:
    runner = CliRunner()
    base = ["score", str(trained("learned")), "--fasta", str(sample_path(CHR20))]
    out = tmp_path / "c.bedGraph"
    result = runner.invoke(
        cli, [*base, "--region", REGION, "-o", str(out), "--json", str(tmp_path / "c.json")]
    )
    assert result.exit_code == 0, result.output
    assert "bits/base  model" in result.output
    assert json.loads((tmp_path / "c.json").read_text())["bases_scored"] == 1_000
    # bigWig needs sorted regions
    reverse = ["--region", "chr20:10,050,001-10,050,100", "--region", REGION]
    result = runner.invoke(cli, [*base, *reverse, "-o", str(tmp_path / "r.bw")])
    assert result.exit_code == 1
    assert "bigWig needs regions sorted" in result.output
    assert not (tmp_path / "r.bw").exists()
    # a stride longer than the context is an option error
    result = runner.invoke(cli, [*base, "--region", REGION, "-o", str(out), "--stride", "33"])
    assert result.exit_code == 2
    assert "stride must be in 1..32" in result.output


def test_markov_track_of_a_kmer_run_skips_kmers_with_n(
    trained: Trained, small_fasta: Path, tmp_path: Path
) -> None:
    result = score_run(trained("ae-k3"), str(small_fasta), tmp_path / "k.bedGraph", markov=True)
    # one: 700 bases = 233 3-mers (699 bases); two: 301 + 50 N + 90 = 441 bases, 147 3-mers,
    # of which those holding an N (bases 300..350) are not scored.
    n_kmer_free = 233 + sum(1 for i in range(147) if not (300 <= 3 * i + 2 and 3 * i <= 350))
    assert result["bases_scored"] == 3 * n_kmer_free
    assert math.isfinite(result["markov_bits_per_base"])
    model = _bedgraph(tmp_path / "k.bedGraph")
    assert model.keys() == _bedgraph(tmp_path / "k.markov.bedGraph").keys()
